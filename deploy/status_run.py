"""Running ``ledgerbus status``: which NATS to read, one look or a refreshing screen, the output.

The NATS read is the one ``--nats-url`` or ``LEDGERBUS_NATS_URL`` names; without either, the one
the ``up`` running on the data dir started (its state file says), else the default. A URL
without a login gets the operators' (``ops``) of the embedded stack on the data dir, if any.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import ssl
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol, TextIO

from nats.aio.client import Client as NATS
from nats.errors import Error as NatsError
from rich.console import Console
from rich.live import Live

from bus.nats_conn import tls_context
from bus.settings import Settings
from deploy.control_state import read_state
from deploy.credentials import OPS, for_tool
from deploy.lazy_nats import LazyNats
from deploy.status import BusView, Limits, read_bus
from deploy.status_processes import ProcessSampler
from deploy.status_view import Snapshot, document, screen
from deploy.targets import masked

REQUEST_TIMEOUT_S = 3.0
PIPE_WIDTH = 160
"""Columns of the screen when stdout is not a terminal."""


@dataclass(frozen=True)
class StatusOptions:
    data_dir: Path
    limits: Limits
    watch_s: float | None = None
    as_json: bool = False


def nats_url_for(settings: Settings, data_dir: Path) -> str:
    """The NATS to read: named by flag or environment, else the local ``up``'s, else default;
    with the operators' login of the embedded stack on ``data_dir`` when it names none."""
    url = settings.nats_url
    state = read_state(data_dir) if "nats_url" not in settings.model_fields_set else None
    if state is not None and state.meta.get("nats_url"):
        url = state.meta["nats_url"]
    located = settings.model_copy(update={"nats_url": url, "data_dir": data_dir})
    return for_tool(located, OPS).nats_url


class Looker:
    """Takes snapshots: one quiet NATS connection (made on the first look, again once lost) and
    one sampler; says on ``note`` which server each new connection reached."""

    def __init__(
        self, url: str, options: StatusOptions, note: TextIO, tls: ssl.SSLContext | None = None
    ) -> None:
        self.nats = LazyNats(url, "ledgerbus-status", tls)
        self._options = options
        self._note = note
        self._noted: NATS | None = None
        self._sampler = ProcessSampler()

    async def look(self) -> Snapshot:
        state = read_state(self._options.data_dir)
        self._sampler.prime(state)
        bus = await self._bus()
        await asyncio.sleep(self._sampler.wait_s())
        state = read_state(self._options.data_dir)
        return Snapshot(
            at=datetime.now(UTC),
            nats_url=masked(self.nats.url),
            data_dir=str(self._options.data_dir),
            limits=self._options.limits,
            bus=bus,
            up=self._sampler.view(state) if state is not None else None,
        )

    async def _bus(self) -> BusView:
        try:
            nc = await self.nats.connection()
        except (NatsError, OSError, TimeoutError, ValueError) as exc:
            return BusView(error=f"cannot connect: {type(exc).__name__} {exc}".strip()[:300])
        if nc is not self._noted:
            self._noted = nc
            url = nc.connected_url.geturl() if nc.connected_url is not None else self.nats.url
            self._note.write(f"connected to NATS at {masked(url)}\n")
        return await read_bus(nc.jetstream(timeout=REQUEST_TIMEOUT_S), self._options.limits)

    async def close(self) -> None:
        await self.nats.close()


class Looks(Protocol):
    """What a refreshing screen needs: a snapshot each time it asks."""

    async def look(self) -> Snapshot: ...


async def run_status(
    settings: Settings, options: StatusOptions, out: TextIO = sys.stdout, note: TextIO = sys.stderr
) -> int:
    """One look (a screen, or ``--json``), or a screen refreshed every ``watch_s``; the exit
    code of the last look (see :data:`deploy.status_codes.EXIT_CODES`)."""
    looker = Looker(nats_url_for(settings, options.data_dir), options, note, tls_context(settings))
    try:
        if options.watch_s is not None:
            with _stop_on_signals() as stop:
                return await watch(looker, options.watch_s, _console(out), stop)
        snapshot = await looker.look()
        if options.as_json:
            out.write(json.dumps(document(snapshot), indent=2) + "\n")
        else:
            _console(out).print(screen(snapshot))
        return snapshot.exit_code
    finally:
        await looker.close()


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    """Wait ``seconds``, or less if ``stop`` is set meanwhile."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def watch(
    looker: Looks,
    every_s: float,
    console: Console,
    stop: asyncio.Event,
    *,
    clock: Callable[[], float] = time.monotonic,
    pause: Callable[[asyncio.Event, float], Awaitable[None]] = _pause,
) -> int:
    """Show a look every ``every_s`` until ``stop`` is set: a look starts ``every_s`` after the
    one before started (at once, if that one took longer); the exit code of the last look."""
    began = clock()
    snapshot = await looker.look()
    with Live(screen(snapshot), console=console, auto_refresh=False) as live:
        while True:
            await pause(stop, max(every_s - (clock() - began), 0.0))
            if stop.is_set():
                return snapshot.exit_code
            began = clock()
            snapshot = await looker.look()
            live.update(screen(snapshot), refresh=True)


@contextlib.contextmanager
def _stop_on_signals() -> Iterator[asyncio.Event]:
    """An event set by Ctrl-C or SIGTERM while the block runs."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        yield stop
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)


def _console(out: TextIO) -> Console:
    return Console(file=out, width=None if out.isatty() else PIPE_WIDTH)
