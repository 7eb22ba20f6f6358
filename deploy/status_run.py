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
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from nats.aio.client import Client as NATS
from nats.errors import Error as NatsError
from rich.console import Console
from rich.live import Live

from bus.settings import Settings
from deploy.control_state import read_state
from deploy.credentials import OPS, for_tool
from deploy.status import BusView, Limits, read_bus
from deploy.status_processes import ProcessSampler
from deploy.status_view import Snapshot, document, screen
from deploy.targets import masked

CONNECT_TIMEOUT_S = 2
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
    """Takes snapshots: one NATS connection (made again if it was lost) and one sampler."""

    def __init__(self, url: str, options: StatusOptions, note: TextIO) -> None:
        self._url = url
        self._options = options
        self._note = note
        self._nc: NATS | None = None
        self._sampler = ProcessSampler()

    async def look(self) -> Snapshot:
        state = read_state(self._options.data_dir)
        self._sampler.prime(state)
        bus = await self._bus()
        await asyncio.sleep(self._sampler.wait_s())
        state = read_state(self._options.data_dir)
        return Snapshot(
            at=datetime.now(UTC),
            nats_url=masked(self._url),
            data_dir=str(self._options.data_dir),
            limits=self._options.limits,
            bus=bus,
            up=self._sampler.view(state) if state is not None else None,
        )

    async def _bus(self) -> BusView:
        try:
            nc = await self._connection()
        except (NatsError, OSError, TimeoutError) as exc:
            return BusView(error=f"cannot connect: {type(exc).__name__} {exc}".strip()[:300])
        return await read_bus(nc.jetstream(timeout=REQUEST_TIMEOUT_S), self._options.limits)

    async def _connection(self) -> NATS:
        if self._nc is None or self._nc.is_closed:
            nc = NATS()

            async def quiet(*_: object) -> None:
                """What went wrong is in the snapshot."""

            await nc.connect(
                servers=self._url.split(","),
                name="ledgerbus-status",
                connect_timeout=CONNECT_TIMEOUT_S,
                allow_reconnect=False,
                error_cb=quiet,
                disconnected_cb=quiet,
                closed_cb=quiet,
            )
            self._nc = nc
            url = nc.connected_url.geturl() if nc.connected_url is not None else self._url
            self._note.write(f"connected to NATS at {masked(url)}\n")
        return self._nc

    async def close(self) -> None:
        if self._nc is not None and not self._nc.is_closed:
            with contextlib.suppress(Exception):
                await self._nc.close()


async def run_status(
    settings: Settings, options: StatusOptions, out: TextIO = sys.stdout, note: TextIO = sys.stderr
) -> int:
    """One look (a screen, or ``--json``), or a screen refreshed every ``watch_s``; the exit
    code of the last look (see :data:`deploy.status_view.EXIT_CODES`)."""
    looker = Looker(nats_url_for(settings, options.data_dir), options, note)
    try:
        if options.watch_s is not None:
            return await _watch(looker, options.watch_s, _console(out))
        snapshot = await looker.look()
        if options.as_json:
            out.write(json.dumps(document(snapshot), indent=2) + "\n")
        else:
            _console(out).print(screen(snapshot))
        return snapshot.exit_code
    finally:
        await looker.close()


async def _watch(looker: Looker, every_s: float, console: Console) -> int:
    """Refresh until Ctrl-C or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        snapshot = await looker.look()
        with Live(screen(snapshot), console=console, auto_refresh=False) as live:
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), every_s)
                if not stop.is_set():
                    snapshot = await looker.look()
                    live.update(screen(snapshot), refresh=True)
        return snapshot.exit_code
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)


def _console(out: TextIO) -> Console:
    return Console(file=out, width=None if out.isatty() else PIPE_WIDTH)
