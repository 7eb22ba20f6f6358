"""``ledgerbus bench budgets``: how fast the budgets actor keeps budgets current, and how soon a
budget alert reaches its owner's device, on an embedded stack of its own.

The stack is NATS, SecantusDB, the edge (HTTP and Socket.IO on one port), and the accounts,
expenses and budgets actors, each its own process. Users sign up and each makes a few monthly
budgets: one counting all their spending, the others one default category each. Then:

1. Expense events applied to budgets per second. The budgets actor's durable consumers of
   expense events are paused (a JetStream consumer pause) while the users write their expenses
   over HTTP; once every event is waiting in those consumers they are resumed, and the time until
   nothing is pending or unacknowledged is the time the actor took to apply them (it acknowledges
   an event only once its effect is committed). The same again, with fresh expenses, with a
   second budgets process on the same consumers; then once more with the first process alone,
   so that a difference between one and two processes is not just the order of the rounds.
   After each round every budget's status is checked against the expenses written.
2. The delay from an expense command to the budget alert on a device: a user with a Socket.IO
   device connected makes a budget of 100.00 counting one category of its own, with thresholds
   at 10, 20, ..., 100 percent; each expense of 10.00 in that category crosses the next one. The
   time from just before ``POST /v1/expenses`` to the arrival of that ``budget.threshold_crossed``
   on the device, one expense at a time (a budget holds at most 10 thresholds, so every tenth
   sample starts on a new budget and the used one is deleted).
3. Peak memory (RSS) of every process, the budgets actor's included, and CPU use while applying.

Nothing is asserted: figures are printed (and written as JSON), speed is never judged.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from random import Random
from typing import Any, TextIO
from zoneinfo import ZoneInfo

import aiohttp
import nats
import socketio

from actors.app import reaction_durable
from actors.budgets import BUDGETS
from actors.expenses.rules import DEFAULT_CATEGORIES
from bus.settings import Settings
from deploy.bench.consumers import Consumers
from deploy.bench.devices import connect_device, disconnect_device
from deploy.bench.flags import log_path_of, options_from_flags
from deploy.bench.http import JSON_HEADERS, RequestFailedError, call, session
from deploy.bench.memory import (
    MACHINE,
    OTHERS,
    ProcessSampler,
    cpu_with_bench,
    own_peak_rss_mb,
)
from deploy.bench.report import progress, report_bench, run_header
from deploy.bench.stackrun import WRITE_LIMITS, sampled_stack
from deploy.bench.stats import Sample, latency_summary, rate, window_summary
from deploy.bench.table import machine_line, p50_p99, process_rows
from deploy.bench.users import BenchUser, sign_up_many
from deploy.supervisor import Supervisor

ACTORS = ["accounts", "expenses", "budgets"]
"""Sign-up and sign-in (accounts), categories and expenses (expenses), budgets (budgets)."""

SECOND = "actor:budgets#2"
"""The second budgets process, started for the second round on the same consumers."""

CURRENCY = "EUR"
CATEGORY_NAMES = [name for name, _, _ in DEFAULT_CATEGORIES]
"""Budget ``b >= 1`` of a user counts the default category ``CATEGORY_NAMES[b - 1]``; the
expenses go round the first ``budgets`` categories, so one in ``budgets`` counts only in the
budget of all spending."""

MAX_BUDGETS_EACH = len(CATEGORY_NAMES) - 1
BUDGET_THRESHOLDS = [25, 50, 75, 100]
ALERT_THRESHOLDS = list(range(10, 101, 10))
ALERT_AMOUNT = "10.00"
ALERT_BUDGET = "100.00"
DURABLES = [reaction_durable(BUDGETS.name, t) for t in BUDGETS.reactions]
REQUEST_TIMEOUT_S = 120.0
PENDING_WAIT_S = 600.0
STREAM_WAIT_S = 120.0
APPLY_WAIT_S = 1800.0
ALERT_WAIT_S = 30.0
CATEGORY_WAIT_S = 30.0


@dataclass(frozen=True)
class BudgetsBenchOptions:
    """Every figure the benchmark can be told; defaults are the full run."""

    users: int = 20
    budgets: int = 3
    expenses: int = 2_000
    samples: int = 100
    second_process: bool = True
    seed: int = 20261123
    stack_log_level: str = "WARNING"
    json_path: Path | None = None
    log_path: Path | None = None
    quick: bool = False

    def shrunk(self) -> BudgetsBenchOptions:
        """The ``--quick`` variant: 4 users, 120 expenses a round, 12 alert samples."""
        return replace(self, users=4, expenses=120, samples=12, quick=True)


# --- command line ------------------------------------------------------------------------------


def options_from(args: argparse.Namespace) -> BudgetsBenchOptions:
    """Options from parsed flags: ``--quick`` shrinks the defaults, given flags win."""
    options = options_from_flags(
        BudgetsBenchOptions(second_process=not args.one_process),
        args,
        "users",
        "budgets",
        "expenses",
        "samples",
    )
    return replace(
        options,
        users=max(1, options.users),
        budgets=min(MAX_BUDGETS_EACH, max(1, options.budgets)),
        expenses=max(1, options.expenses),
        samples=max(1, options.samples),
    )


def run_cli(args: argparse.Namespace, settings: Settings) -> int:
    """Run the benchmark from parsed flags; 0 when it completed (speed is never judged)."""
    return report_bench("budgets", options_from(args), run_budgets, render, settings)


# --- HTTP --------------------------------------------------------------------------------------


async def await_command(http: aiohttp.ClientSession, command_id: str) -> dict[str, Any]:
    """Poll ``/v1/commands/{id}`` (as its issuer) until it is no longer pending."""
    deadline = time.perf_counter() + PENDING_WAIT_S
    while True:
        status, data = await call(http, "GET", f"/v1/commands/{command_id}")
        if status == 200 and isinstance(data, dict) and data.get("status") != "pending":
            return data
        if status not in (200, 202):
            raise RequestFailedError(f"GET /v1/commands/{command_id} answered {status}: {data}")
        if time.perf_counter() > deadline:
            raise RequestFailedError(f"command {command_id} still pending after {PENDING_WAIT_S} s")
        await asyncio.sleep(0.2)


async def _write(
    http: aiohttp.ClientSession, method: str, path: str, body: Any = None
) -> dict[str, Any]:
    """A write that must succeed: its entity (waiting out a 202)."""
    status, data = await call(http, method, path, body)
    if status == 202 and isinstance(data, dict):
        done = await await_command(http, str(data["command_id"]))
        outcome = done.get("outcome") or {}
        if done.get("status") == "accepted" and isinstance(outcome.get("entity"), dict):
            return dict(outcome["entity"])
        raise RequestFailedError(f"{method} {path} {json.dumps(body)} ended {done}")
    if status not in (200, 201) or not isinstance(data, dict):
        raise RequestFailedError(f"{method} {path} {json.dumps(body)} answered {status}: {data}")
    return data


async def _get(http: aiohttp.ClientSession, path: str) -> dict[str, Any]:
    status, data = await call(http, "GET", path)
    if status != 200 or not isinstance(data, dict):
        raise RequestFailedError(f"GET {path} answered {status}: {data}")
    return data


def local_today(timezone: str) -> date:
    """Today where the user lives (users sign up with their timezone)."""
    return datetime.now(ZoneInfo(timezone)).date()


def _money(cents: int) -> str:
    return str(Decimal(cents).scaleb(-2).quantize(Decimal("0.01")))


# --- the plan: who spends what in which category -----------------------------------------------


@dataclass(frozen=True)
class Planned:
    """One expense to write: its user, category (an index of ``CATEGORY_NAMES``) and amount."""

    user: int
    category: int
    cents: int


def plan_round(rng: Random, users: int, budgets: int, count: int) -> list[Planned]:
    """``count`` expenses of 1.00 to 50.00, dealt to the users in turn, each user going round
    the first ``budgets`` categories."""
    return [
        Planned(j % users, (j // users) % budgets, rng.randint(100, 5_000)) for j in range(count)
    ]


def counts_in(budget: int, expense: Planned) -> bool:
    """Whether budget ``budget`` of the expense's user counts it (budget 0 counts all)."""
    return budget == 0 or expense.category == budget - 1


def matching(expense: Planned, budgets: int) -> int:
    return sum(1 for b in range(budgets) if counts_in(b, expense))


@dataclass
class Owner:
    """A user of the throughput rounds: token, category ids by name, budget ids in order."""

    user: BenchUser
    categories: dict[str, str] = field(default_factory=dict)
    budgets: list[str] = field(default_factory=list)


async def categories_of(http: aiohttp.ClientSession) -> dict[str, str]:
    """The user's default categories by name (made by the expenses actor after sign-up)."""
    deadline = time.perf_counter() + CATEGORY_WAIT_S
    while True:
        data = await _get(http, "/v1/categories")
        found = {str(c["name"]): str(c["id"]) for c in data["items"]}
        if all(name in found for name in CATEGORY_NAMES):
            return found
        if time.perf_counter() > deadline:
            raise RequestFailedError(f"default categories never all there: {sorted(found)}")
        await asyncio.sleep(0.2)


async def make_budgets(
    base_url: str, users: list[BenchUser], budgets: int, plans: list[list[Planned]]
) -> list[Owner]:
    """Each user's budgets, monthly in EUR: each one's amount is what the plan spends in it
    over every round, so its thresholds are crossed along the way, some in each round."""
    limit = asyncio.Semaphore(4)

    async def one(index: int, user: BenchUser) -> Owner:
        owner = Owner(user)
        async with limit, session(base_url, user.token, REQUEST_TIMEOUT_S) as http:
            owner.categories = await categories_of(http)
            for b in range(budgets):
                cents = sum(
                    e.cents for plan in plans for e in plan if e.user == index and counts_in(b, e)
                )
                body: dict[str, Any] = {
                    "name": "All spending" if b == 0 else CATEGORY_NAMES[b - 1],
                    "amount": _money(max(100, cents)),
                    "currency": CURRENCY,
                    "period": "monthly",
                    "thresholds": BUDGET_THRESHOLDS,
                }
                if b > 0:
                    body["category_ids"] = [owner.categories[CATEGORY_NAMES[b - 1]]]
                owner.budgets.append(str((await _write(http, "POST", "/v1/budgets", body))["id"]))
        return owner

    return list(await asyncio.gather(*(one(i, u) for i, u in enumerate(users))))


# --- writing the expenses ----------------------------------------------------------------------


@dataclass
class WriteRun:
    samples: list[Sample] = field(default_factory=list)
    created: list[Planned] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    pending_accepted: int = 0
    pending_rejected: int = 0
    duration_s: float = 0.0


async def write_expenses(
    base_url: str, owners: list[Owner], plan: list[Planned], day: date, first: int
) -> WriteRun:
    """Every planned expense POSTed once: each user is one client writing its own expenses one
    after another, all users at once; a 202 is waited out afterwards."""
    run = WriteRun()
    sessions = [session(base_url, o.user.token, REQUEST_TIMEOUT_S) for o in owners]
    pending: list[tuple[int, Planned, str]] = []

    async def client(index: int) -> None:
        http = sessions[index]
        for n, expense in enumerate(plan):
            if expense.user != index:
                continue
            owner = owners[index]
            body = json.dumps(
                {
                    "amount": _money(expense.cents),
                    "currency": CURRENCY,
                    "date": day.isoformat(),
                    "category_id": owner.categories[CATEGORY_NAMES[expense.category]],
                    "description": f"bench budgets {first + n}",
                }
            ).encode()
            start = time.perf_counter()
            status, command_id = 0, None
            try:
                async with http.post("/v1/expenses", data=body, headers=JSON_HEADERS) as resp:
                    raw = await resp.read()
                    status = resp.status
                    command_id = resp.headers.get("X-Command-Id")
                if status == 202:
                    command_id = json.loads(raw).get("command_id")
                    pending.append((index, expense, str(command_id)))
                elif status == 201:
                    run.created.append(expense)
                else:
                    run.details.append(f"{status} {raw.decode(errors='replace')[:300]}")
            except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                run.details.append(f"{type(exc).__name__}: {exc}"[:300])
            run.samples.append(Sample(start, time.perf_counter(), status, command_id))

    started = time.perf_counter()
    try:
        await asyncio.gather(*(client(i) for i in range(len(owners))))
        run.duration_s = time.perf_counter() - started
        for index, expense, command_id in pending:
            done = await await_command(sessions[index], command_id)
            if done.get("status") == "accepted":
                run.created.append(expense)
                run.pending_accepted += 1
            else:
                run.pending_rejected += 1
                run.details.append(f"202 then {json.dumps(done)[:300]}")
    finally:
        await asyncio.gather(*(s.close() for s in sessions))
    return run


def write_figures(run: WriteRun) -> dict[str, Any]:
    summary = window_summary(run.samples, run.duration_s)
    summary.update(
        duration_s=round(run.duration_s, 3),
        pending_accepted=run.pending_accepted,
        pending_rejected=run.pending_rejected,
        expenses_created=len(run.created),
        first_error=run.details[0] if run.details else None,
    )
    return summary


# --- the budgets actor's consumers -------------------------------------------------------------


# --- checking the budgets ----------------------------------------------------------------------


async def check_budgets(
    base_url: str, owners: list[Owner], written: list[Planned], budgets: int
) -> dict[str, Any]:
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
                want = (len(mine), _money(sum(e.cents for e in mine)))
                status = await _get(http, f"/v1/budgets/{budget_id}/status")
                got = (int(status["expenses_counted"]), str(status["spent"]))
                alerts += len(status["thresholds_crossed"]) + int(bool(status["exceeded"]))
                if got == want:
                    matched += 1
                elif first_mismatch is None:
                    first_mismatch = f"budget {budget_id}: counted/spent {got}, expected {want}"

    await asyncio.gather(*(one(i, o) for i, o in enumerate(owners)))
    return {
        "budgets": len(owners) * budgets,
        "matching": matched,
        "alerts_so_far": alerts,
        "first_mismatch": first_mismatch,
    }


# --- a round: write while paused, then apply ---------------------------------------------------


async def apply_round(
    base_url: str,
    owners: list[Owner],
    consumers: Consumers,
    sampler: ProcessSampler,
    plan: list[Planned],
    *,
    processes: int,
    day: date,
    first: int,
    written: list[Planned],
    budgets: int,
    say: Callable[[str], None],
) -> dict[str, Any]:
    """Pause the consumers, write ``plan``, wait until its events wait in the consumers, resume
    them and time until every one is applied; then check every budget."""
    await consumers.wait(lambda b: b.left == 0, APPLY_WAIT_S, "consumers idle before a round")
    await consumers.pause()
    say(f"{len(owners)} users writing {len(plan):,} expenses while the budgets consumers pause")
    run = await write_expenses(base_url, owners, plan, day, first)
    writes = write_figures(run)
    created = len(run.created)
    t0 = time.perf_counter()
    backlog = await consumers.wait(
        lambda b: b.pending >= created, STREAM_WAIT_S, "events of the expenses written"
    )
    stream_wait_s = time.perf_counter() - t0

    say(f"resuming: {backlog.pending:,} expense events for {processes} budgets process(es)")
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
    updates = sum(matching(e, budgets) for e in run.created)
    say(f"checking {len(owners) * budgets} budgets against the expenses written")
    check = await check_budgets(base_url, owners, written, budgets)
    return {
        "processes": processes,
        "writes": writes,
        "stream_wait_s": round(stream_wait_s, 3),
        "events": backlog.pending,
        "events_expected": created,
        "duration_s": round(elapsed, 3),
        "events_per_s": rate(backlog.pending, elapsed),
        "budget_updates": updates,
        "budget_updates_per_s": rate(updates, elapsed),
        "check": check,
        "cpu_percent": cpu_with_bench(sampler.cpu_percent(began_at, ended_at), own_cpu, elapsed),
    }


# --- from an expense to the alert on a device --------------------------------------------------


class AlertDevice:
    """A python-socketio client of one user, noting when each budget alert first arrives."""

    def __init__(self) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self.client.on("budget.threshold_crossed", self._on_alert)
        self.arrivals: dict[tuple[str, int], float] = {}
        self.received = 0
        self._awaited: tuple[tuple[str, int], asyncio.Event] | None = None

    def _on_alert(self, data: Any = None) -> None:
        now = time.perf_counter()
        self.received += 1
        entity = data.get("data", {}).get("entity") if isinstance(data, dict) else None
        if not isinstance(entity, dict):
            return
        key = (str(entity.get("budget_id")), int(entity.get("threshold") or 0))
        self.arrivals.setdefault(key, now)
        if self._awaited is not None and self._awaited[0] == key:
            self._awaited[1].set()

    async def connect(self, base_url: str, token: str) -> None:
        await connect_device(self.client, base_url, token)

    async def arrival(self, key: tuple[str, int], timeout_s: float) -> float | None:
        """When the alert ``key`` arrived (``time.perf_counter``), waiting up to ``timeout_s``."""
        if key not in self.arrivals:
            self._awaited = (key, asyncio.Event())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._awaited[1].wait(), timeout_s)
            self._awaited = None
        return self.arrivals.get(key)

    async def close(self) -> None:
        await disconnect_device(self.client)


async def alert_delays(base_url: str, user: BenchUser, samples: int, day: date) -> dict[str, Any]:
    """``samples`` expenses one at a time, each crossing the next threshold of the user's
    budget: the time from the command to the alert on the device, and of the write itself."""
    device = AlertDevice()
    t0 = time.perf_counter()
    await device.connect(base_url, user.token)
    connect_ms = round((time.perf_counter() - t0) * 1000.0, 1)
    delays: list[float] = []
    writes: list[float] = []
    missing, errors, rounds = 0, 0, 0
    first_error: str | None = None
    try:
        async with session(base_url, user.token, REQUEST_TIMEOUT_S) as http:
            while len(delays) + missing + errors < samples:
                rounds += 1
                category = await _write(
                    http, "POST", "/v1/categories", {"name": f"Bench alerts {rounds}"}
                )
                budget = await _write(
                    http,
                    "POST",
                    "/v1/budgets",
                    {
                        "name": f"Alerts {rounds}",
                        "amount": ALERT_BUDGET,
                        "currency": CURRENCY,
                        "period": "monthly",
                        "category_ids": [category["id"]],
                        "thresholds": ALERT_THRESHOLDS,
                    },
                )
                body = {
                    "amount": ALERT_AMOUNT,
                    "currency": CURRENCY,
                    "date": day.isoformat(),
                    "category_id": category["id"],
                }
                for threshold in ALERT_THRESHOLDS:
                    if len(delays) + missing + errors >= samples:
                        break
                    sent = time.perf_counter()
                    status, data = await call(http, "POST", "/v1/expenses", body)
                    answered = time.perf_counter()
                    if status != 201:
                        errors += 1
                        first_error = first_error or f"{status} {str(data)[:300]}"
                        continue
                    writes.append(answered - sent)
                    arrived = await device.arrival((str(budget["id"]), threshold), ALERT_WAIT_S)
                    if arrived is None:
                        missing += 1
                    else:
                        delays.append(arrived - sent)
                await _write(http, "DELETE", f"/v1/budgets/{budget['id']}")
    finally:
        await device.close()
    return {
        "samples": samples,
        "received": len(delays),
        "missing": missing,
        "errors": errors,
        "first_error": first_error,
        "budgets_used": rounds,
        "alerts_on_device": device.received,
        "connect_ms": connect_ms,
        "alert_ms": latency_summary(delays),
        "write_ms": latency_summary(writes),
    }


# --- the run and its report --------------------------------------------------------------------


@dataclass
class Setup:
    """The users and budgets of a run, the plan of each round and what was written so far."""

    owners: list[Owner]
    alert_user: BenchUser
    day: date
    plans: list[list[Planned]]
    written: list[Planned] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)


async def prepare(base: str, o: BudgetsBenchOptions, say: Callable[[str], None]) -> Setup:
    """Users signed up, the plan of every round, and each user's budgets."""
    say(f"signing up {o.users + 1} users")
    t0 = time.perf_counter()
    users = await sign_up_many(base, o.users + 1)
    sign_up_s = time.perf_counter() - t0
    async with session(base, users[0].token, REQUEST_TIMEOUT_S) as http:
        timezone = str((await _get(http, "/v1/me"))["timezone"])
    day = local_today(timezone)
    rng = Random(o.seed)
    rounds = 3 if o.second_process else 1
    plans = [plan_round(rng, o.users, o.budgets, o.expenses) for _ in range(rounds)]
    say(f"making {o.budgets} budgets for each of {o.users} users")
    t0 = time.perf_counter()
    owners = await make_budgets(base, users[: o.users], o.budgets, plans)
    budgets_s = time.perf_counter() - t0
    per_expense = Counter(matching(e, o.budgets) for e in plans[0])
    figures = {
        "users": o.users + 1,
        "sign_up_s": round(sign_up_s, 3),
        "budgets_setup_s": round(budgets_s, 3),
        "timezone": timezone,
        "day": day.isoformat(),
        "budgets_each": o.budgets,
        "budgets_per_expense": {str(k): v for k, v in sorted(per_expense.items())},
        "write_limits": dict(WRITE_LIMITS),
    }
    return Setup(owners, users[-1], day, plans, figures=figures)


async def over_http(
    settings: Settings, o: BudgetsBenchOptions, say: Callable[[str], None], log: TextIO
) -> dict[str, Any]:
    """Every figure, on a stack of its own that is stopped whatever happens."""
    second: Supervisor | None = None

    def second_pids() -> dict[str, int]:
        return second.pids() if second is not None else {}

    nc: Any = None
    own = sampled_stack(settings, "budgets", o.stack_log_level, ACTORS, log, say, WRITE_LIMITS)
    async with own as (stack, sampler):
        sampler.add_source(second_pids)
        try:
            nc = await nats.connect(stack.layout.nats.url, name="bench-budgets")
            consumers = Consumers(nc.jetstream(), DURABLES)
            await consumers.wait_pulling(1, "the budgets actor")
            setup = await prepare(stack.base_url, o, say)
            h = setup.figures

            async def round_of(processes: int) -> None:
                rounds: list[dict[str, Any]] = h.setdefault("rounds", [])
                n = len(rounds)
                before = rounds[-1]["check"]["alerts_so_far"] if rounds else 0
                rounds.append(
                    await apply_round(
                        stack.base_url,
                        setup.owners,
                        consumers,
                        sampler,
                        setup.plans[n],
                        processes=processes,
                        day=setup.day,
                        first=n * o.expenses,
                        written=setup.written,
                        budgets=o.budgets,
                        say=say,
                    )
                )
                rounds[-1]["alerts_raised"] = rounds[-1]["check"]["alerts_so_far"] - before

            await round_of(1)
            if o.second_process:
                say("starting a second budgets process on the same consumers")
                second = await stack.start_actor(SECOND, "budgets")
                ready = await consumers.wait_pulling(2, SECOND)
                h["second_pulling"] = ready.waiting
                await round_of(2)
                await second.stop()
                second = None
                say("the second budgets process stopped: the first round again, with one")
                await round_of(1)
            say(f"{o.samples} expenses one at a time, each crossing a threshold of a budget")
            h["alerts"] = await alert_delays(stack.base_url, setup.alert_user, o.samples, setup.day)
            sampler.sample()
            h["memory_peak_mb"] = sampler.peak_mb()
            h["memory_peak_applying_mb"] = sampler.peak_mb(under_load=True)
            return h
        finally:
            if nc is not None:
                with contextlib.suppress(Exception):
                    await nc.close()
            await sampler.stop()
            if second is not None:
                await second.stop()


async def run_budgets(settings: Settings, o: BudgetsBenchOptions, out: TextIO) -> dict[str, Any]:
    """Every figure of one run."""
    began = time.monotonic()
    say = progress(out)
    figures = run_header("budgets", o)
    log_path = log_path_of("budgets", o.log_path)
    with log_path.open("w", buffering=1) as log:
        figures["http"] = await over_http(settings, o, say, log)
    figures["process_peak_rss_mb"] = own_peak_rss_mb()
    figures["log_file"] = str(log_path)
    figures["elapsed_s"] = round(time.monotonic() - began, 1)
    return figures


def _row(label: str, figure: str, note: str = "") -> str:
    return f"  {label:<40} {figure:>18}" + (f"   {note}" if note else "")


def _cpu(cpu: dict[str, float]) -> str:
    shown = [
        f"{name.removeprefix('actor:')} {value:.0f}"
        for name, value in cpu.items()
        if name not in (MACHINE, OTHERS) and value >= 1
    ]
    machine = cpu.get(MACHINE)
    others = cpu.get(OTHERS)
    tail = f"; whole machine {machine:.0f}" if machine is not None else ""
    tail += f", not this run {others:.0f}" if others is not None else ""
    return ", ".join(shown) + tail if shown else "-"


def _round_lines(r: dict[str, Any], again: bool) -> list[str]:
    w, c = r["writes"], r["check"]
    label = f"{r['processes']} budgets process" + ("es" if r["processes"] > 1 else "")
    label += ", again" if again else ""
    lines = [
        _row(
            label,
            f"{r['events_per_s']:,.1f} events/s",
            f"{r['budget_updates_per_s']:,.1f} budget updates/s; {r['events']:,} events "
            f"({r['budget_updates']:,} budget updates) applied in {r['duration_s']:.2f} s",
        ),
        f"    written first, consumers paused: {w['expenses_created']:,} of {w['requests']:,} "
        f"expenses created (201: {w['created_201']:,}, 202 applied later: "
        f"{w['pending_accepted']}), errors {w['errors']}; {w['commands_per_s']:,.1f} cmd/s "
        f"{p50_p99(w['latency_ms'])}",
        f"    {r['events']:,} events waiting (of {r['events_expected']:,} expected) after "
        f"{r['stream_wait_s']:.2f} s; budgets as expected after: {c['matching']}/{c['budgets']}; "
        f"alerts raised: {r['alerts_raised']}",
        f"    CPU % of one core while applying: {_cpu(r['cpu_percent'])}",
    ]
    if w.get("first_error"):
        lines.append(f"    first error: {w['first_error']}")
    if c.get("first_mismatch"):
        lines.append(f"    first mismatch: {c['first_mismatch']}")
    return lines


def _pcts(latency: dict[str, float] | None) -> str:
    if not latency:
        return "-"
    return "  ".join(f"{k} {latency[k]:.1f}" for k in ("p50", "p95", "p99", "max")) + " ms"


def render(f: dict[str, Any]) -> str:
    """The figures as lines a person reads (the JSON holds the same and more)."""
    o, m, h = f["options"], f["machine"], f["http"]
    db = "on SecantusDB"
    limits, a = h["write_limits"], h["alerts"]
    spread = ", ".join(
        f"{n} in {k} budget{'s' if k != '1' else ''}" for k, n in h["budgets_per_expense"].items()
    )
    lines = [
        "",
        "ledgerbus bench budgets" + (" (--quick)" if o["quick"] else ""),
        machine_line(m),
        "  stack     edge (HTTP and Socket.IO on one port), NATS JetStream, accounts, expenses "
        "and budgets actors, one process each",
        f"  writes    per user {limits['LEDGERBUS_WRITES_PER_USER_S']}/s, burst "
        f"{limits['LEDGERBUS_WRITES_BURST']} (set for this run, so the limiter never answers)",
        f"  {h['users']} users signed up in {h['sign_up_s']:.1f} s; {o['users']} of them with "
        f"{h['budgets_each']} monthly budgets each (one of all spending, the others one category "
        f"each), made in {h['budgets_setup_s']:.1f} s; expenses dated {h['day']} ({h['timezone']})",
        "",
        f"expense events applied to budgets ({db}): the budgets consumers paused while "
        f"{o['expenses']:,} expenses were written, then resumed",
        f"  each expense counts in 1 to {h['budgets_each']} budgets: {spread} (first round)",
    ]
    for n, r in enumerate(h["rounds"]):
        lines += _round_lines(r, again=n > 0 and r["processes"] == 1)
        if r["processes"] > 1 and "second_pulling" in h:
            lines.append(
                f"    (the second process was pulling before its round: {h['second_pulling']} "
                "pull requests waiting on every consumer)"
            )
    lines += [
        "",
        f"from POST /v1/expenses to budget.threshold_crossed on the owner's device ({db}), "
        f"one expense at a time, 1 budgets process; budgets of {ALERT_BUDGET} with thresholds every "
        "10 %",
        _row(
            "expense -> alert on the device",
            f"{a['received']}/{a['samples']} received",
            _pcts(a["alert_ms"]),
        ),
        _row(
            "POST /v1/expenses answered (201)",
            f"{a['samples'] - a['errors']}/{a['samples']} created",
            _pcts(a["write_ms"]),
        ),
        f"    missing alerts {a['missing']} (waited {ALERT_WAIT_S:g} s each), errors "
        f"{a['errors']}; {a['budgets_used']} budgets used; device connected in "
        f"{a['connect_ms']:.0f} ms",
    ]
    if a.get("first_error"):
        lines.append(f"    first error: {a['first_error']}")
    lines += process_rows(h["memory_peak_mb"], h["memory_peak_applying_mb"], "applying")
    lines += [
        f"  {'bench (this process)':<20} {f['process_peak_rss_mb']:>12.1f}",
        "  ('applying': while the budgets consumers worked off the paused events)",
        "",
        f"  database  {f['database']}",
        f"  children's output: {f['log_file']}",
        f"  took {f.get('elapsed_s', 0):.0f} s",
        "",
    ]
    return "\n".join(lines)
