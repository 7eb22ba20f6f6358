"""The "raw database" baseline: ``python -m deploy.bench.rawdb PLAN RESULT`` (settings from env).

Its own process, because Beanie binds the document classes to one client per process: it
connects once, then ``len(owners)`` asyncio tasks each write one user's expenses in a closed
loop, one transaction per command, with no HTTP and no bus in between.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

import uvloop

from bus.expense_commands import CreateExpense
from bus.settings import Settings
from deploy.bench.expenses.plans import RawPlan
from deploy.bench.expenses.results import RunWindow
from deploy.bench.figures import plain
from deploy.bench.loadgen import expense_body
from deploy.bench.stats import Sample, in_window, window
from deploy.bench.writes import write_expense
from storage.database import connect


async def run_plan(settings: Settings, plan: RawPlan) -> RunWindow:
    """Write in a closed loop per owner; summarise the measured window."""
    owners = plan.owners
    warmup, duration = float(plan.warmup_s), float(plan.duration_s)
    payloads = [CreateExpense.model_validate_json(expense_body(i)) for i in range(len(owners))]
    database = await connect(settings)
    samples: list[Sample] = []

    async def loop(owner: str, payload: CreateExpense, stop_at: float) -> None:
        while (start := time.perf_counter()) < stop_at:
            try:
                written = await write_expense(database, owner, payload)
                status, command_id = 201, written.command_id
            except Exception:
                status, command_id = 500, None
            samples.append(Sample(start, time.perf_counter(), status, command_id))

    epoch_offset = time.time() - time.perf_counter()
    begin = time.perf_counter()
    measure_from, stop_at = begin + warmup, begin + warmup + duration
    try:
        await asyncio.gather(*(loop(o, p, stop_at) for o, p in zip(owners, payloads, strict=True)))
    finally:
        await database.close()
    measured = window(in_window(samples, measure_from, stop_at), duration)
    return RunWindow(
        **vars(measured),
        mode="closed",
        clients=len(owners),
        users=len(set(owners)),
        warmup_s=warmup,
        duration_s=duration,
        window_epoch=[measure_from + epoch_offset, stop_at + epoch_offset],
    )


def main(argv: list[str]) -> int:
    plan_path, result_path = Path(argv[0]), Path(argv[1])
    plan = RawPlan(**json.loads(plan_path.read_text()))
    result = uvloop.run(run_plan(Settings(), plan))
    result_path.write_text(json.dumps(plain(result)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
