"""``ledgerbus status`` as a command, without servers: its help lists the exit codes the screen
uses (written once), a bad flag exits with the code said to mean bad usage, and ``--watch``
starts a look every interval asked, whatever a look takes."""

from __future__ import annotations

import asyncio
import io
import itertools
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


class FakeTime:
    """A clock that moves only when a look takes its time or the watch pauses (and records
    each pause), so the schedule is checked exactly, however busy the machine is."""

    def __init__(self) -> None:
        self.now = 0.0
        self.pauses: list[float] = []

    def clock(self) -> float:
        return self.now

    async def pause(self, stop: asyncio.Event, seconds: float) -> None:
        self.pauses.append(seconds)
        self.now += seconds


class TimedLooker:
    """Each look takes ``look_s`` of ``time``; the ``looks``-th sets ``stop``. Records when each
    started."""

    def __init__(self, time: FakeTime, look_s: float, looks: int, stop: asyncio.Event) -> None:
        self.time = time
        self.look_s = look_s
        self.looks = looks
        self.stop = stop
        self.started: list[float] = []

    async def look(self) -> Snapshot:
        self.started.append(self.time.now)
        self.time.now += self.look_s
        if len(self.started) == self.looks:
            self.stop.set()
        bus = BusView(error=None if len(self.started) < self.looks else "gone")
        limits = Limits(max_lag=1, max_age_s=1.0)
        return Snapshot(datetime.now(UTC), "nats://x", "/d", limits, bus, None)


def _gaps(started: list[float]) -> list[float]:
    return [round(later - earlier, 9) for earlier, later in itertools.pairwise(started)]


async def _watch(look_s: float, looks: int, every_s: float) -> tuple[int, TimedLooker, FakeTime]:
    stop, time = asyncio.Event(), FakeTime()
    looker = TimedLooker(time, look_s, looks, stop)
    console = Console(file=io.StringIO(), width=160)
    code = await watch(looker, every_s, console, stop, clock=time.clock, pause=time.pause)
    return code, looker, time


async def test_watch_starts_a_look_every_interval_counting_the_look_itself() -> None:
    code, looker, time = await _watch(look_s=0.3, looks=4, every_s=0.5)

    assert code == EXIT_UNREACHABLE  # the last look's
    assert _gaps(looker.started) == [0.5, 0.5, 0.5]  # not 0.5 + 0.3
    assert [round(p, 9) for p in time.pauses] == [0.2, 0.2, 0.2, 0.2]


async def test_watch_looks_again_at_once_when_a_look_takes_longer_than_the_interval() -> None:
    _, looker, time = await _watch(look_s=0.3, looks=3, every_s=0.1)

    assert _gaps(looker.started) == [0.3, 0.3]
    assert time.pauses == [0.0, 0.0, 0.0]
