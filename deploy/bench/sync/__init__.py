"""``ledgerbus bench sync``: offline sync end to end, on an embedded stack of its own.

The stack is NATS, SecantusDB, the edge (HTTP and Socket.IO on one port), and the accounts and
expenses actors. Users sign up; then three figures are taken:

1. Batches of commands (``POST /v1/sync/commands``), from many users at once and from one device
   alone (:mod:`.batches`).
2. The change feed (``GET /v1/sync/changes``) read by one reader and by several at once, and
   ``GET /v1/sync/heads`` (:mod:`.feed`).
3. A device's catch-up over Socket.IO with ``sync.resume`` from 0 (:mod:`.catchup`).

Nothing is asserted: figures are printed (and written as JSON), speed is never judged. Importing
this package loads only the options; the run and the render load when they are used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from bus.settings import Settings
from deploy.bench.framework import Benchmark
from deploy.bench.sync.options import SyncBenchOptions, settle

if TYPE_CHECKING:
    from deploy.bench.sync.results import SyncResult


async def _run(settings: Settings, options: SyncBenchOptions, out: TextIO) -> SyncResult:
    from deploy.bench.sync.phases import run_sync

    return await run_sync(settings, options, out)


def _render(result: SyncResult) -> str:
    from deploy.bench.sync.render import render

    return render(result)


SYNC = Benchmark(
    name="sync",
    help="offline sync: batches of commands, the change feed, and a device's catch-up over "
    "Socket.IO",
    options=SyncBenchOptions,
    run=_run,
    render=_render,
    smoke="5 users, 500 commands each way",
    settle=settle,
)
