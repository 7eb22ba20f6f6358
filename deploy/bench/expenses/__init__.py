"""``ledgerbus bench expenses``: expense creation through the bus (closed loop, fixed rate, hot
scope, Socket.IO delivery), memory and CPU of every process, and raw-database and naive-REST
baselines, on an embedded stack of its own (:mod:`.runner`; the load generator and the
raw-database baseline are ``deploy.bench.loadgen`` and ``deploy.bench.rawdb``, each run as its
own process).

Importing this package loads only the options; the run and the render load when they are used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from bus.settings import Settings
from deploy.bench.expenses.options import BenchOptions, log_file, settle
from deploy.bench.framework import Benchmark

if TYPE_CHECKING:
    from deploy.bench.expenses.results import ExpensesResult


async def _run(settings: Settings, options: BenchOptions, out: TextIO) -> ExpensesResult:
    from deploy.bench.expenses.runner import Run

    return await Run(settings, options, out).execute()


def _render(result: ExpensesResult) -> str:
    from deploy.bench.expenses.render import render

    return render(result)


EXPENSES = Benchmark(
    name="expenses",
    help="expense creation: closed loop, fixed rate, hot scope, Socket.IO delivery, memory, and "
    "raw-database and naive-REST baselines",
    options=BenchOptions,
    run=_run,
    render=_render,
    smoke="3 s phases, 8 clients",
    settle=settle,
    log_file=log_file,
    title="bench",
)
