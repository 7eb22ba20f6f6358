"""``ledgerbus bench fraud``: how soon an expense's risk record is committed after its event, how
many expense events the fraud actor scores a second, and how much memory it takes, on an
embedded stack of its own.

The stack is NATS, SecantusDB, the edge, and the accounts, expenses and fraud actors, each its
own process. Users sign up and each writes a history of expenses first (varied amounts,
merchants, categories and purchase times, a few duplicates, outliers, round amounts and night
purchases among them), so that every expense timed afterwards is scored against a real profile.
This process watches two things: every ``expense.created`` event on NATS (a core subscription to
``evt.user.*.expense.created``, timestamped as it arrives) and every risk record committed to
``fraud_risks`` (a MongoDB change stream, timestamped as each insert or replace arrives; if the
server refuses change streams, polling for the awaited ids every 5 ms instead, and the output
says which). Then:

1. The delay from an expense event to its risk record: expenses arrive at a fixed rate (10 a
   second for 30 s by default, round robin over the users, sent on schedule whatever the
   answers), and each one's delay is from its event on NATS to its risk record's commit. The
   target is a p95 under 100 ms. Each delay is also split in stages by wall clock: the event
   on NATS, the fraud actor starting to score it (the record's ``scored_at``), the commit seen.
2. Expense events scored per second. The fraud actor's durable consumers are paused (a
   JetStream consumer pause) while the users write a backlog of expenses over HTTP; once every
   event waits in them they are resumed, and the time until the last risk record of the backlog
   is committed is the time the actor took. Then the count of the backlog's risk records is
   checked against the expenses created, and the dead letters against none. The same with a
   second fraud process on the same consumers, and once more with the first alone (so that a
   difference between one and two is not just the order of the rounds).
3. The fraud process's memory (RSS) while scoring at the fixed rate, and its peak; the largest
   ``fraud_profiles`` document after each phase (a person's profile is bounded by design).

Nothing is asserted: figures are printed (and written as JSON), speed is never judged; the one
target the issue sets is shown met or missed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
import uuid
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from random import Random
from typing import Any, TextIO, cast
from zoneinfo import ZoneInfo

import aiohttp
import nats
from bson import CodecOptions
from bson.raw_bson import RawBSONDocument
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from actors.app import reaction_durable
from actors.fraud import FRAUD
from bus.settings import Settings
from deploy.bench.consumers import Consumers
from deploy.bench.flags import log_path_of, options_from_flags
from deploy.bench.http import JSON_HEADERS, RequestFailedError, call, session
from deploy.bench.memory import (
    BENCH,
    CpuWindow,
    ProcessSampler,
    own_peak_rss_mb,
)
from deploy.bench.report import progress, report_bench, run_header
from deploy.bench.stackrun import WRITE_LIMITS, sampled_stack
from deploy.bench.stats import Sample, latency_summary, rate, window_summary
from deploy.bench.table import (
    cpu_line,
    latency_columns,
    latency_line,
    machine_line,
    p50_p99,
    process_rows,
)
from deploy.bench.users import BenchUser, sign_up_many
from deploy.supervisor import Supervisor
from storage.documents import DeadLetter
from storage.fraud import FlagDoc, FraudProfileDoc, RiskDoc

ACTORS = ["accounts", "expenses", "fraud"]
"""Sign-up and sign-in (accounts), categories and expenses (expenses), scoring (fraud)."""

FRAUD_PROCESS = "actor:fraud"
SECOND = "actor:fraud#2"
"""The second fraud process, started for the second round on the same consumers."""

DURABLES = [reaction_durable(FRAUD.name, t) for t in FRAUD.reactions]
CREATED_SUBJECT = "evt.user.*.expense.created"
RISKS = RiskDoc.Settings.name
PROFILES = FraudProfileDoc.Settings.name
FLAGS = FlagDoc.Settings.name
DEAD_LETTERS = DeadLetter.Settings.name
TARGET_P95_MS = 100.0
"""The issue's target: p95 from an expense event to its committed risk record."""

CURRENCY = "EUR"
REQUEST_TIMEOUT_S = 120.0
CATEGORY_WAIT_S = 30.0
STALL_S = 60.0
"""How long a phase waits for its events or risk records while none of them arrives."""
POLL_S = 0.005
"""The fallback when change streams are refused: how often the awaited ids are looked up."""
SETTLE_S = 0.02
APPLY_WAIT_S = 1800.0
LATE_SEND_S = 0.010
SLOWEST_SHOWN = 5


@dataclass(frozen=True)
class FraudBenchOptions:
    """Every figure the benchmark can be told; defaults are the full run."""

    users: int = 20
    history: int = 30
    rate: float = 10.0
    duration_s: float = 30.0
    backlog: int = 2_000
    second_process: bool = True
    seed: int = 20261123
    stack_log_level: str = "WARNING"
    json_path: Path | None = None
    log_path: Path | None = None
    quick: bool = False

    def shrunk(self) -> FraudBenchOptions:
        """The ``--quick`` variant: 4 users with 8 expenses of history, 5 a second for 4 s,
        a backlog of 100."""
        return replace(self, users=4, history=8, rate=5.0, duration_s=4.0, backlog=100, quick=True)


# --- command line ------------------------------------------------------------------------------


def options_from(args: argparse.Namespace) -> FraudBenchOptions:
    """Options from parsed flags: ``--quick`` shrinks the defaults, given flags win."""
    o = options_from_flags(
        FraudBenchOptions(second_process=not args.one_process),
        args,
        "users",
        "history",
        "rate",
        "duration_s",
        "backlog",
    )
    return replace(
        o,
        users=max(1, o.users),
        history=max(0, o.history),
        rate=max(0.1, o.rate),
        duration_s=max(1.0, o.duration_s),
        backlog=max(1, o.backlog),
    )


def run_cli(args: argparse.Namespace, settings: Settings) -> int:
    """Run the benchmark from parsed flags; 0 when it completed (speed is never judged)."""
    return report_bench("fraud", options_from(args), run_fraud, render, settings)


# --- what people spend: a seeded plan ----------------------------------------------------------

SPENDING: dict[str, tuple[tuple[str, int], ...]] = {
    "Food & Drink": (
        ("Café de Flore", 900),
        ("Pret A Manger #14", 1150),
        ("Le Petit Bistro", 3200),
        ("Sushi Shop", 2400),
        ("Starbucks #1021", 650),
    ),
    "Groceries": (
        ("Carrefour Market", 4200),
        ("Monoprix", 2600),
        ("Lidl", 3100),
        ("Franprix 12", 1500),
    ),
    "Transport": (("RATP", 210), ("Uber", 1800), ("SNCF", 5400), ("TotalEnergies", 6000)),
    "Shopping": (("Fnac", 3500), ("Decathlon", 4800), ("Zara", 5900), ("Amazon", 2700)),
    "Entertainment": (("UGC Ciné Cité", 1250), ("Spotify", 1099), ("Fnac Spectacles", 4500)),
    "Health": (("Pharmacie Centrale", 1600), ("Doctolib", 2500)),
    "Utilities": (("EDF", 6500), ("Orange", 3999), ("Free Mobile", 1999)),
}
"""Spending categories (default ones of every user), each with merchants and a typical amount
in cents; amounts vary around it."""

HOUR_WEIGHTS = [0, 0, 0, 0, 0, 0, 1, 3, 6, 6, 5, 6, 10, 9, 5, 4, 5, 6, 8, 9, 7, 4, 2, 1]
"""How likely a purchase is in each local hour (a night one is made on purpose, rarely)."""
DUPLICATE_SHARE = 0.03  # the same purchase entered twice, the merchant spelled differently
OUTLIER_SHARE = 0.02  # 5 to 10 times the merchant's usual amount
ROUND_SHARE = 0.03  # a round amount (50.00, 100.00, ...)
NIGHT_SHARE = 0.01  # bought between 1 and 4 at night
DAYS_BACK = 20  # purchases happened 1 to this many days before they are entered


@dataclass(frozen=True)
class Planned:
    """One expense to write: its user, its id (made here, as a phone does offline) and fields;
    ``category`` is a name, replaced by the user's category id when it is sent."""

    user: int
    id: str
    category: str
    fields: dict[str, Any]


@dataclass
class Taste:
    """A user's habits: how often each category, and the merchants they go to."""

    weights: list[float]
    merchants: dict[str, list[tuple[str, int]]]
    last: Planned | None = None


class Planner:
    """Seeded expenses of every user, each new one drawn from the user's habits."""

    def __init__(self, seed: int, users: int, timezone: str) -> None:
        self._rng = Random(seed)
        self._zone = ZoneInfo(timezone)
        self._tastes = [self._taste() for _ in range(users)]

    def _taste(self) -> Taste:
        rng = self._rng
        weights = [rng.random() ** 2 + 0.05 for _ in SPENDING]
        merchants = {
            name: rng.sample(list(options), k=max(1, len(options) - rng.randint(0, 2)))
            for name, options in SPENDING.items()
        }
        return Taste(weights, merchants)

    def _occurred(self) -> datetime:
        rng = self._rng
        hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
        if rng.random() < NIGHT_SHARE:
            hour = rng.randint(1, 4)
        day = datetime.now(self._zone).date() - timedelta(days=rng.randint(1, DAYS_BACK))
        local = datetime(day.year, day.month, day.day, hour, rng.randint(0, 59), tzinfo=self._zone)
        return local.replace(second=rng.randint(0, 59))

    def _fresh(self, user: int, taste: Taste) -> Planned:
        rng = self._rng
        category = rng.choices(list(SPENDING), taste.weights)[0]
        merchant, typical = rng.choice(taste.merchants[category])
        cents = max(50, round(typical * rng.lognormvariate(0.0, 0.35)))
        if rng.random() < OUTLIER_SHARE:
            cents *= rng.randint(5, 10)
        elif rng.random() < ROUND_SHARE:
            cents = rng.choice((5_000, 10_000, 20_000))
        occurred = self._occurred()
        fields = {
            "amount": _money(cents),
            "currency": CURRENCY,
            "date": occurred.date().isoformat(),
            "occurred_at": occurred.isoformat(),
            "merchant": merchant,
            "description": merchant,
        }
        return Planned(user, str(uuid.uuid4()), category, fields)

    def _duplicate(self, user: int, of: Planned) -> Planned:
        """The same purchase entered again minutes apart, the merchant spelled as a card
        statement does."""
        occurred = datetime.fromisoformat(of.fields["occurred_at"])
        occurred += timedelta(minutes=self._rng.randint(2, 12))
        merchant = str(of.fields["merchant"]).upper().replace("'", "")
        fields = {**of.fields, "occurred_at": occurred.isoformat(), "merchant": merchant}
        fields["date"] = occurred.date().isoformat()
        return Planned(user, str(uuid.uuid4()), of.category, fields)

    def next(self, user: int) -> Planned:
        """The user's next expense: now and then their last one entered twice."""
        taste = self._tastes[user]
        if taste.last is not None and self._rng.random() < DUPLICATE_SHARE:
            planned = self._duplicate(user, taste.last)
        else:
            planned = self._fresh(user, taste)
        taste.last = planned
        return planned

    def round_robin(self, count: int, users: int) -> list[Planned]:
        """``count`` expenses dealt to the users in turn."""
        return [self.next(n % users) for n in range(count)]


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def body_of(planned: Planned, categories: dict[str, str]) -> bytes:
    """The request body: the planned fields with the user's category id."""
    fields = {"id": planned.id, **planned.fields, "category_id": categories[planned.category]}
    return json.dumps(fields).encode()


# --- this process's view: events on NATS, risk records committed -------------------------------


class Arrivals:
    """When each key first arrived here (``time.perf_counter``, and the wall clock)."""

    def __init__(self) -> None:
        self.at: dict[str, float] = {}
        self.wall: dict[str, float] = {}

    def note(self, key: str) -> bool:
        """Record ``key`` now; False if it had arrived before."""
        if key in self.at:
            return False
        self.wall[key] = time.time()
        self.at[key] = time.perf_counter()
        return True

    def missing(self, keys: Collection[str]) -> list[str]:
        return [k for k in keys if k not in self.at]

    async def settle(self, keys: Collection[str], stall_s: float) -> list[str]:
        """Wait until every key arrived, or none arrived for ``stall_s``; the missing ones."""
        left = self.missing(keys)
        progress_at, before = time.perf_counter(), len(left)
        while left and time.perf_counter() - progress_at < stall_s:
            await asyncio.sleep(SETTLE_S)
            left = [k for k in left if k not in self.at]
            if len(left) < before:
                progress_at, before = time.perf_counter(), len(left)
        return left


class CreatedEvents(Arrivals):
    """Every ``expense.created`` event on NATS (a core subscription), by expense id, with the
    time the expenses actor applied it (the event's ``occurred_at``)."""

    def __init__(self) -> None:
        super().__init__()
        self.occurred: dict[str, float] = {}
        self._sub: Any = None

    async def start(self, nc: Any) -> None:
        self._sub = await nc.subscribe(CREATED_SUBJECT, cb=self._on_event)

    async def _on_event(self, msg: Any) -> None:
        try:
            event = json.loads(msg.data)
            key = str(event["data"]["entity"]["id"])
        except (ValueError, KeyError, TypeError):
            return
        if self.note(key):
            self.occurred[key] = datetime.fromisoformat(event["occurred_at"]).timestamp()

    async def stop(self) -> None:
        if self._sub is not None:
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()


POLLED = {"scored_at": 1, "score": 1, "signals.name": 1}
CHANGE_PIPELINE: list[dict[str, Any]] = [
    {"$match": {"operationType": {"$in": ["insert", "replace", "update"]}}},
]


class Commits(Arrivals):
    """Risk records committed to ``fraud_risks``, by expense id (the record's ``_id`` is
    ``expense:<id>``), with the time the fraud actor started scoring (``scored_at``).

    A change stream on the collection when the server allows it; else the awaited ids are
    looked up every ``POLL_S`` (and ``method`` says so)."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        super().__init__()
        self._risks = db[RISKS]
        self.scored: dict[str, float] = {}
        self.scores: dict[str, int] = {}
        self.signals: dict[str, list[str]] = {}
        self.changes: Counter[str] = Counter()  # by operation: a replace is a record scored again
        self.method = "change stream"
        self.fallback_reason: str | None = None
        self._awaited: set[str] = set()
        self._task: asyncio.Task[None] | None = None

    def expect(self, keys: Collection[str]) -> None:
        """Expense ids whose records will come (only polling needs to know)."""
        self._awaited.update(keys)

    def _noted(self, doc: Mapping[str, Any], operation: str) -> None:
        self.changes[operation] += 1
        kind, _, key = str(doc.get("_id")).partition(":")
        if kind != "expense" or not self.note(key):
            return
        scored_at = doc.get("scored_at")
        if isinstance(scored_at, datetime):
            self.scored[key] = scored_at.replace(tzinfo=scored_at.tzinfo or UTC).timestamp()
        self.scores[key] = int(doc.get("score") or 0)
        self.signals[key] = [str(x.get("name")) for x in doc.get("signals") or []]

    async def start(self) -> None:
        try:
            stream = await self._risks.watch(CHANGE_PIPELINE, max_await_time_ms=1000)
        except PyMongoError as exc:
            self._fall_back(exc)
            return
        self._task = asyncio.create_task(self._follow(stream), name="bench-risk-commits")

    def _fall_back(self, exc: BaseException) -> None:
        self.method = f"polling every {POLL_S * 1000:g} ms"
        self.fallback_reason = f"{type(exc).__name__}: {exc}"[:300]
        self._task = asyncio.create_task(self._poll(), name="bench-risk-polling")

    async def _follow(self, stream: Any) -> None:
        try:
            async with stream:
                async for change in stream:
                    doc = change.get("fullDocument") or change["documentKey"]
                    self._noted(doc, str(change["operationType"]))
        except PyMongoError as exc:
            self._fall_back(exc)
            return
        self._fall_back(RuntimeError("the change stream ended"))

    async def _poll(self) -> None:
        while True:
            waiting = [f"expense:{k}" for k in self._awaited if k not in self.at]
            if waiting:
                cursor = self._risks.find({"_id": {"$in": waiting}}, POLLED)
                async for doc in cursor:
                    self._noted(doc, "seen by polling")
            await asyncio.sleep(POLL_S)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)


# --- the fraud actor's consumers ---------------------------------------------------------------


# --- writing expenses --------------------------------------------------------------------------


@dataclass
class Owner:
    """A user and their default categories by name."""

    user: BenchUser
    http: aiohttp.ClientSession
    categories: dict[str, str] = field(default_factory=dict)


async def categories_of(http: aiohttp.ClientSession) -> dict[str, str]:
    """The user's default categories by name (made by the expenses actor after sign-up)."""
    deadline = time.perf_counter() + CATEGORY_WAIT_S
    while True:
        status, data = await call(http, "GET", "/v1/categories")
        if status != 200 or not isinstance(data, dict):
            raise RequestFailedError(f"GET /v1/categories answered {status}: {data}")
        found = {str(c["name"]): str(c["id"]) for c in data["items"]}
        if all(name in found for name in SPENDING):
            return found
        if time.perf_counter() > deadline:
            raise RequestFailedError(f"default categories never all there: {sorted(found)}")
        await asyncio.sleep(0.2)


@dataclass
class Writes:
    """The POSTs of a phase: one sample each (from when it was due, or sent), the ids of the
    expenses accepted (201, or 202: created once the expenses actor gets to it), errors."""

    samples: list[Sample] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    sent_wall: dict[str, float] = field(default_factory=dict)
    duration_s: float = 0.0

    def figures(self) -> dict[str, Any]:
        summary = window_summary(self.samples, self.duration_s)
        summary.update(
            duration_s=round(self.duration_s, 3),
            accepted=len(self.accepted),
            first_error=self.details[0] if self.details else None,
        )
        return summary


async def post(owner: Owner, planned: Planned, body: bytes, writes: Writes, due: float) -> None:
    """``POST /v1/expenses`` of one planned expense, timed from ``due``."""
    status = 0
    writes.sent_wall[planned.id] = time.time()
    try:
        async with owner.http.post("/v1/expenses", data=body, headers=JSON_HEADERS) as resp:
            raw = await resp.read()
            status = resp.status
        if status in (201, 202):
            writes.accepted.append(planned.id)
        else:
            writes.details.append(f"{status} {raw.decode(errors='replace')[:300]}")
    except (aiohttp.ClientError, TimeoutError) as exc:
        writes.details.append(f"{type(exc).__name__}: {exc}"[:300])
    writes.samples.append(Sample(due, time.perf_counter(), status, planned.id))


async def write_flat_out(owners: Sequence[Owner], plan: Sequence[Planned]) -> Writes:
    """Every planned expense POSTed once: each user is one client writing its own expenses one
    after another (each timed from when it was sent), all users at once."""
    writes = Writes()

    async def client(index: int) -> None:
        owner = owners[index]
        for planned in plan:
            if planned.user == index:
                body = body_of(planned, owner.categories)
                await post(owner, planned, body, writes, time.perf_counter())

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(len(owners))))
    writes.duration_s = time.perf_counter() - started
    return writes


async def write_at_rate(
    owners: Sequence[Owner], plan: Sequence[Planned], per_second: float
) -> tuple[Writes, int]:
    """Send the plan on a fixed schedule, each expense on its own whatever the answers of the
    others (an open loop), timed from when it was due, so a slow server cannot hide its
    queueing: the writes, and how many were sent more than 10 ms late."""
    bodies = [body_of(p, owners[p.user].categories) for p in plan]
    writes = Writes()
    tasks: list[asyncio.Task[None]] = []
    late = 0
    start = time.perf_counter()
    for n, planned in enumerate(plan):
        due = start + n / per_second
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        late += int(time.perf_counter() - due > LATE_SEND_S)
        owner = owners[planned.user]
        tasks.append(asyncio.create_task(post(owner, planned, bodies[n], writes, due)))
    await asyncio.gather(*tasks)
    writes.duration_s = len(plan) / per_second
    return writes, late


# --- the phases --------------------------------------------------------------------------------


@dataclass
class Run:
    """What every phase uses: the users, the plan, what this process sees, and the stack."""

    owners: list[Owner]
    planner: Planner
    events: CreatedEvents
    commits: Commits
    consumers: Consumers
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
        await self.events.settle(writes.accepted, STALL_S)
        return [k for k in writes.accepted if k in self.events.at]


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


async def check_round(run: Run, keys: Sequence[str]) -> dict[str, Any]:
    """The round's risk records scored at least once, all risk records, and dead letters."""
    ids = [f"expense:{k}" for k in keys]
    query = {"_id": {"$in": ids}, "expense_version": {"$gte": 1}}
    return {
        "risk_records": await run.db[RISKS].count_documents(query),
        "risk_records_in_all": await run.db[RISKS].count_documents({}),
        "dead_letters": await run.db[DEAD_LETTERS].count_documents({}),
    }


async def scoring_round(run: Run, count: int, processes: int) -> dict[str, Any]:
    """Pause the consumers, write ``count`` expenses, wait until their events wait in the
    consumers, resume them and time until the last risk record of the round is committed;
    then count the round's risk records and the dead letters."""
    c = run.consumers
    await c.wait(lambda b: b.left == 0, APPLY_WAIT_S, "consumers idle before a round")
    await c.pause()
    plan = run.plan(count)
    run.say(f"{len(run.owners)} users writing {count:,} expenses while the fraud consumers pause")
    writes = await write_flat_out(run.owners, plan)
    created = await run.created(writes)
    t0 = time.perf_counter()
    backlog = await c.wait(lambda b: b.pending >= len(created), STALL_S, "events to score")
    stream_wait_s = time.perf_counter() - t0

    run.say(f"resuming: {backlog.pending:,} expense events for {processes} fraud process(es)")
    window = CpuWindow(run.sampler)
    rss = ProcessSampler()  # the fraud processes alone, for this round's peak
    rss.add_source(run.fraud_pids)
    rss.start()
    started = run.phase_start = time.perf_counter()
    await c.resume()
    try:
        missing = await run.commits.settle(created, STALL_S)
        await c.wait(lambda b: b.left == 0, APPLY_WAIT_S, "scoring the expense events")
    finally:
        await rss.stop()
    rss.sample()
    cpu = window.close()
    scored = [run.commits.at[k] for k in created if k in run.commits.at]
    elapsed = (max(scored) - started) if scored else 0.0
    check = await check_round(run, created)
    return {
        "processes": processes,
        "writes": writes.figures(),
        "created": len(created),
        "stream_wait_s": round(stream_wait_s, 3),
        "events_waiting": backlog.pending,
        "scored": len(scored),
        "missing": len(missing),
        "duration_s": round(elapsed, 3),
        "events_per_s": rate(len(scored), elapsed),
        "check": check,
        "exact": check["risk_records"] == len(created) and check["dead_letters"] == 0,
        "fraud_peak_rss_mb": rss.peak_mb(),
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


# --- the run and its report --------------------------------------------------------------------


async def prepare(
    base: str, o: FraudBenchOptions, say: Callable[[str], None]
) -> tuple[list[Owner], str, float]:
    """Users signed up, each with a session and their default categories."""
    say(f"signing up {o.users} users")
    t0 = time.perf_counter()
    users = await sign_up_many(base, o.users)
    owners = [Owner(u, session(base, u.token, REQUEST_TIMEOUT_S)) for u in users]
    for owner in owners:
        owner.categories = await categories_of(owner.http)
    status, me = await call(owners[0].http, "GET", "/v1/me")
    if status != 200 or not isinstance(me, dict):
        raise RequestFailedError(f"GET /v1/me answered {status}: {me}")
    return owners, str(me["timezone"]), time.perf_counter() - t0


async def over_http(
    settings: Settings, o: FraudBenchOptions, say: Callable[[str], None], log: TextIO
) -> dict[str, Any]:
    """Every figure, on a stack of its own that is stopped whatever happens."""
    second: Supervisor | None = None

    def second_pids() -> dict[str, int]:
        return second.pids() if second is not None else {}

    nc: Any = None
    mongo: AsyncMongoClient[dict[str, Any]] | None = None
    owners: list[Owner] = []
    events = CreatedEvents()
    commits: Commits | None = None
    own = sampled_stack(settings, "fraud", o.stack_log_level, ACTORS, log, say, WRITE_LIMITS)
    async with own as (stack, sampler):
        sampler.add_source(second_pids)
        try:
            nc = await nats.connect(stack.layout.nats.url, name="bench-fraud")
            await events.start(nc)
            mongo = AsyncMongoClient(stack.layout.mongo.url)
            db = mongo[settings.mongo_db]
            commits = Commits(db)
            await commits.start()
            consumers = Consumers(nc.jetstream(), DURABLES)
            await consumers.wait_pulling(1, "the fraud actor")
            owners, timezone, sign_up_s = await prepare(stack.base_url, o, say)
            run = Run(
                owners,
                Planner(o.seed, o.users, timezone),
                events,
                commits,
                consumers,
                sampler,
                db,
                say,
                settings.fraud_flag_threshold,
                lambda: {
                    name: pid
                    for name, pid in {**stack.pids(), **second_pids()}.items()
                    if name.startswith(FRAUD_PROCESS)
                },
            )
            h: dict[str, Any] = {
                "users": o.users,
                "sign_up_s": round(sign_up_s, 3),
                "timezone": timezone,
                "commits_seen_by": commits.method,
                "write_limits": dict(WRITE_LIMITS),
                "threshold": settings.fraud_flag_threshold,
            }
            profiles: dict[str, Any] = {}
            h["history"] = await history(run, o.history)
            profiles["after the history"] = await largest_profile(db)
            h["steady"] = await steady(run, o.rate, o.duration_s)
            profiles["after the fixed rate"] = await largest_profile(db)
            h["memory_steady_mb"] = sampler.peak_mb(under_load=True)
            rounds: list[dict[str, Any]] = []
            h["rounds"] = rounds
            rounds.append(await scoring_round(run, o.backlog, 1))
            if o.second_process:
                say("starting a second fraud process on the same consumers")
                second = await stack.start_actor(SECOND, "fraud")
                h["second_pulling"] = (await consumers.wait_pulling(2, SECOND)).waiting
                rounds.append(await scoring_round(run, o.backlog, 2))
                await second.stop()
                second = None
                say("the second fraud process stopped: the first round again, with one")
                rounds.append(await scoring_round(run, o.backlog, 1))
            profiles["at the end"] = await largest_profile(db)
            h["profiles"] = profiles
            h["scoring"] = await scoring_summary(db, settings.fraud_flag_threshold)
            h["commits_seen_by"] = commits.method  # polling, if the stream failed on the way
            h["change_stream_error"] = commits.fallback_reason
            sampler.sample()
            h["memory_peak_mb"] = sampler.peak_mb()
            return h
        finally:
            await events.stop()
            if commits is not None:
                await commits.stop()
            for owner in owners:
                with contextlib.suppress(Exception):
                    await owner.http.close()
            if nc is not None:
                with contextlib.suppress(Exception):
                    await nc.close()
            if mongo is not None:
                await mongo.close()
            await sampler.stop()
            if second is not None:
                await second.stop()


async def run_fraud(settings: Settings, o: FraudBenchOptions, out: TextIO) -> dict[str, Any]:
    """Every figure of one run."""
    began = time.monotonic()
    say = progress(out)
    figures = run_header("fraud", o)
    log_path = log_path_of("fraud", o.log_path)
    with log_path.open("w", buffering=1) as log:
        figures["http"] = await over_http(settings, o, say, log)
    figures["process_peak_rss_mb"] = own_peak_rss_mb()
    figures["log_file"] = str(log_path)
    figures["elapsed_s"] = round(time.monotonic() - began, 1)
    return figures


def _writes(w: dict[str, Any]) -> str:
    return (
        f"{w['accepted']:,} of {w['requests']:,} accepted (201: {w['created_201']:,}, 202: "
        f"{w['pending_202']}), errors {w['errors']}; {w['commands_per_s']:,.1f} cmd/s "
        f"{p50_p99(w['latency_ms'])}"
    )


def row(label: str, count: str, latency: dict[str, float] | None, note: str = "") -> str:
    return latency_line(label, count, latency, note, 46)


def _steady_lines(s: dict[str, Any], db: str, seen_by: str, threshold: int) -> list[str]:
    t, w, st = s["target"], s["writes"], s["stages"]
    verdict = "MET" if t["met"] else "MISSED"
    p95 = f"{t['p95_ms']:.1f} ms" if t["p95_ms"] is not None else "none scored"
    lines = [
        "",
        f"from expense.created on NATS to its risk record committed ({db}): expenses at "
        f"{s['rate']:g}/s for {s['duration_s']:g} s, round robin over the users, 1 fraud process",
        f"  (events: a core NATS subscription here; commits: {seen_by} on fraud_risks here; "
        "each timestamped as it arrives)",
        latency_columns(46),
        row(
            "event on NATS -> risk record committed",
            f"{s['scored']}/{s['created']}",
            s["event_to_commit_ms"],
        ),
        row(
            "POST /v1/expenses answered (from when due)",
            f"{w['accepted']}/{w['requests']}",
            w["latency_ms"],
        ),
        row("POST due -> risk record committed", f"{s['scored']}", s["post_to_commit_ms"]),
        row(
            f"  event -> commit, scored {threshold} or more (flagged)",
            f"{s['flagged']}",
            s["flagged_ms"],
        ),
        row(
            "  event -> commit, scored under it",
            f"{s['scored'] - s['flagged']}",
            s["not_flagged_ms"],
        ),
        f"  target: p95 under {t['p95_ms_under']:.0f} ms from the event to the commit: {verdict} "
        f"(p95 {p95}" + (f", {s['missing']} never scored" if s["missing"] else "") + ")",
        "  the same delays in stages, by wall clock (ms; scored_at is the fraud actor's clock when "
        "it started on the expense, kept in milliseconds):",
        row("  POST sent -> expense applied (event's time)", "", st["post_to_applied_ms"]),
        row("  expense applied -> event on NATS here", "", st["applied_to_event_ms"]),
        row("  event on NATS -> fraud actor starts scoring", "", st["event_to_scoring_ms"]),
        row("  starts scoring -> commit seen here", "", st["scoring_to_commit_ms"]),
        "  slowest, event -> commit (ms: to scoring + scoring to commit; when the event came; "
        "its score):",
    ]
    for x in s["slowest"]:
        found = ", ".join(x["signals"]) or "no signal"
        lines.append(
            f"    {x['event_to_commit_ms']:>8.1f} = {x['event_to_scoring_ms']} + "
            f"{x['scoring_to_commit_ms']}   at {x['event_seen_s']:.2f} s   score {x['score']} "
            f"({found})"
        )
    lines.append(
        f"  earlier records scored again meanwhile (a burst escalating them): "
        f"{s['records_scored_again']}"
    )
    lines.append(
        f"  sends more than 10 ms late: {s['late_sends']}; writes: {_writes(w)}"
        + (f"; first error: {w['first_error']}" if w.get("first_error") else "")
    )
    lines.append(f"  CPU % of one core: {cpu_line(s['cpu_percent'])}")
    return lines


def _round_lines(r: dict[str, Any], again: bool) -> list[str]:
    c = r["check"]
    label = f"{r['processes']} fraud process" + ("es" if r["processes"] > 1 else "")
    label += ", again" if again else ""
    exact = "exact" if r["exact"] else "NOT EXACT"
    lines = [
        f"  {label:<46} {r['events_per_s']:>9,.1f} events/s   {r['scored']:,} scored in "
        f"{r['duration_s']:.2f} s (resume to the last commit seen)",
        f"    risk records with expense_version >= 1: {c['risk_records']:,} of "
        f"{r['created']:,} expenses created; dead letters {c['dead_letters']}: {exact}"
        + (f"; {r['missing']} never scored" if r["missing"] else ""),
        f"    written first, consumers paused: {_writes(r['writes'])}",
        f"    {r['events_waiting']:,} events waiting after {r['stream_wait_s']:.2f} s; risk "
        f"records in all {c['risk_records_in_all']:,}",
        f"    CPU % of one core while scoring: {cpu_line(r['cpu_percent'])}",
        "    peak RSS while scoring: "
        + ", ".join(
            f"{name.removeprefix('actor:')} {mb:.1f} MiB"
            for name, mb in r["fraud_peak_rss_mb"].items()
        ),
    ]
    if r["writes"].get("first_error"):
        lines.append(f"    first error: {r['writes']['first_error']}")
    return lines


def _profile_line(when: str, p: dict[str, Any]) -> str:
    return (
        f"    {when:<22} {p['largest_bytes']:>9,} bytes   ({p['its_recent_expenses']} recent "
        f"expenses held; {p['profiles']} profiles)"
    )


def render(f: dict[str, Any]) -> str:
    """The figures as lines a person reads (the JSON holds the same and more)."""
    o, m, h = f["options"], f["machine"], f["http"]
    db = "on SecantusDB"
    limits, hist, sc = h["write_limits"], h["history"], h["scoring"]
    seen_by = h["commits_seen_by"]
    signals = ", ".join(f"{k} {n}" for k, n in sc["signals"].items()) or "none"
    lines = [
        "",
        "ledgerbus bench fraud" + (" (--quick)" if o["quick"] else ""),
        machine_line(m),
        "  stack     edge (HTTP and Socket.IO on one port), NATS JetStream, accounts, expenses "
        "and fraud actors, one process each",
        f"  writes    per user {limits['LEDGERBUS_WRITES_PER_USER_S']}/s, burst "
        f"{limits['LEDGERBUS_WRITES_BURST']} (set for this run, so the limiter never answers)",
        f"  {h['users']} users signed up in {h['sign_up_s']:.1f} s ({h['timezone']}); a history "
        f"of {o['history']} expenses each ({hist['created']:,} created, {hist['scored']:,} "
        f"scored) in {hist['seconds']:.1f} s before anything was timed",
        f"  risk records seen committed by: {seen_by}"
        + (
            f" (change stream failed: {h['change_stream_error']})"
            if h["change_stream_error"]
            else ""
        ),
    ]
    lines += _steady_lines(h["steady"], db, seen_by, h["threshold"])
    lines += [
        "",
        f"expense events scored per second ({db}): the fraud consumers paused while "
        f"{o['backlog']:,} expenses were written by {h['users']} users, then resumed",
    ]
    for n, r in enumerate(h["rounds"]):
        lines += _round_lines(r, again=n > 0 and r["processes"] == 1)
        if r["processes"] > 1 and "second_pulling" in h:
            lines.append(
                f"    (the second process was pulling before its round: {h['second_pulling']} "
                "pull requests waiting on every consumer)"
            )
    steady_mb = h["memory_steady_mb"].get(FRAUD_PROCESS)
    peak_mb = h["memory_peak_mb"].get(FRAUD_PROCESS)
    lines += [
        "",
        "memory",
        f"  fraud process RSS, steady at {h['steady']['rate']:g}/s: "
        + (f"{steady_mb:.1f} MiB" if steady_mb is not None else "-")
        + (f" (peak of the whole run {peak_mb:.1f} MiB)" if peak_mb is not None else ""),
        "  largest fraud_profiles document (BSON; a profile is bounded by design):",
    ]
    lines += [_profile_line(when, p) for when, p in h["profiles"].items()]
    lines += process_rows(h["memory_peak_mb"], h["memory_steady_mb"], "steady")
    lines += [
        f"  {BENCH + ' (this process)':<20} {f['process_peak_rss_mb']:>12.1f}",
        f"  ('steady': while expenses arrived at {h['steady']['rate']:g}/s, after the history)",
        "",
        f"what the scorer found in the whole run: {sc['at_or_over_threshold']:,} of "
        f"{sc['risk_records']:,} risk records at or over {sc['threshold']} ({sc['flags']} flags); "
        f"signals fired: {signals}",
        "",
        f"  database  {f['database']}",
        f"  children's output: {f['log_file']}",
        f"  took {f.get('elapsed_s', 0):.0f} s",
        "",
    ]
    return "\n".join(lines)
