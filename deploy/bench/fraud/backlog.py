"""One round of the fraud benchmark: a backlog of expenses applied by the expenses actor, then
the same backlog's events scored by the fraud actor, each timed on its own, and the ratio.

The expenses actor's command consumer and the fraud actor's event consumers are paused while
the users write ``count`` expenses over HTTP (each answered 202 once its command is on the
bus). The command consumer is resumed first: the time from then to the last ``expense.created``
event seen on NATS here is the time the expenses actor took to apply the backlog (the fraud
consumers still paused, so it has the machine to itself, as the fraud actor has next). Once
every event waits in the fraud consumers, they are resumed: the time to the last risk record
of the round committed is the time the fraud actor took. The ratio scoring / applying says
whether scoring keeps up with what the expenses actor can write (1 or more: it does).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from deploy.bench.fraud.names import APPLY_WAIT_S, DEAD_LETTERS, RISKS, STALL_S
from deploy.bench.fraud.results import Applying, RoundCheck, RoundFigures, WriteFigures
from deploy.bench.fraud.run import Run
from deploy.bench.fraud.writes import write_flat_out
from deploy.bench.memory import CpuWindow, ProcessSampler
from deploy.bench.stats import rate, ratio


async def check_round(run: Run, keys: Sequence[str]) -> RoundCheck:
    """The round's risk records scored at least once, all risk records, and dead letters."""
    ids = [f"expense:{k}" for k in keys]
    query = {"_id": {"$in": ids}, "expense_version": {"$gte": 1}}
    return RoundCheck(
        risk_records=await run.db[RISKS].count_documents(query),
        risk_records_in_all=await run.db[RISKS].count_documents({}),
        dead_letters=await run.db[DEAD_LETTERS].count_documents({}),
    )


async def applying(run: Run, accepted: Sequence[str]) -> tuple[list[str], Applying]:
    """Resume the expenses actor's command consumer and time it applying the backlog: the
    expenses whose event was seen, and the figures."""
    waiting = await run.commands.wait_pending(len(accepted), STALL_S)
    run.say(f"resuming: {waiting:,} expense commands for the expenses actor")
    window = CpuWindow(run.sampler)
    started = time.perf_counter()
    await run.commands.resume()
    created = await run.created_after(accepted)
    cpu = window.close()
    seen = [run.events.at[k] for k in created]
    elapsed = (max(seen) - started) if seen else 0.0
    return created, Applying(
        commands_waiting=waiting,
        applied=len(created),
        duration_s=round(elapsed, 3),
        expenses_per_s=rate(len(created), elapsed),
        cpu_percent=cpu,
    )


@dataclass(frozen=True)
class Backlog:
    """A round's backlog, written while the consumers paused and applied by the expenses
    actor: the writes, the expenses created, how long their events took to wait in the fraud
    consumers, and how many waited."""

    writes: WriteFigures
    applying: Applying
    created: list[str]
    stream_wait_s: float
    events_waiting: int


async def written(run: Run, count: int) -> Backlog:
    """``count`` expenses written while both actors' consumers pause, then applied by the
    expenses actor alone, until their events wait in the (still paused) fraud consumers."""
    c = run.consumers
    await c.wait(lambda b: b.left == 0, APPLY_WAIT_S, "consumers idle before a round")
    await c.pause()
    await run.commands.pause()
    plan = run.plan(count)
    run.say(f"{len(run.owners)} users writing {count:,} expenses while the consumers pause")
    try:
        writes = await write_flat_out(run.owners, plan, respond_async=True)
        created, applied = await applying(run, writes.accepted)
    finally:
        await run.commands.resume()
    t0 = time.perf_counter()
    backlog = await c.wait(lambda b: b.pending >= len(created), STALL_S, "events to score")
    return Backlog(writes.figures(), applied, created, time.perf_counter() - t0, backlog.pending)


@dataclass(frozen=True)
class Scored:
    """A backlog scored: when each record was seen committed, the expenses never scored, how
    long from the resume to the last commit, the fraud processes' peak memory and the CPU use."""

    seen: list[float]
    missing: list[str]
    duration_s: float
    fraud_peak_rss_mb: dict[str, float]
    cpu_percent: dict[str, float]


async def scored(run: Run, created: Sequence[str], processes: int, waiting: int) -> Scored:
    """Resume the fraud consumers and time scoring the backlog, until every record was seen
    (or stalled) and the consumers have nothing left."""
    run.say(f"resuming: {waiting:,} expense events for {processes} fraud process(es)")
    window = CpuWindow(run.sampler)
    rss = ProcessSampler()  # the fraud processes alone, for this round's peak
    rss.add_source(run.fraud_pids)
    rss.start()
    started = run.phase_start = time.perf_counter()
    await run.consumers.resume()
    try:
        missing = await run.commits.settle(created, STALL_S)
        await run.consumers.wait(lambda b: b.left == 0, APPLY_WAIT_S, "scoring the expense events")
    finally:
        await rss.stop()
    rss.sample()
    cpu = window.close()
    seen = [run.commits.at[k] for k in created if k in run.commits.at]
    elapsed = (max(seen) - started) if seen else 0.0
    return Scored(seen, missing, elapsed, rss.peak_mb(), cpu)


async def scoring_round(run: Run, count: int, processes: int) -> RoundFigures:
    """See the module docstring: the backlog applied, then scored; then the round's risk
    records and the dead letters counted."""
    b = await written(run, count)
    s = await scored(run, b.created, processes, b.events_waiting)
    check = await check_round(run, b.created)
    events_per_s = rate(len(s.seen), s.duration_s)
    return RoundFigures(
        processes=processes,
        writes=b.writes,
        applying=b.applying,
        created=len(b.created),
        stream_wait_s=round(b.stream_wait_s, 3),
        events_waiting=b.events_waiting,
        scored=len(s.seen),
        missing=len(s.missing),
        duration_s=round(s.duration_s, 3),
        events_per_s=events_per_s,
        scoring_to_applying=ratio(events_per_s, b.applying.expenses_per_s),
        check=check,
        exact=check.risk_records == len(b.created) and check.dead_letters == 0,
        fraud_peak_rss_mb=s.fraud_peak_rss_mb,
        cpu_percent=s.cpu_percent,
    )
