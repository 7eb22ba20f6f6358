"""``ledgerbus bench money``: conversions per second through the in-process money functions, and
requests per second of the rates and convert endpoints on an embedded stack of its own
(:mod:`.inprocess`, :mod:`.endpoints`). It prints its figures; it has neither ``--quick`` nor
``--json``.

Importing this package loads only the options; the run and the render load when they are used.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, TextIO

from bus.settings import Settings
from deploy.bench.framework import Benchmark
from deploy.bench.money.options import MoneyBenchOptions

if TYPE_CHECKING:
    from deploy.bench.money.results import MoneyResult


async def run_money(settings: Settings, o: MoneyBenchOptions, out: TextIO) -> MoneyResult:
    """Every figure of one run."""
    from deploy.bench.money.endpoints import over_http
    from deploy.bench.money.inprocess import in_process
    from deploy.bench.money.results import MoneyResult
    from deploy.bench.progress import progress

    say = progress(out)
    say(f"in process: {o.conversions:,} conversions of each kind")
    local = await asyncio.to_thread(in_process, o)
    return MoneyResult(local, await over_http(settings, o, say) if o.http else None)


def _render(result: MoneyResult) -> str:
    from deploy.bench.money.render import render

    return render(result)


MONEY = Benchmark(
    name="money",
    help="conversions per second in process, and the rates/convert endpoints over HTTP",
    options=MoneyBenchOptions,
    run=run_money,
    render=_render,
    smoke=None,
)
