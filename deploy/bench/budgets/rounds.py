"""A round: the budgets consumers paused while the expenses are written, then resumed and timed
until every event is applied; then every budget checked against the expenses written."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from deploy.bench.budgets.api import APPLY_WAIT_S, REQUEST_TIMEOUT_S, STREAM_WAIT_S, get, money
from deploy.bench.budgets.plan import Owner, Planned, counts_in, matching
from deploy.bench.budgets.results import Check, RoundFigures
from deploy.bench.budgets.writes import write_expenses
from deploy.bench.consumers import Consumers
from deploy.bench.http import session
from deploy.bench.memory import ProcessSampler, cpu_with_bench
from deploy.bench.stats import rate


async def check_budgets(
    base_url: str, owners: list[Owner], written: list[Planned], budgets: int
) -> Check:
    """Every budget's status against the expenses written so far: counted and spent as they
    should be; and the alerts raised so far (thresholds crossed, and exceeded)."""
    limit = asyncio.Semaphore(8)
    matched, alerts = 0, 0
    first_mismatch: str | None = None

    async def one(index: int, owner: Owner) -> None:
        nonlocal matched, alerts, first_mismatch
        async with limit, session(base_url, owner.user.token, REQUEST_TIMEOUT_S) as http:
            for b, budget_id in enumerate(owner.budgets):
                mine = [e for e in written if e.user == index and counts_in(b, e)]
                want = (len(mine), money(sum(e.cents for e in mine)))
                status = await get(http, f"/v1/budgets/{budget_id}/status")
                got = (int(status["expenses_counted"]), str(status["spent"]))
                alerts += len(status["thresholds_crossed"]) + int(bool(status["exceeded"]))
                if got == want:
                    matched += 1
                elif first_mismatch is None:
                    first_mismatch = f"budget {budget_id}: counted/spent {got}, expected {want}"

    await asyncio.gather(*(one(i, o) for i, o in enumerate(owners)))
    return Check(len(owners) * budgets, matched, alerts, first_mismatch)


@dataclass(frozen=True)
class Round:
    """Where a round runs and what it writes."""

    base_url: str
    owners: list[Owner]
    consumers: Consumers
    sampler: ProcessSampler
    day: date
    budgets: int
    say: Callable[[str], None]


async def apply_round(
    r: Round,
    plan: list[Planned],
    *,
    processes: int,
    first: int,
    written: list[Planned],
    alerts_before: int,
) -> RoundFigures:
    """Pause the consumers, write ``plan``, wait until its events wait in the consumers, resume
    them and time until every one is applied; then check every budget (``written`` grows by
    the expenses created; ``alerts_before`` is what the check before this round found)."""
    consumers, sampler = r.consumers, r.sampler
    await consumers.wait(lambda b: b.left == 0, APPLY_WAIT_S, "consumers idle before a round")
    await consumers.pause()
    r.say(f"{len(r.owners)} users writing {len(plan):,} expenses while the budgets consumers pause")
    run = await write_expenses(r.base_url, r.owners, plan, r.day, first)
    created = len(run.created)
    t0 = time.perf_counter()
    backlog = await consumers.wait(
        lambda b: b.pending >= created, STREAM_WAIT_S, "events of the expenses written"
    )
    stream_wait_s = time.perf_counter() - t0

    r.say(f"resuming: {backlog.pending:,} expense events for {processes} budgets process(es)")
    sampler.under_load = True
    began_at = time.time()
    sampler.sample()
    own_cpu = time.process_time()
    started = time.perf_counter()
    await consumers.resume()
    await consumers.wait(lambda b: b.left == 0, APPLY_WAIT_S, "applying the expense events")
    elapsed = time.perf_counter() - started
    own_cpu = time.process_time() - own_cpu
    sampler.sample()
    ended_at = time.time()
    sampler.under_load = False

    written.extend(run.created)
    updates = sum(matching(e, r.budgets) for e in run.created)
    r.say(f"checking {len(r.owners) * r.budgets} budgets against the expenses written")
    check = await check_budgets(r.base_url, r.owners, written, r.budgets)
    return RoundFigures(
        processes=processes,
        writes=run.figures(),
        stream_wait_s=round(stream_wait_s, 3),
        events=backlog.pending,
        events_expected=created,
        duration_s=round(elapsed, 3),
        events_per_s=rate(backlog.pending, elapsed),
        budget_updates=updates,
        budget_updates_per_s=rate(updates, elapsed),
        check=check,
        cpu_percent=cpu_with_bench(sampler.cpu_percent(began_at, ended_at), own_cpu, elapsed),
        alerts_raised=check.alerts_so_far - alerts_before,
    )
