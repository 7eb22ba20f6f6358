"""``ledgerbus status`` as a command, without servers: its help lists the exit codes the screen
uses (written once), a bad flag exits with the code said to mean bad usage, and ``--watch``
starts a look every interval asked, whatever a look takes."""

from __future__ import annotations

import asyncio
import io
import itertools
import time
from datetime import UTC, datetime

import pytest
from rich.console import Console

from deploy.cli import main
from deploy.status import BusView, Limits
from deploy.status_codes import EXIT_CODES, EXIT_UNREACHABLE, EXIT_USAGE
from deploy.status_run import watch
from deploy.status_view import Snapshot


def test_status_help_lists_every_exit_code_with_the_meaning_the_screen_shows(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as done:
        main(["status", "--help"])
    assert done.value.code == 0
    shown = " ".join(capsys.readouterr().out.split())
    for code, meaning in EXIT_CODES.items():
        assert f" {code} {meaning}" in shown


def test_a_bad_flag_exits_with_the_code_help_calls_bad_usage(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as done:
        main(["status", "--max-lag", "many"])
    assert (done.value.code, EXIT_CODES[EXIT_USAGE]) == (EXIT_USAGE, "bad usage")
    assert "--max-lag" in capsys.readouterr().err


class TimedLooker:
    """Each look takes ``look_s``; the ``looks``-th sets ``stop``. Records when each started."""

    def __init__(self, look_s: float, looks: int, stop: asyncio.Event) -> None:
        self.look_s = look_s
        self.looks = looks
        self.stop = stop
        self.started: list[float] = []

    async def look(self) -> Snapshot:
        self.started.append(time.monotonic())
        await asyncio.sleep(self.look_s)
        if len(self.started) == self.looks:
            self.stop.set()
        bus = BusView(error=None if len(self.started) < self.looks else "gone")
        limits = Limits(max_lag=1, max_age_s=1.0)
        return Snapshot(datetime.now(UTC), "nats://x", "/d", limits, bus, None)


def _gaps(started: list[float]) -> list[float]:
    return [later - earlier for earlier, later in itertools.pairwise(started)]


async def test_watch_starts_a_look_every_interval_counting_the_look_itself() -> None:
    stop = asyncio.Event()
    looker = TimedLooker(look_s=0.3, looks=4, stop=stop)
    console = Console(file=io.StringIO(), width=160)

    code = await watch(looker, 0.5, console, stop)

    assert code == EXIT_UNREACHABLE  # the last look's
    gaps = _gaps(looker.started)
    assert len(gaps) == 3
    assert all(0.45 <= gap < 0.7 for gap in gaps), gaps  # not 0.5 + 0.3


async def test_watch_looks_again_at_once_when_a_look_takes_longer_than_the_interval() -> None:
    stop = asyncio.Event()
    looker = TimedLooker(look_s=0.3, looks=3, stop=stop)

    await watch(looker, 0.1, Console(file=io.StringIO(), width=160), stop)

    assert all(0.28 <= gap < 0.45 for gap in _gaps(looker.started)), _gaps(looker.started)
