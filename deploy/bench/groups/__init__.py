"""``ledgerbus bench groups``: how long a big group's balances take, in process and end to end.

In process (:mod:`.inprocess`, pure functions of ``actors.splits``): random bills split, folded
into a tally, planned, stored and replayed. End to end (:mod:`.phases`), on an embedded stack of
its own: members add group expenses concurrently, then the running balances, the balances at a
moment folded from the event log, and one member's balance explained are read
(:mod:`.balances`). The nets of the balances are checked to add up to exactly zero and to match
a local fold of the bills that were accepted; nothing is asserted.

Importing this package loads only the options; the run and the render load when they are used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from bus.settings import Settings
from deploy.bench.framework import Benchmark
from deploy.bench.groups.options import GroupsBenchOptions, settle

if TYPE_CHECKING:
    from deploy.bench.groups.results import GroupsResult


async def _run(settings: Settings, options: GroupsBenchOptions, out: TextIO) -> GroupsResult:
    from deploy.bench.groups.phases import run_groups

    return await run_groups(settings, options, out)


def _render(result: GroupsResult) -> str:
    from deploy.bench.groups.render import render

    return render(result)


GROUPS = Benchmark(
    name="groups",
    help="a big group's balances: computed in process, and expenses, balances, past balances "
    "and explain over HTTP",
    options=GroupsBenchOptions,
    run=_run,
    render=_render,
    smoke="10 members, 300 expenses",
    settle=settle,
)
