"""``ledgerbus bench drain``: how fast one actor drains a backlog with 1, 2 and 3 processes of
it, on an embedded stack of its own (:mod:`.runner`).

The stack is NATS, SecantusDB, the edge and the accounts actor; the expenses actor runs only as
the rounds' own processes. Users sign up; one expenses process makes the actor's consumers and
is stopped again, its command consumer left paused. Then, for each process count P
(``--processes``), a round (:mod:`.rounds`):

1. A fresh backlog of N ``expense.create`` commands (``--backlog``) is published straight to
   JetStream as the edge publishes them, each with its ``Nats-Msg-Id``, while no expenses
   process runs (:mod:`.backlog`).
2. P expenses processes start; once each has a pull request waiting on the paused consumer,
   the consumer is resumed and its lag (pending plus unacknowledged) read every 0.5 s until 0
   (:mod:`.lag`). CPU and peak memory of each process are sampled meanwhile.
3. The processes are stopped, and the processed-command records of the round's command ids
   are counted (:mod:`.records`): exactly N, all accepted, and no dead letter added, or the run
   fails after printing its figures.

The drain rate is N over the time from the resume to the last record's ``processed_at``;
speed-up is over the 1-process round. Speed is reported, never judged. Importing this package
loads only the options; the run and the render load when they are used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from bus.settings import Settings
from deploy.bench.drain.options import DrainBenchOptions, settle
from deploy.bench.framework import Benchmark

if TYPE_CHECKING:
    from deploy.bench.drain.results import DrainResult


async def _run(settings: Settings, options: DrainBenchOptions, out: TextIO) -> DrainResult:
    from deploy.bench.drain.runner import run_drain

    return await run_drain(settings, options, out)


def _render(result: DrainResult) -> str:
    from deploy.bench.drain.render import render

    return render(result)


DRAIN = Benchmark(
    name="drain",
    help="how fast the expenses actor drains a backlog of commands with 1, 2 and 3 processes",
    options=DrainBenchOptions,
    run=_run,
    render=_render,
    smoke="a backlog of 1,000 commands, 1 and 2 processes, 4 users",
    settle=settle,
)
