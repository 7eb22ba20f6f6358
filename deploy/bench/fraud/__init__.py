"""``ledgerbus bench fraud``: how soon an expense's risk record is committed after its event, how
many expense events the fraud actor scores a second, and how much memory it takes, on an
embedded stack of its own (:mod:`.runner`).

The stack is NATS, SecantusDB, the edge, and the accounts, expenses and fraud actors, each its
own process. Users sign up and each writes a history of expenses first (varied amounts,
merchants, categories and purchase times, a few duplicates, outliers, round amounts and night
purchases among them: :mod:`.plan`), so that every expense timed afterwards is scored against a
real profile. This process watches two things (:mod:`.watch`): every ``expense.created`` event
on NATS (a core subscription to ``evt.user.*.expense.created``, timestamped as it arrives) and
every risk record committed to ``fraud_risks`` (a MongoDB change stream, timestamped as each
insert or replace arrives; if the server refuses change streams, polling for the awaited ids
every 5 ms instead, and the output says which). Then:

1. The delay from an expense event to its risk record (:mod:`.phases`): expenses arrive at a
   fixed rate (10 a second for 30 s by default, round robin over the users, sent on schedule
   whatever the answers), and each one's delay is from its event on NATS to its risk record's
   commit. The target is a p95 under 100 ms. Each delay is also split in stages by wall clock:
   the event on NATS, the fraud actor starting to score it (the record's ``scored_at``), the
   commit seen.
2. Expenses applied per second beside expense events scored per second, for the same backlog
   (:mod:`.backlog`). The expenses actor's command consumer and the fraud actor's event
   consumers are paused (JetStream consumer pauses) while the users write a backlog of
   expenses over HTTP; the command consumer is resumed and the time to the last
   ``expense.created`` event is the expenses actor's; then the fraud consumers are resumed and
   the time to the last risk record committed is the fraud actor's; their ratio says whether
   scoring keeps up. Then the count of the backlog's risk records is checked against the
   expenses created, and the dead letters against none. The same with a second fraud process
   on the same consumers, and once more with the first alone (so that a difference between one
   and two is not just the order of the rounds).
3. The fraud process's memory (RSS) while scoring at the fixed rate, and its peak; the largest
   ``fraud_profiles`` document after each phase (a person's profile is bounded by design).

Nothing is asserted: figures are printed (and written as JSON), speed is never judged; the one
target the issue sets is shown met or missed. Importing this package loads only the options;
the run and the render load when they are used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from bus.settings import Settings
from deploy.bench.framework import Benchmark
from deploy.bench.fraud.options import FraudBenchOptions, settle

if TYPE_CHECKING:
    from deploy.bench.fraud.results import FraudResult


async def _run(settings: Settings, options: FraudBenchOptions, out: TextIO) -> FraudResult:
    from deploy.bench.fraud.runner import run_fraud

    return await run_fraud(settings, options, out)


def _render(result: FraudResult) -> str:
    from deploy.bench.fraud.render import render

    return render(result)


FRAUD = Benchmark(
    name="fraud",
    help="the delay from an expense event to its risk record at a fixed rate, expense events "
    "scored per second by one and two fraud processes, and the fraud actor's memory",
    options=FraudBenchOptions,
    run=_run,
    render=_render,
    smoke="4 users, 5 expenses a second for 4 s, a backlog of 100",
    settle=settle,
)
