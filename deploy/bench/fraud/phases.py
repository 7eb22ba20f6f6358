"""The timed phases of the fraud benchmark before its rounds: a history written first, then
expenses at a fixed rate, each one's delay from its event to its risk record."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from deploy.bench.fraud.names import SLOWEST_SHOWN, STALL_S, TARGET_P95_MS
from deploy.bench.fraud.results import (
    HistoryFigures,
    Latency,
    Slow,
    Stages,
    SteadyFigures,
    Target,
)
from deploy.bench.fraud.run import Run
from deploy.bench.fraud.writes import Writes, write_at_rate, write_flat_out
from deploy.bench.memory import CpuWindow
from deploy.bench.stats import latency_summary


async def history(run: Run, each: int) -> HistoryFigures:
    """Every user writes ``each`` expenses, all users at once, and they are scored: the
    profiles every later expense is scored against."""
    plan = run.plan(each * len(run.owners))
    run.say(f"{len(run.owners)} users writing {each} expenses each of history")
    started = time.perf_counter()
    writes = await write_flat_out(run.owners, plan)
    created = await run.created(writes)
    unscored = await run.commits.settle(created, STALL_S)
    return HistoryFigures(
        expenses=len(plan),
        created=len(created),
        scored=len(created) - len(unscored),
        seconds=round(time.perf_counter() - started, 3),
        writes=writes.figures(),
    )


def stages(keys: Sequence[str], run: Run, writes: Writes) -> Stages:
    """Each expense's delay split by wall clock: the POST sent, the expense applied by the
    expenses actor (its event's ``occurred_at``), the event seen here on NATS, the fraud actor
    starting to score it (its record's ``scored_at``), and the commit seen here."""
    ev, co = run.events, run.commits

    def spans(start: Callable[[str], float | None], end: Callable[[str], float | None]) -> Latency:
        pairs = [(start(k), end(k)) for k in keys]
        return latency_summary(e - s for s, e in pairs if s is not None and e is not None)

    return Stages(
        post_to_applied_ms=spans(writes.sent_wall.get, ev.occurred.get),
        applied_to_event_ms=spans(ev.occurred.get, ev.wall.get),
        event_to_scoring_ms=spans(ev.wall.get, co.scored.get),
        scoring_to_commit_ms=spans(co.scored.get, co.wall.get),
    )


def _ms(seconds: float | None) -> float | None:
    return round(seconds * 1000.0, 1) if seconds is not None else None


def slowest(keys: Sequence[str], run: Run) -> list[Slow]:
    """The expenses slowest from event to commit, each with its stages (ms)."""
    ev, co = run.events, run.commits
    ranked = sorted(keys, key=lambda k: co.at[k] - ev.at[k], reverse=True)[:SLOWEST_SHOWN]
    out = []
    for k in ranked:
        scored = co.scored.get(k)
        out.append(
            Slow(
                expense_id=k,
                event_to_commit_ms=_ms(co.at[k] - ev.at[k]),
                event_to_scoring_ms=_ms(scored - ev.wall[k] if scored else None),
                scoring_to_commit_ms=_ms(co.wall[k] - scored if scored else None),
                event_seen_s=round(ev.at[k] - run.phase_start, 3),
                score=co.scores.get(k),
                signals=co.signals.get(k, []),
            )
        )
    return out


def target(delay: Latency, missing: int) -> Target:
    """The issue's target, judged on the expenses scored: met only when none was missing."""
    p95 = delay["p95"] if delay else None
    met = p95 is not None and p95 < TARGET_P95_MS and missing == 0
    return Target(p95_ms_under=TARGET_P95_MS, p95_ms=p95, met=met)


def _event_to_commit(run: Run, keys: Iterable[str]) -> Latency:
    return latency_summary(run.commits.at[k] - run.events.at[k] for k in keys)


@dataclass(frozen=True)
class Arrived:
    """Expenses that arrived at a fixed rate, as they were seen: the writes and the sends
    late, the expenses created and those never scored, the CPU use, and the records scored
    again before."""

    rate: float
    duration_s: float
    writes: Writes
    late_sends: int
    created: list[str]
    missing: list[str]
    cpu_percent: dict[str, float]
    rescored_before: int


async def arrive(run: Run, per_second: float, duration_s: float) -> Arrived:
    """Expenses sent at ``per_second`` for ``duration_s``, until each one's event and risk
    record were seen (or stalled), the CPU use taken meanwhile."""
    plan = run.plan(max(1, round(per_second * duration_s)))
    run.say(f"{len(plan)} expenses at {per_second:g}/s over {len(run.owners)} users")
    run.sampler.under_load = True
    window = CpuWindow(run.sampler)
    rescored_before = run.commits.changes["replace"] + run.commits.changes["update"]
    run.phase_start = time.perf_counter()
    writes, late = await write_at_rate(run.owners, plan, per_second)
    created = await run.created(writes)
    missing = await run.commits.settle(created, STALL_S)
    cpu = window.close()
    run.sampler.under_load = False
    return Arrived(per_second, duration_s, writes, late, created, missing, cpu, rescored_before)


async def steady(run: Run, per_second: float, duration_s: float) -> SteadyFigures:
    """Expenses arriving at ``per_second`` for ``duration_s``: each one's delay from its event
    on NATS to its risk record's commit, flagged and not, in stages, and the slowest."""
    a = await arrive(run, per_second, duration_s)
    co = run.commits
    scored = [k for k in a.created if k in co.at]
    delay = _event_to_commit(run, scored)
    flagged = [k for k in scored if co.scores.get(k, 0) >= run.threshold]
    due = {s.command_id: s.start for s in a.writes.samples}
    return SteadyFigures(
        rate=a.rate,
        duration_s=a.duration_s,
        late_sends=a.late_sends,
        writes=a.writes.figures(),
        created=len(a.created),
        scored=len(scored),
        missing=len(a.missing),
        event_to_commit_ms=delay,
        flagged=len(flagged),
        flagged_ms=_event_to_commit(run, flagged),
        not_flagged_ms=_event_to_commit(
            run, (k for k in scored if co.scores.get(k, 0) < run.threshold)
        ),
        records_scored_again=co.changes["replace"] + co.changes["update"] - a.rescored_before,
        post_to_commit_ms=latency_summary(co.at[k] - due[k] for k in scored),
        stages=stages(scored, run, a.writes),
        slowest=slowest(scored, run),
        target=target(delay, len(a.missing)),
        cpu_percent=a.cpu_percent,
    )
