"""The phases of the fraud benchmark: a history written first, expenses at a fixed rate (each
one's delay from its event to its risk record), and what is measured of the profiles and scores."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from bson import CodecOptions
from bson.raw_bson import RawBSONDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from deploy.bench.command_consumer import CommandConsumer
from deploy.bench.consumers import Consumers
from deploy.bench.fraud_names import (
    FLAGS,
    PROFILES,
    RISKS,
    SLOWEST_SHOWN,
    STALL_S,
    TARGET_P95_MS,
)
from deploy.bench.fraud_plan import Planned, Planner
from deploy.bench.fraud_watch import Commits, CreatedEvents
from deploy.bench.fraud_writes import Owner, Writes, write_at_rate, write_flat_out
from deploy.bench.memory import (
    CpuWindow,
    ProcessSampler,
)
from deploy.bench.stats import latency_summary

# --- the phases --------------------------------------------------------------------------------


@dataclass
class Run:
    """What every phase uses: the users, the plan, what this process sees, and the stack."""

    owners: list[Owner]
    planner: Planner
    events: CreatedEvents
    commits: Commits
    consumers: Consumers
    commands: CommandConsumer  # the expenses actor's
    sampler: ProcessSampler
    db: AsyncDatabase[dict[str, Any]]
    say: Callable[[str], None]
    threshold: int
    fraud_pids: Callable[[], dict[str, int]]
    phase_start: float = 0.0  # time.perf_counter when the phase being timed began

    def plan(self, count: int) -> list[Planned]:
        planned = self.planner.round_robin(count, len(self.owners))
        self.commits.expect([p.id for p in planned])
        return planned

    async def created(self, writes: Writes) -> list[str]:
        """The accepted expenses whose event was seen on NATS (waiting for the late ones)."""
        return await self.created_after(writes.accepted)

    async def created_after(self, accepted: Sequence[str]) -> list[str]:
        """Those of ``accepted`` whose event was seen on NATS (waiting for the late ones)."""
        await self.events.settle(accepted, STALL_S)
        return [k for k in accepted if k in self.events.at]


async def history(run: Run, each: int) -> dict[str, Any]:
    """Every user writes ``each`` expenses, all users at once, and they are scored: the
    profiles every later expense is scored against."""
    plan = run.plan(each * len(run.owners))
    run.say(f"{len(run.owners)} users writing {each} expenses each of history")
    started = time.perf_counter()
    writes = await write_flat_out(run.owners, plan)
    created = await run.created(writes)
    unscored = await run.commits.settle(created, STALL_S)
    return {
        "expenses": len(plan),
        "created": len(created),
        "scored": len(created) - len(unscored),
        "seconds": round(time.perf_counter() - started, 3),
        "writes": writes.figures(),
    }


def stages(keys: Sequence[str], run: Run, writes: Writes) -> dict[str, Any]:
    """Each expense's delay split by wall clock: the POST sent, the expense applied by the
    expenses actor (its event's ``occurred_at``), the event seen here on NATS, the fraud actor
    starting to score it (its record's ``scored_at``), and the commit seen here."""
    ev, co = run.events, run.commits

    def spans(start: Callable[[str], float | None], end: Callable[[str], float | None]) -> Any:
        pairs = [(start(k), end(k)) for k in keys]
        return latency_summary(e - s for s, e in pairs if s is not None and e is not None)

    return {
        "post_to_applied_ms": spans(writes.sent_wall.get, ev.occurred.get),
        "applied_to_event_ms": spans(ev.occurred.get, ev.wall.get),
        "event_to_scoring_ms": spans(ev.wall.get, co.scored.get),
        "scoring_to_commit_ms": spans(co.scored.get, co.wall.get),
    }


def slowest(keys: Sequence[str], run: Run) -> list[dict[str, Any]]:
    """The expenses slowest from event to commit, each with its stages (ms)."""
    ev, co = run.events, run.commits
    ranked = sorted(keys, key=lambda k: co.at[k] - ev.at[k], reverse=True)[:SLOWEST_SHOWN]

    def ms(seconds: float | None) -> float | None:
        return round(seconds * 1000.0, 1) if seconds is not None else None

    out = []
    for k in ranked:
        scored = co.scored.get(k)
        out.append(
            {
                "expense_id": k,
                "event_to_commit_ms": ms(co.at[k] - ev.at[k]),
                "event_to_scoring_ms": ms(scored - ev.wall[k] if scored else None),
                "scoring_to_commit_ms": ms(co.wall[k] - scored if scored else None),
                "event_seen_s": round(ev.at[k] - run.phase_start, 3),
                "score": co.scores.get(k),
                "signals": co.signals.get(k, []),
            }
        )
    return out


def target(delay: dict[str, float] | None, missing: int) -> dict[str, Any]:
    """The issue's target, judged on the expenses scored: met only when none was missing."""
    p95 = delay["p95"] if delay else None
    met = p95 is not None and p95 < TARGET_P95_MS and missing == 0
    return {"p95_ms_under": TARGET_P95_MS, "p95_ms": p95, "met": met}


async def steady(run: Run, per_second: float, duration_s: float) -> dict[str, Any]:
    """Expenses arriving at ``per_second`` for ``duration_s``: each one's delay from its event
    on NATS to its risk record's commit, and the fraud process's memory meanwhile."""
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
    co, ev = run.commits, run.events
    scored = [k for k in created if k in co.at]
    delay = latency_summary(co.at[k] - ev.at[k] for k in scored)
    flagged = [k for k in scored if co.scores.get(k, 0) >= run.threshold]
    due = {s.command_id: s.start for s in writes.samples}
    return {
        "rate": per_second,
        "duration_s": duration_s,
        "late_sends": late,
        "writes": writes.figures(),
        "created": len(created),
        "scored": len(scored),
        "missing": len(missing),
        "event_to_commit_ms": delay,
        "flagged": len(flagged),
        "flagged_ms": latency_summary(co.at[k] - ev.at[k] for k in flagged),
        "not_flagged_ms": latency_summary(
            co.at[k] - ev.at[k] for k in scored if co.scores.get(k, 0) < run.threshold
        ),
        "records_scored_again": co.changes["replace"] + co.changes["update"] - rescored_before,
        "post_to_commit_ms": latency_summary(co.at[k] - due[k] for k in scored),
        "stages": stages(scored, run, writes),
        "slowest": slowest(scored, run),
        "target": target(delay, len(missing)),
        "cpu_percent": cpu,
    }


async def largest_profile(db: AsyncDatabase[dict[str, Any]]) -> dict[str, Any]:
    """The largest ``fraud_profiles`` document, in bytes of BSON, and what it holds."""
    raw = cast(
        "AsyncCollection[RawBSONDocument]",
        db.get_collection(PROFILES, codec_options=CodecOptions(document_class=RawBSONDocument)),
    )
    largest, entries, count = 0, 0, 0
    async for doc in raw.find({}):
        count += 1
        if len(doc.raw) > largest:
            largest, entries = len(doc.raw), len(doc["data"]["entries"])
    return {"profiles": count, "largest_bytes": largest, "its_recent_expenses": entries}


async def scoring_summary(db: AsyncDatabase[dict[str, Any]], threshold: int) -> dict[str, Any]:
    """What the scorer found over the whole run: signals fired, scores at the threshold, flags."""
    signals: Counter[str] = Counter()
    records = flagged = 0
    async for doc in db[RISKS].find({}, {"score": 1, "signals.name": 1}):
        records += 1
        flagged += int(doc.get("score", 0) >= threshold)
        signals.update(str(s.get("name")) for s in doc.get("signals") or [])
    return {
        "risk_records": records,
        "at_or_over_threshold": flagged,
        "threshold": threshold,
        "flags": await db[FLAGS].count_documents({}),
        "signals": dict(signals.most_common()),
    }
