"""``ledgerbus bench budgets``: how fast the budgets actor keeps budgets current, and how soon a
budget alert reaches its owner's device, on an embedded stack of its own.

The stack is NATS, SecantusDB, the edge (HTTP and Socket.IO on one port), and the accounts,
expenses and budgets actors, each its own process. Users sign up and each makes a few monthly
budgets: one counting all their spending, the others one default category each. Then:

1. Expense events applied to budgets per second (:mod:`.rounds`). The budgets actor's durable
   consumers of expense events are paused (a JetStream consumer pause) while the users write
   their expenses over HTTP; once every event is waiting in those consumers they are resumed,
   and the time until nothing is pending or unacknowledged is the time the actor took to apply
   them (it acknowledges an event only once its effect is committed). The same again, with fresh
   expenses, with a second budgets process on the same consumers; then once more with the first
   process alone, so that a difference between one and two processes is not just the order of
   the rounds. After each round every budget's status is checked against the expenses written.
2. The delay from an expense command to the budget alert on a device (:mod:`.alerts`).
3. Peak memory (RSS) of every process, the budgets actor's included, and CPU use while applying.

Nothing is asserted: figures are printed (and written as JSON), speed is never judged. Importing
this package loads only the options; the run and the render load when they are used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from bus.settings import Settings
from deploy.bench.budgets.options import BudgetsBenchOptions, settle
from deploy.bench.framework import Benchmark

if TYPE_CHECKING:
    from deploy.bench.budgets.results import BudgetsResult


async def _run(settings: Settings, options: BudgetsBenchOptions, out: TextIO) -> BudgetsResult:
    from deploy.bench.budgets.phases import run_budgets

    return await run_budgets(settings, options, out)


def _render(result: BudgetsResult) -> str:
    from deploy.bench.budgets.render import render

    return render(result)


BUDGETS = Benchmark(
    name="budgets",
    help="expense events applied to budgets per second, and the delay from an expense to the "
    "budget alert on a device",
    options=BudgetsBenchOptions,
    run=_run,
    render=_render,
    smoke="4 users, 120 expenses, 12 samples",
    settle=settle,
)
