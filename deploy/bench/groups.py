"""``ledgerbus bench groups``: how long a big group's balances take, in process and end to end.

In process (pure functions of ``actors.splits``): random bills over the members, split by every
method (``shares.parts``), folded into a ``balances.Tally``; then the pairwise debts, the
settle-up plan (greedy above 10 members, and an exact plan over 10), the tally's stored form
there and back, one more bill added, the whole update a command makes to a stored tally, and
the same bills replayed from their events (``history.replay``).

End to end, on an embedded stack of its own (NATS, SecantusDB, edge, accounts and splits
actors): members sign up, one creates a group and adds the others, then every member adds group
expenses concurrently with their own token; then the group's running balances are read, the
balances at a moment folded from the event log by the splits actor over request-reply, and one
member's balance explained. The nets of the balances are checked to add up to exactly zero and
to match a local fold of the bills that were accepted; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from random import Random
from typing import Any, TextIO
from urllib.parse import quote

import aiohttp

from actors.splits.balances import Tally
from actors.splits.bills import shares_data
from actors.splits.history import Change, replay
from actors.splits.shares import Part, SplitMethod, parts
from bus.settings import Settings
from deploy.bench.flags import log_path_of, options_from_flags
from deploy.bench.http import JSON_HEADERS, RequestFailedError, call, session
from deploy.bench.memory import ProcessSampler, own_peak_rss_mb
from deploy.bench.report import progress, report_bench, run_header
from deploy.bench.stackrun import BenchStack, sampled_stack
from deploy.bench.stats import Sample, latency_summary, percentile, window_summary
from deploy.bench.table import machine_line, p50_p99, process_rows, yes_no
from deploy.bench.users import BenchUser, sign_up_many

CURRENCY = "EUR"
ACTORS = ["accounts", "splits"]
"""What the group routes need: sign-up and sign-in (accounts), groups and balances (splits).
Every bill is in the group's own currency, so no rate is ever looked up."""

METHOD_MIX: tuple[tuple[SplitMethod, int], ...] = (
    ("equal", 50),
    ("shares", 15),
    ("exact", 15),
    ("percent", 10),
    ("adjustment", 10),
)
"""Split methods of the in-process bills and their weights."""

SHARES_EVERY = 4
"""Over HTTP, every 4th expense is split by shares, the others equally."""

EXACT_LIMIT = 10
"""``Tally.plan``'s default: up to this many members owing or owed, the plan is exact."""

AS_OF_FRACTIONS = (0.1, 0.5)
"""Past balances are also asked for at the moments these shares of the expenses had been
answered: how the fold's time grows with the number of events."""

REQUEST_TIMEOUT_S = 60.0
PENDING_WAIT_S = 600.0
FIRST_DAY = date(2026, 1, 1)
LAST_DAY = date(2026, 11, 20)


@dataclass(frozen=True)
class GroupsBenchOptions:
    """Every figure the benchmark can be told; defaults are the full run."""

    members: int = 50
    expenses: int = 10_000
    clients: int = 50
    balance_reads: int = 200
    as_of_reads: int = 5
    adds: int = 1_000
    update_cycles: int = 200
    seed: int = 20261122
    http: bool = True
    stack_log_level: str = "WARNING"
    json_path: Path | None = None
    log_path: Path | None = None
    quick: bool = False

    def shrunk(self) -> GroupsBenchOptions:
        """The ``--quick`` variant: 10 members, 300 expenses, a few reads."""
        return replace(
            self,
            members=10,
            expenses=300,
            clients=10,
            balance_reads=30,
            as_of_reads=3,
            adds=200,
            update_cycles=30,
            quick=True,
        )


# --- command line ------------------------------------------------------------------------------


def options_from(args: argparse.Namespace) -> GroupsBenchOptions:
    """Options from parsed flags: ``--quick`` shrinks the defaults, given flags win."""
    options = options_from_flags(
        GroupsBenchOptions(http=not args.no_http),
        args,
        "members",
        "expenses",
        "clients",
        "balance_reads",
        "as_of_reads",
    )
    return replace(
        options,
        members=max(2, options.members),
        expenses=max(1, options.expenses),
        clients=max(1, options.clients),
        balance_reads=max(1, options.balance_reads),
        as_of_reads=max(1, options.as_of_reads),
    )


def run_cli(args: argparse.Namespace, settings: Settings) -> int:
    """Run the benchmark from parsed flags; 0 when it completed (speed is never judged)."""
    return report_bench("groups", options_from(args), run_groups, render, settings)


# --- random bills ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bill:
    """The inputs of one bill, as ``shares.parts`` takes them."""

    amount: Decimal
    paid_by: list[tuple[str, Decimal]]
    method: SplitMethod
    members: list[str] | None = None
    shares: list[tuple[str, Decimal]] | None = None

    def parts(self) -> list[Part]:
        return parts(self.amount, CURRENCY, self.paid_by, self.method, self.members, self.shares)


def _cut(rng: Random, total: int, count: int) -> list[int]:
    """``count`` positive whole numbers adding up to ``total`` (``total >= count``)."""
    points = sorted(rng.sample(range(1, total), count - 1)) if count > 1 else []
    edges = [0, *points, total]
    return [b - a for a, b in pairwise(edges)]


def _cents(units: int) -> Decimal:
    return Decimal(units).scaleb(-2).quantize(Decimal("0.01"))


def _paid_by(rng: Random, ids: Sequence[str], units: int) -> list[tuple[str, Decimal]]:
    """Mostly one payer; sometimes two or three, each paying a positive part."""
    payers = rng.sample(list(ids), 1 if rng.random() < 0.85 else rng.randint(2, 3))
    return [(p, _cents(u)) for p, u in zip(payers, _cut(rng, units, len(payers)), strict=True)]


def random_bill(rng: Random, ids: Sequence[str], method: SplitMethod) -> Bill:
    """A bill of 1.00 to 500.00 over a random 2..n of ``ids``, split by ``method``.

    Adjustments stay within a quarter of an equal part each way, so no one ever owes less than
    zero (with at least 1.00 over at most 50 people, every equal part is at least 0.02).
    """
    units = rng.randint(100, 50_000)
    amount = _cents(units)
    payers = _paid_by(rng, ids, units)
    chosen = rng.sample(list(ids), rng.randint(2, len(ids)))
    count = len(chosen)
    if method == "equal":
        return Bill(amount, payers, method, members=chosen)
    if method == "shares":
        weights = [Decimal(rng.randint(1, 4)) for _ in chosen]
    elif method == "exact":
        weights = [_cents(u) for u in _cut(rng, units, count)]
    elif method == "percent":
        weights = [_cents(u) for u in _cut(rng, 10_000, count)]
    else:
        bound = units // (4 * count)
        weights = [_cents(rng.randint(-bound, bound)) for _ in chosen]
    return Bill(amount, payers, method, shares=list(zip(chosen, weights, strict=True)))


def random_bills(rng: Random, ids: Sequence[str], count: int) -> list[Bill]:
    methods = [m for m, _ in METHOD_MIX]
    weights = [w for _, w in METHOD_MIX]
    return [random_bill(rng, ids, rng.choices(methods, weights)[0]) for _ in range(count)]


# --- in process --------------------------------------------------------------------------------


def _ms(seconds: float) -> float:
    return round(seconds * 1000.0, 3)


def _timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    """The median wall time of ``repeat`` calls of ``fn`` in ms, and the last call's result."""
    times: list[float] = []
    result: Any = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return _ms(sorted(times)[len(times) // 2]), result


def _fold(bills: Sequence[list[Part]]) -> Tally:
    tally = Tally()
    for bill in bills:
        tally.add(CURRENCY, bill)
    return tally


def _micros(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    return {
        "p50": round(percentile(ordered, 50) * 1e6, 1),
        "p99": round(percentile(ordered, 99) * 1e6, 1),
        "max": round(ordered[-1] * 1e6, 1),
    }


def _update_cycle(data: dict[str, Any], bill: list[Part]) -> dict[str, Any]:
    """What the splits actor does to a group's stored tally for one new expense."""
    tally = Tally.from_data(data)
    tally.add(CURRENCY, bill)
    tally.debts()
    tally.plan()
    return tally.to_data()


def member_ids(count: int) -> list[str]:
    return [f"user-{i:03d}" for i in range(count)]


def in_process(o: GroupsBenchOptions, say: Callable[[str], None]) -> dict[str, Any]:
    """Every in-process figure (see the module docstring)."""
    rng = Random(o.seed)
    ids = member_ids(o.members)
    bills = random_bills(rng, ids, o.expenses)
    methods = Counter(b.method for b in bills)
    say(f"in process: splitting {o.expenses:,} bills over {o.members} members")
    split_ms, split = _timed(lambda: [b.parts() for b in bills])
    say(f"in process: folding {o.expenses:,} bills into a tally")
    fold_ms, tally = _timed(lambda: _fold(split))
    debts_ms, debts = _timed(tally.debts, repeat=5)
    plan_ms, plan = _timed(tally.plan, repeat=5)
    owing = sum(1 for nets in tally.nets.values() for net in nets.values() if net)
    plan_method = "exact" if owing <= EXACT_LIMIT else "greedy"
    to_data_ms, data = _timed(tally.to_data, repeat=5)
    from_data_ms, back = _timed(lambda: Tally.from_data(data), repeat=5)

    exact_ids = member_ids(min(EXACT_LIMIT, o.members))
    small = _fold([b.parts() for b in random_bills(rng, exact_ids, max(50, o.expenses // 20))])
    exact_ms, exact_plan = _timed(small.plan, repeat=5)

    extra = [b.parts() for b in random_bills(rng, ids, o.adds)]
    grown = Tally.from_data(data)
    add_times: list[float] = []
    for bill in extra:
        t0 = time.perf_counter()
        grown.add(CURRENCY, bill)
        add_times.append(time.perf_counter() - t0)

    say(f"in process: {o.update_cycles} stored-tally updates, then replaying the events")
    cycle_times: list[float] = []
    for bill in extra[: o.update_cycles]:
        t0 = time.perf_counter()
        _update_cycle(data, bill)
        cycle_times.append(time.perf_counter() - t0)

    changes: list[Change] = [
        (None, {"balance_currency": CURRENCY, "balance_shares": shares_data(p), "deleted": False})
        for p in split
    ]
    replay_ms, replayed = _timed(lambda: replay(changes))
    return {
        "members": o.members,
        "bills": o.expenses,
        "methods": dict(sorted(methods.items())),
        "split_ms": split_ms,
        "split_per_s": round(o.expenses / (split_ms / 1000.0), 1) if split_ms else 0.0,
        "fold_ms": fold_ms,
        "fold_per_bill_us": round(fold_ms * 1000.0 / o.expenses, 1),
        "debts_ms": debts_ms,
        "debts": len(debts),
        "plan_ms": plan_ms,
        "plan_transfers": len(plan),
        "plan_method": plan_method,
        "plan_members": owing,
        "plan_exact_members": len(exact_ids),
        "plan_exact_ms": exact_ms,
        "plan_exact_transfers": len(exact_plan),
        "to_data_ms": to_data_ms,
        "from_data_ms": from_data_ms,
        "round_trip_ms": round(to_data_ms + from_data_ms, 3),
        "round_trip_equal": back == tally,
        "tally_json_bytes": len(json.dumps(data)),
        "adds": len(add_times),
        "add_us": _micros(add_times),
        "update_cycles": len(cycle_times),
        "update_cycle_ms": latency_summary(cycle_times),
        "replay_events": len(changes),
        "replay_ms": replay_ms,
        "replay_matches": replayed == tally,
        "process_peak_rss_mb": own_peak_rss_mb(),
    }


# --- over HTTP ---------------------------------------------------------------------------------


def _day(rng: Random) -> str:
    return (FIRST_DAY + timedelta(days=rng.randrange((LAST_DAY - FIRST_DAY).days + 1))).isoformat()


def expense_body(rng: Random, ids: Sequence[str], index: int) -> tuple[dict[str, Any], Bill]:
    """One group expense as the API takes it, and the same bill for the local check: split
    equally among a random 2..n members, or (every ``SHARES_EVERY``-th) by shares of 1 to 3."""
    units = rng.randint(100, 50_000)
    amount = _cents(units)
    payer = rng.choice(list(ids))
    chosen = rng.sample(list(ids), rng.randint(2, len(ids)))
    body: dict[str, Any] = {
        "amount": str(amount),
        "currency": CURRENCY,
        "description": f"bench bill {index}",
        "date": _day(rng),
        "paid_by": [{"user_id": payer, "amount": str(amount)}],
    }
    if index % SHARES_EVERY == SHARES_EVERY - 1:
        weights = [Decimal(rng.randint(1, 3)) for _ in chosen]
        body["split"] = {
            "method": "shares",
            "shares": [
                {"user_id": u, "value": str(w)} for u, w in zip(chosen, weights, strict=True)
            ],
        }
        bill = Bill(
            amount, [(payer, amount)], "shares", shares=list(zip(chosen, weights, strict=True))
        )
    else:
        body["split"] = {"method": "equal", "members": chosen}
        bill = Bill(amount, [(payer, amount)], "equal", members=chosen)
    return body, bill


async def await_command(
    http: aiohttp.ClientSession, command_id: str, timeout_s: float = PENDING_WAIT_S
) -> dict[str, Any]:
    """Poll ``/v1/commands/{id}`` (as its issuer) until it is no longer pending."""
    deadline = time.perf_counter() + timeout_s
    while True:
        status, data = await call(http, "GET", f"/v1/commands/{command_id}")
        if status == 200 and isinstance(data, dict) and data.get("status") != "pending":
            return data
        if status not in (200, 202):
            raise RequestFailedError(f"GET /v1/commands/{command_id} answered {status}: {data}")
        if time.perf_counter() > deadline:
            raise RequestFailedError(f"command {command_id} still pending after {timeout_s:g} s")
        await asyncio.sleep(0.2)


async def _write(http: aiohttp.ClientSession, path: str, body: Any, wanted: int) -> dict[str, Any]:
    """A write that must succeed: its entity (waiting out a 202)."""
    status, data = await call(http, "POST", path, body)
    if status == 202 and isinstance(data, dict):
        done = await await_command(http, str(data["command_id"]))
        outcome = done.get("outcome") or {}
        if done.get("status") == "accepted" and isinstance(outcome.get("entity"), dict):
            return dict(outcome["entity"])
        raise RequestFailedError(f"POST {path} {json.dumps(body)} ended {done}")
    if status != wanted or not isinstance(data, dict):
        raise RequestFailedError(f"POST {path} {json.dumps(body)} answered {status}: {data}")
    return data


async def make_group(base_url: str, users: list[BenchUser]) -> str:
    """A group owned by the first user with every other one added by email; its id."""
    owner = users[0]
    async with session(base_url, owner.token, REQUEST_TIMEOUT_S) as http:
        group = await _write(http, "/v1/groups", {"name": "Bench group", "currency": CURRENCY}, 201)
        group_id = str(group["id"])
        for user in users[1:]:
            email = await _email_of(base_url, user)
            await _write(http, f"/v1/groups/{group_id}/members", {"email": email}, 200)
    return group_id


async def _email_of(base_url: str, user: BenchUser) -> str:
    async with session(base_url, user.token, REQUEST_TIMEOUT_S) as http:
        status, data = await call(http, "GET", "/v1/me")
        if status != 200 or not isinstance(data, dict):
            raise RequestFailedError(f"GET /v1/me answered {status}: {data}")
        return str(data["email"])


@dataclass
class Sent:
    """One expense request: its sample, the issuer's index and the bill's index."""

    sample: Sample
    user: int
    bill: int
    answered_at: float
    """Epoch seconds of the answer (to ask for the balances as they were at that moment)."""
    detail: str = ""


@dataclass
class LoadRun:
    sent: list[Sent] = field(default_factory=list)
    started: float = 0.0
    finished: float = 0.0


async def load_expenses(
    base_url: str,
    group_id: str,
    users: list[BenchUser],
    bodies: list[bytes],
    clients: int,
) -> LoadRun:
    """Every body POSTed once, by ``clients`` concurrent clients; client ``i`` is member
    ``i % members`` with their own token and keep-alive connection."""
    path = f"/v1/groups/{group_id}/expenses"
    run = LoadRun()
    upcoming = iter(range(len(bodies)))
    sessions = [
        session(base_url, users[i % len(users)].token, REQUEST_TIMEOUT_S) for i in range(clients)
    ]

    async def client(index: int) -> None:
        http = sessions[index]
        for bill in upcoming:
            start = time.perf_counter()
            status, command_id, detail = 0, None, ""
            try:
                async with http.post(path, data=bodies[bill], headers=JSON_HEADERS) as resp:
                    raw = await resp.read()
                    status = resp.status
                    command_id = resp.headers.get("X-Command-Id")
                    if status == 202:
                        command_id = json.loads(raw).get("command_id")
                    elif status != 201:
                        detail = raw.decode(errors="replace")[:500]
            except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                detail = f"{type(exc).__name__}: {exc}"
            sample = Sample(start, time.perf_counter(), status, command_id)
            run.sent.append(Sent(sample, index % len(users), bill, time.time(), detail))

    run.started = time.perf_counter()
    try:
        await asyncio.gather(*(client(i) for i in range(clients)))
    finally:
        run.finished = time.perf_counter()
        await asyncio.gather(*(s.close() for s in sessions))
    return run


async def settle_pending(base_url: str, users: list[BenchUser], run: LoadRun) -> dict[int, str]:
    """Wait for every 202 to be applied; each pending bill's final status."""
    pending = [s for s in run.sent if s.sample.status == 202 and s.sample.command_id]
    final: dict[int, str] = {}
    if not pending:
        return final
    sessions = {
        u: session(base_url, users[u].token, REQUEST_TIMEOUT_S) for u in {s.user for s in pending}
    }
    limit = asyncio.Semaphore(16)

    async def one(sent: Sent) -> None:
        async with limit:
            done = await await_command(sessions[sent.user], str(sent.sample.command_id))
            final[sent.bill] = str(done.get("status"))

    try:
        await asyncio.gather(*(one(s) for s in pending))
    finally:
        await asyncio.gather(*(s.close() for s in sessions.values()))
    return final


async def timed_gets(
    http: aiohttp.ClientSession, path: str, count: int, stop_on_error: bool = False
) -> tuple[list[float], list[Any], int, str | None, int]:
    """``count`` GETs one after another: latencies of the 200s, their bodies (first and last
    kept), errors, the first error and the size of a 200 answer. With ``stop_on_error``, the
    first error ends the series (a timed-out fold may still be running on the server, and
    asking again would only queue more behind it)."""
    latencies: list[float] = []
    kept: list[Any] = []
    errors, first_error, size = 0, None, 0
    for i in range(count):
        t0 = time.perf_counter()
        async with http.get(path) as resp:
            raw = await resp.read()
            status = resp.status
        elapsed = time.perf_counter() - t0
        if status == 200:
            latencies.append(elapsed)
            size = len(raw)
            if i in (0, count - 1):
                kept.append(json.loads(raw))
        else:
            errors += 1
            first_error = first_error or f"{status} {raw.decode(errors='replace')[:500]}"
            if stop_on_error:
                break
    return latencies, kept, errors, first_error, size


def nets_of(balances: dict[str, Any]) -> dict[tuple[str, str], Decimal]:
    return {(m["user_id"], m["currency"]): Decimal(m["net"]) for m in balances["members"]}


def zero_sum(balances: dict[str, Any]) -> bool:
    """Whether the members' nets add up to exactly zero in every currency."""
    totals: dict[str, Decimal] = {}
    for m in balances["members"]:
        totals[m["currency"]] = totals.get(m["currency"], Decimal(0)) + Decimal(m["net"])
    return all(total == 0 for total in totals.values())


def local_nets(bills: Sequence[Bill]) -> dict[tuple[str, str], Decimal]:
    tally = _fold([b.parts() for b in bills])
    return {(user, currency): net for user, currency, net in tally.member_nets()}


async def balances_as_of(
    http: aiohttp.ClientSession,
    path: str,
    moment: datetime,
    reads: int,
    current: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """``reads`` GETs of the balances at ``moment`` (ISO 8601 with its offset, URL-encoded):
    the splits actor folds the group's events up to then for each."""
    as_of = moment.astimezone().isoformat()
    lat, kept, errors, first_error, size = await timed_gets(
        http, f"{path}?as_of={quote(as_of, safe='')}", reads, stop_on_error=True
    )
    past = kept[-1] if kept else None
    return {
        "as_of": as_of,
        "requests": len(lat) + errors,
        "latency_ms": latency_summary(lat),
        "errors": errors,
        "first_error": first_error,
        "bytes": size,
        "events_folded": int(past["version"]) if past else None,
        "zero_sum": zero_sum(past) if past else None,
        "matches_current": (
            nets_of(past) == nets_of(current) if past is not None and current is not None else None
        ),
    }


def _load_figures(run: LoadRun, final: dict[int, str], applied_at: float) -> dict[str, Any]:
    duration = run.finished - run.started
    summary = window_summary([s.sample for s in run.sent], duration)
    failed = [s for s in run.sent if s.sample.status not in (201, 202)]
    later = Counter(final.values())
    applied_s = applied_at - run.started
    created = summary["created_201"] + later.get("accepted", 0)
    summary.update(
        requested=len(run.sent),
        duration_s=round(duration, 3),
        commands_per_s=round(summary["created_201"] / duration, 2) if duration > 0 else 0.0,
        pending_accepted=later.get("accepted", 0),
        pending_rejected=later.get("rejected", 0) + later.get("failed", 0),
        first_error=(f"{failed[0].sample.status} {failed[0].detail}" if failed else None),
        expenses_created=created,
        applied_s=round(applied_s, 3),
        applied_per_s=round(created / applied_s, 2) if applied_s > 0 else 0.0,
    )
    return summary


async def over_http(
    settings: Settings, o: GroupsBenchOptions, say: Callable[[str], None], log: TextIO
) -> dict[str, Any]:
    """Every end-to-end figure, on a stack of its own that is stopped whatever happens."""
    own = sampled_stack(settings, "groups", o.stack_log_level, ACTORS, log, say)
    async with own as (stack, sampler):
        return await _end_to_end(stack, o, say, sampler)


async def _end_to_end(
    stack: BenchStack, o: GroupsBenchOptions, say: Callable[[str], None], sampler: ProcessSampler
) -> dict[str, Any]:
    base = stack.base_url
    say(f"signing up {o.members} members")
    t0 = time.perf_counter()
    users = await sign_up_many(base, o.members)
    sign_up_s = time.perf_counter() - t0
    say(f"making a group of {o.members}")
    t0 = time.perf_counter()
    group_id = await make_group(base, users)
    group_s = time.perf_counter() - t0

    rng = Random(o.seed + 1)
    ids = [u.id for u in users]
    made = [expense_body(rng, ids, i) for i in range(o.expenses)]
    bodies = [json.dumps(body).encode() for body, _ in made]
    sampler.under_load = True
    say(f"adding {o.expenses:,} group expenses with {o.clients} concurrent clients")
    run = await load_expenses(base, group_id, users, bodies, o.clients)
    pending = sum(1 for s in run.sent if s.sample.status == 202)
    if pending:
        say(f"waiting for {pending} pending (202) expenses to be applied")
    final = await settle_pending(base, users, run)
    load = _load_figures(run, final, time.perf_counter())
    sampler.under_load = False
    sampler.sample()
    accepted = {s.bill for s in run.sent if s.sample.status == 201}
    accepted |= {bill for bill, status in final.items() if status == "accepted"}

    owner, member = users[0], users[-1]
    path = f"/v1/groups/{group_id}/balances"
    async with session(base, owner.token, REQUEST_TIMEOUT_S) as http:
        status, stats = await call(http, "GET", f"/v1/groups/{group_id}/stats")
        in_group = int(stats["expenses"]) if status == 200 and isinstance(stats, dict) else -1

        say(f"reading the group's balances {o.balance_reads} times")
        latencies, kept, errors, first_error, size = await timed_gets(http, path, o.balance_reads)
        if not kept:
            raise RequestFailedError(f"GET {path} never answered 200: {first_error}")
        current = kept[-1]
        expected = local_nets([made[i][1] for i in sorted(accepted)])
        balances = {
            "requests": o.balance_reads,
            "latency_ms": latency_summary(latencies),
            "errors": errors,
            "first_error": first_error,
            "bytes": size,
            "members": len(current["members"]),
            "debts": len(current["debts"]),
            "plan": len(current["plan"]),
            "version": int(current["version"]),
            "zero_sum": zero_sum(current),
            "matches_local": nets_of(current) == expected,
        }

    say("explaining one member's balance")
    async with session(base, member.token, REQUEST_TIMEOUT_S) as http:
        explain_path = f"{path}/{member.id}/explain?limit=200"
        t0 = time.perf_counter()
        status, explained = await call(http, "GET", explain_path)
        explain = {
            "ms": _ms(time.perf_counter() - t0),
            "status": status,
            "items": len(explained["items"])
            if status == 200 and isinstance(explained, dict)
            else 0,
            "error": None if status == 200 else f"{status} {str(explained)[:500]}",
        }

    # Last: a fold that outlives the edge's wait keeps the splits actor busy after the 503.
    answered = sorted(s.answered_at for s in run.sent if s.sample.status == 201)
    earlier: list[dict[str, Any]] = []
    async with session(base, owner.token, REQUEST_TIMEOUT_S) as http:
        for fraction in AS_OF_FRACTIONS:
            if len(answered) < 10:
                break
            moment = datetime.fromtimestamp(answered[int(fraction * len(answered)) - 1], UTC)
            say(f"balances as of {fraction:.0%} of the load, {o.as_of_reads} times")
            point = await balances_as_of(http, path, moment, o.as_of_reads)
            earlier.append({"fraction": fraction, **point})
        say(f"balances as of now, folded from the event log, {o.as_of_reads} times")
        as_of_now = await balances_as_of(http, path, datetime.now(UTC), o.as_of_reads, current)

    return {
        "members": o.members,
        "clients": o.clients,
        "group_id": group_id,
        "sign_up_s": round(sign_up_s, 3),
        "group_setup_s": round(group_s, 3),
        "load": load,
        "expenses_requested": o.expenses,
        "expenses_created": load["expenses_created"],
        "expenses_in_group": in_group,
        "balances": balances,
        "balances_as_of": as_of_now,
        "balances_as_of_earlier": earlier,
        "explain": explain,
        "memory_peak_mb": sampler.peak_mb(),
        "memory_peak_under_load_mb": sampler.peak_mb(under_load=True),
    }


# --- the run and its report --------------------------------------------------------------------


async def run_groups(settings: Settings, o: GroupsBenchOptions, out: TextIO) -> dict[str, Any]:
    """Every figure of one run."""
    began = time.monotonic()
    say = progress(out)
    figures: dict[str, Any] = {
        **run_header("groups", o),
        "in_process": await asyncio.to_thread(in_process, o, say),
    }
    if o.http:
        log_path = log_path_of("groups", o.log_path)
        with log_path.open("w", buffering=1) as log:
            figures["http"] = await over_http(settings, o, say, log)
        figures["zero_sum"] = figures["http"]["balances"]["zero_sum"]
        figures["log_file"] = str(log_path)
    figures["elapsed_s"] = round(time.monotonic() - began, 1)
    return figures


def _pct(latency: dict[str, float] | None, key: str) -> str:
    return f"{key} {latency[key]:.1f} ms" if latency else f"{key} - ms"


def _row(label: str, figure: str, note: str = "") -> str:
    return f"  {label:<52} {figure:>13}" + (f"   {note}" if note else "")


def render(f: dict[str, Any]) -> str:
    """The figures as lines a person reads (the JSON holds the same and more)."""
    o, m, p = f["options"], f["machine"], f["in_process"]
    methods = ", ".join(f"{k} {v}" for k, v in p["methods"].items())
    lines = [
        "",
        "ledgerbus bench groups" + (" (--quick)" if o["quick"] else ""),
        machine_line(m),
        "",
        f"in process: {p['bills']:,} bills over {p['members']} members ({methods})",
        _row(
            "split every bill (shares.parts)",
            f"{p['split_ms']:.1f} ms",
            f"{p['split_per_s']:,.0f} bills/s",
        ),
        _row(
            f"fold into a tally (Tally.add x {p['bills']:,})",
            f"{p['fold_ms']:.1f} ms",
            f"{p['fold_per_bill_us']:.0f} µs a bill",
        ),
        _row(f"debts() ({p['debts']} pairs)", f"{p['debts_ms']:.2f} ms"),
        _row(
            f"plan() {p['plan_method']} ({p['plan_members']} members, "
            f"{p['plan_transfers']} transfers)",
            f"{p['plan_ms']:.2f} ms",
        ),
        _row(
            f"plan() exact, a tally of {p['plan_exact_members']} ("
            f"{p['plan_exact_transfers']} transfers)",
            f"{p['plan_exact_ms']:.2f} ms",
        ),
        _row(
            "to_data() + from_data() round trip",
            f"{p['round_trip_ms']:.2f} ms",
            f"{p['to_data_ms']:.2f} + {p['from_data_ms']:.2f}; {p['tally_json_bytes']:,} bytes "
            f"of JSON; equal after: {yes_no(p['round_trip_equal'])}",
        ),
        _row(
            f"one more bill (Tally.add, {p['adds']} times)",
            f"p50 {p['add_us']['p50']:.0f} µs",
            f"p99 {p['add_us']['p99']:.0f} µs",
        ),
        _row(
            f"stored-tally update per command ({p['update_cycles']} times)",
            _pct(p["update_cycle_ms"], "p50"),
            _pct(p["update_cycle_ms"], "p99") + "   (from_data, add, debts, plan, to_data)",
        ),
        _row(
            f"replay {p['replay_events']:,} events (history.replay)",
            f"{p['replay_ms']:.1f} ms",
            f"same tally as the fold: {yes_no(p['replay_matches'])}",
        ),
        _row("peak RSS of this process", f"{p['process_peak_rss_mb']:.1f} MiB"),
    ]
    if "http" in f:
        lines += _render_http(f)
    lines += [f"  took {f.get('elapsed_s', 0):.0f} s", ""]
    return "\n".join(lines)


def _render_http(f: dict[str, Any]) -> list[str]:
    h = f["http"]
    load, bal, past, ex = h["load"], h["balances"], h["balances_as_of"], h["explain"]
    db = "on SecantusDB"
    lines = [
        "",
        f"end to end ({db}; edge, NATS JetStream, accounts and splits actors): "
        f"{h['members']} members signed up in {h['sign_up_s']:.1f} s, group made in "
        f"{h['group_setup_s']:.1f} s",
        _row(
            f"add group expenses ({load['requested']:,}, {h['clients']} clients)",
            f"{load['commands_per_s']:.1f} cmd/s",
            f"{p50_p99(load['latency_ms'])}  202={load['pending_202']} err={load['errors']}  ({db})",
        ),
        f"    created {h['expenses_created']:,} of {h['expenses_requested']:,} "
        f"(201: {load['created_201']}, 202 applied later: {load['pending_accepted']}, "
        f"rejected: {load['pending_rejected']}); all applied after {load['applied_s']:.1f} s "
        f"= {load['applied_per_s']:.1f}/s; the group's stats count {h['expenses_in_group']:,}",
    ]
    if load.get("first_error"):
        lines.append(f"    first error: {load['first_error']}")
    lines += [
        _row(
            f"GET balances ({bal['requests']} reads of the running balances)",
            _pct(bal["latency_ms"], "p50"),
            f"{_pct(bal['latency_ms'], 'p99')}  errors {bal['errors']}  "
            f"{bal['bytes']:,} bytes  ({db})",
        ),
        f"    {bal['members']} nets, {bal['debts']} debts, {bal['plan']} transfers in the plan; "
        f"zero_sum: {yes_no(bal['zero_sum'])}; matches a local fold: {yes_no(bal['matches_local'])}",
    ]
    if bal.get("first_error"):
        lines.append(f"    first error: {bal['first_error']}")
    lines += [
        _row(
            f"GET balances?as_of=now ({past['requests']} reads, log folded)",
            _pct(past["latency_ms"], "p50"),
            f"{_pct(past['latency_ms'], 'p99')}  errors {past['errors']}  ({db})",
        ),
        f"    {past['events_folded']} events folded by the splits actor; "
        f"same nets as the running balances: {yes_no(past['matches_current'])}",
    ]
    if past.get("first_error"):
        lines.append(f"    first error: {past['first_error']}")
    for point in h.get("balances_as_of_earlier", []):
        lines.append(
            _row(
                f"  as_of at {point['fraction']:.0%} of the load ({point['requests']} reads)",
                _pct(point["latency_ms"], "p50"),
                f"{_pct(point['latency_ms'], 'p99')}  errors {point['errors']}  "
                f"{point['events_folded']} events folded  ({db})",
            )
        )
        if point.get("first_error"):
            lines.append(f"      first error: {point['first_error']}")
    lines.append(
        _row(
            "GET balances/{user}/explain?limit=200 (once)",
            f"{ex['ms']:.1f} ms",
            f"status {ex['status']}, {ex['items']} items  ({db})",
        )
    )
    if ex.get("error"):
        lines.append(f"    error: {ex['error']}")
    lines += process_rows(h["memory_peak_mb"], h["memory_peak_under_load_mb"], "under load")
    lines += [
        "",
        f"  zero_sum: {yes_no(f['zero_sum'])}",
        f"  database  {f['database']}",
        f"  children's output: {f['log_file']}",
    ]
    return lines
