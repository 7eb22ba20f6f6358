"""``ledgerbus bench sync``: offline sync end to end, on an embedded stack of its own.

The stack is NATS, SecantusDB, the edge (HTTP and Socket.IO on one port), and the accounts and
expenses actors. Users sign up; then three figures are taken:

1. Batches of commands (``POST /v1/sync/commands``): every user is one client sending its
   batches of ``expense.create`` one after another, all users at once; then one device alone
   sending its batches in sequence (a batch applies its commands one after another). A batch
   with a ``pending`` or ``deferred`` result (or an HTTP error) is sent again afterwards, as a
   device would, until every command has its outcome; the rate is of the first pass.
2. The change feed (``GET /v1/sync/changes``, pages of 1,000): the lone device's feed read from
   0 by one reader, then several readers at once, each reading its own user's feed from 0 as
   many times as it takes to read about as many events; and ``GET /v1/sync/heads``.
3. Catch-up: a python-socketio client of the lone device connects and calls ``sync.resume``
   from 0; the time until the ack and until the last event arrived, and whether the seqs
   received are exactly 1..head, each once.

Nothing is asserted: figures are printed (and written as JSON), speed is never judged.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

import aiohttp
import socketio

from bus.settings import Settings
from bus.sync import MAX_BATCH
from deploy.bench.devices import connect_device, disconnect_device
from deploy.bench.flags import log_path_of, options_from_flags
from deploy.bench.http import JSON_HEADERS, RequestFailedError, session
from deploy.bench.memory import ProcessSampler, own_peak_rss_mb
from deploy.bench.report import progress, report_bench, run_header
from deploy.bench.stackrun import WRITE_LIMITS, sampled_stack
from deploy.bench.stats import latency_summary, rate
from deploy.bench.table import machine_line, p50_p99, process_rows, yes_no
from deploy.bench.users import BenchUser, sign_up_many

ACTORS = ["accounts", "expenses"]
"""Sign-up and sign-in (accounts), and the expenses that are synced (expenses)."""

STATUSES = ("accepted", "rejected", "pending", "deferred")
PAGE_LIMIT = 1000
REQUEST_TIMEOUT_S = 300.0
RESEND_ROUNDS = 30
RESEND_PAUSE_S = 0.5
RESUME_TIMEOUT_S = 600.0
ARRIVAL_WAIT_S = 60.0


@dataclass(frozen=True)
class SyncBenchOptions:
    """Every figure the benchmark can be told; defaults are the full run."""

    users: int = 20
    commands: int = 10_000
    batch: int = MAX_BATCH
    single_commands: int = 10_000
    readers: int = 8
    feed_reads: int = 3
    heads_reads: int = 100
    stack_log_level: str = "WARNING"
    json_path: Path | None = None
    log_path: Path | None = None
    quick: bool = False

    def shrunk(self) -> SyncBenchOptions:
        """The ``--quick`` variant: 5 users, 500 commands each way, a 500-event catch-up."""
        return replace(
            self,
            users=5,
            commands=500,
            single_commands=500,
            readers=4,
            feed_reads=2,
            heads_reads=20,
            quick=True,
        )


# --- command line ------------------------------------------------------------------------------


def options_from(args: argparse.Namespace) -> SyncBenchOptions:
    """Options from parsed flags: ``--quick`` shrinks the defaults, given flags win."""
    options = options_from_flags(
        SyncBenchOptions(), args, "users", "commands", "batch", "single_commands", "readers"
    )
    return replace(
        options,
        users=max(1, options.users),
        commands=max(1, options.commands),
        batch=min(MAX_BATCH, max(1, options.batch)),
        single_commands=max(1, options.single_commands),
        readers=min(max(1, options.readers), max(1, options.users)),
    )


def run_cli(args: argparse.Namespace, settings: Settings) -> int:
    """Run the benchmark from parsed flags; 0 when it completed (speed is never judged)."""
    return report_bench("sync", options_from(args), run_sync, render, settings)


# --- batches of commands -----------------------------------------------------------------------


def create_command(index: int) -> dict[str, Any]:
    """One offline ``expense.create`` with the device's own command id."""
    return {
        "command_id": str(uuid.uuid4()),
        "type": "expense.create",
        "payload": {
            "id": str(uuid.uuid4()),
            "amount": f"{1 + index % 500}.{index % 100:02d}",
            "currency": "EUR",
            "date": "2026-11-20",
            "description": f"bench sync {index}",
        },
    }


@dataclass
class Batch:
    """One batch of one user: its body, and how the first pass and the last answer went."""

    user: int
    body: bytes
    size: int
    latency_s: float = 0.0
    http_status: int = 0
    first: list[str] = field(default_factory=list)
    final: list[str] = field(default_factory=list)
    detail: str = ""
    rejection: dict[str, Any] | None = None

    @property
    def settled(self) -> bool:
        return self.http_status == 200 and all(s in ("accepted", "rejected") for s in self.final)


def make_batches(users: int, commands: int, size: int, first_user: int = 0) -> list[Batch]:
    """``commands`` creates in batches of ``size``, dealt to the users in turn."""
    batches: list[Batch] = []
    for n, start in enumerate(range(0, commands, size)):
        items = [create_command(i) for i in range(start, min(commands, start + size))]
        body = json.dumps({"commands": items}).encode()
        batches.append(Batch(first_user + n % users, body, len(items)))
    return batches


async def post_batch(http: aiohttp.ClientSession, batch: Batch) -> tuple[list[str], float]:
    """POST the batch once: the status of each result (empty on an HTTP error), and the time."""
    t0 = time.perf_counter()
    try:
        async with http.post("/v1/sync/commands", data=batch.body, headers=JSON_HEADERS) as resp:
            raw = await resp.read()
            batch.http_status = resp.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        batch.http_status = 0
        batch.detail = f"{type(exc).__name__}: {exc}"[:500]
        return [], time.perf_counter() - t0
    elapsed = time.perf_counter() - t0
    if batch.http_status != 200:
        batch.detail = f"{batch.http_status} {raw.decode(errors='replace')[:500]}"
        return [], elapsed
    results = json.loads(raw)["results"]
    for result in results:
        if result.get("status") == "rejected" and batch.rejection is None:
            batch.rejection = result
    return [str(r.get("status")) for r in results], elapsed


async def send_batches(
    base_url: str, users: list[BenchUser], batches: list[Batch]
) -> tuple[float, float]:
    """Every user is one client sending its own batches one after another, all at once; the
    first pass's start and end (``time.perf_counter``)."""
    mine: dict[int, list[Batch]] = {}
    for batch in batches:
        mine.setdefault(batch.user, []).append(batch)
    sessions = {u: session(base_url, users[u].token, REQUEST_TIMEOUT_S) for u in mine}

    async def client(user: int) -> None:
        for batch in mine[user]:
            batch.first, batch.latency_s = await post_batch(sessions[user], batch)
            batch.final = list(batch.first)

    started = time.perf_counter()
    try:
        await asyncio.gather(*(client(u) for u in mine))
    finally:
        finished = time.perf_counter()
        await asyncio.gather(*(s.close() for s in sessions.values()))
    return started, finished


async def settle(base_url: str, users: list[BenchUser], batches: list[Batch]) -> tuple[int, int]:
    """Send again every batch with a pending or deferred result (or an HTTP error) until each
    command has its outcome; the batches sent again, and the rounds it took."""
    unsettled = [b for b in batches if not b.settled]
    resent, rounds = len(unsettled), 0
    sessions = {
        u: session(base_url, users[u].token, REQUEST_TIMEOUT_S) for u in {b.user for b in unsettled}
    }
    try:
        while unsettled and rounds < RESEND_ROUNDS:
            rounds += 1
            await asyncio.sleep(RESEND_PAUSE_S)
            for batch in unsettled:
                batch.final, _ = await post_batch(sessions[batch.user], batch)
            unsettled = [b for b in unsettled if not b.settled]
    finally:
        await asyncio.gather(*(s.close() for s in sessions.values()))
    return resent, rounds


async def batch_phase(
    base_url: str, users: list[BenchUser], batches: list[Batch]
) -> dict[str, Any]:
    """Send the batches, settle what is left, and the figures of both."""
    started, finished = await send_batches(base_url, users, batches)
    resent, rounds = await settle(base_url, users, batches)
    settled_s = time.perf_counter() - started
    duration = finished - started
    first = Counter(s for b in batches for s in b.first)
    final = Counter(s for b in batches for s in b.final)
    answered = [b for b in batches if b.first]
    failed = [b for b in batches if not b.first]
    statuses = Counter(str(b.http_status) for b in failed)
    latency = latency_summary(b.latency_s for b in answered)
    sizes = sorted({b.size for b in batches})
    commands = sum(b.size for b in batches)
    rejection = next((b.rejection for b in batches if b.rejection is not None), None)
    return {
        "clients": len({b.user for b in batches}),
        "batches": len(batches),
        "batch_size": sizes[-1],
        "commands": commands,
        "duration_s": round(duration, 3),
        "commands_per_s": rate(first.get("accepted", 0), duration),
        "batches_per_s": rate(len(answered), duration),
        "latency_ms": latency,
        "per_command_ms_p50": (
            round(latency["p50"] / sizes[-1], 3) if latency is not None else None
        ),
        **{status: first.get(status, 0) for status in STATUSES},
        "other_statuses": {k: v for k, v in first.items() if k not in STATUSES},
        "http_errors": len(failed),
        "http_error_statuses": dict(sorted(statuses.items())),
        "first_error": (
            f"POST /v1/sync/commands (a batch of {failed[0].size}) answered {failed[0].detail}"
            if failed
            else None
        ),
        "first_rejection": rejection,
        "resent_batches": resent,
        "resend_rounds": rounds,
        "unsettled_batches": sum(1 for b in batches if not b.settled),
        "settled_s": round(settled_s, 3),
        "final": {status: final.get(status, 0) for status in STATUSES},
        "accepted_total": final.get("accepted", 0),
    }


# --- the change feed ---------------------------------------------------------------------------


@dataclass
class FeedRead:
    """Pages read from change feeds: their latencies, events, sizes and errors."""

    pages: list[float] = field(default_factory=list)
    events: int = 0
    bytes: int = 0
    errors: int = 0
    first_error: str | None = None
    gapless: bool = True


async def read_feed(http: aiohttp.ClientSession, scope: str, head: int, into: FeedRead) -> None:
    """Read ``scope`` from 0 up to ``head`` in pages of ``PAGE_LIMIT``, checking the seqs."""
    after = 0
    while after < head:
        path = f"/v1/sync/changes?scope={quote(scope)}&after={after}&limit={PAGE_LIMIT}"
        t0 = time.perf_counter()
        async with http.get(path) as resp:
            raw = await resp.read()
            status = resp.status
        elapsed = time.perf_counter() - t0
        if status != 200:
            into.errors += 1
            into.first_error = into.first_error or (
                f"GET {path} answered {status} {raw.decode(errors='replace')[:500]}"
            )
            return
        page = json.loads(raw)
        events = page["events"]
        if not events:
            into.gapless = False  # the head said there was more
            return
        into.pages.append(elapsed)
        into.events += len(events)
        into.bytes += len(raw)
        seqs = [e["seq"] for e in events]
        if seqs != list(range(after + 1, after + 1 + len(seqs))):
            into.gapless = False
        after = int(page["next_after"])


def feed_figures(read: FeedRead, duration: float) -> dict[str, Any]:
    return {
        "events": read.events,
        "pages": len(read.pages),
        "page_limit": PAGE_LIMIT,
        "duration_s": round(duration, 3),
        "events_per_s": rate(read.events, duration),
        "page_latency_ms": latency_summary(read.pages),
        "bytes_per_page": round(read.bytes / len(read.pages)) if read.pages else 0,
        "errors": read.errors,
        "first_error": read.first_error,
        "gapless": read.gapless,
    }


async def heads_of(base_url: str, user: BenchUser) -> dict[str, int]:
    async with (
        session(base_url, user.token, REQUEST_TIMEOUT_S) as http,
        http.get("/v1/sync/heads") as resp,
    ):
        data = await resp.json(content_type=None)
        if resp.status != 200 or not isinstance(data, dict):
            raise RequestFailedError(f"GET /v1/sync/heads answered {resp.status}: {data}")
        return {str(k): int(v) for k, v in data["scopes"].items()}


async def single_reader(base_url: str, user: BenchUser, head: int, times: int) -> dict[str, Any]:
    """One reader reads the user's own feed from 0, ``times`` times in a row."""
    scope = f"user:{user.id}"
    read = FeedRead()
    async with session(base_url, user.token, REQUEST_TIMEOUT_S) as http:
        t0 = time.perf_counter()
        for _ in range(times):
            await read_feed(http, scope, head, read)
        duration = time.perf_counter() - t0
    return {
        "readers": 1,
        "head": head,
        "reads": times,
        "reads_each": times,
        **feed_figures(read, duration),
    }


async def many_readers(
    base_url: str, readers: list[BenchUser], heads: list[int], target: int
) -> dict[str, Any]:
    """Every reader reads its own user's feed from 0, all at once, as many times as it takes
    to read about ``target`` events."""
    reads = [max(1, round(target / head)) if head else 1 for head in heads]
    read = FeedRead()
    sessions = [session(base_url, u.token, REQUEST_TIMEOUT_S) for u in readers]

    async def reader(i: int) -> None:
        for _ in range(reads[i]):
            await read_feed(sessions[i], f"user:{readers[i].id}", heads[i], read)

    try:
        t0 = time.perf_counter()
        await asyncio.gather(*(reader(i) for i in range(len(readers))))
        duration = time.perf_counter() - t0
    finally:
        await asyncio.gather(*(s.close() for s in sessions))
    return {
        "readers": len(readers),
        "head": round(sum(heads) / len(heads)) if heads else 0,
        "reads": sum(reads),
        "reads_each": round(sum(reads) / len(reads)) if reads else 0,
        **feed_figures(read, duration),
    }


async def heads_reads(base_url: str, user: BenchUser, count: int) -> dict[str, Any]:
    """``GET /v1/sync/heads`` ``count`` times in a row."""
    latencies: list[float] = []
    errors, first_error, scopes = 0, None, 0
    async with session(base_url, user.token, REQUEST_TIMEOUT_S) as http:
        for _ in range(count):
            t0 = time.perf_counter()
            async with http.get("/v1/sync/heads") as resp:
                raw = await resp.read()
                status = resp.status
            elapsed = time.perf_counter() - t0
            if status == 200:
                latencies.append(elapsed)
                scopes = len(json.loads(raw)["scopes"])
            else:
                errors += 1
                first_error = first_error or (
                    f"GET /v1/sync/heads answered {status} {raw.decode(errors='replace')[:500]}"
                )
    return {
        "requests": count,
        "latency_ms": latency_summary(latencies),
        "scopes": scopes,
        "errors": errors,
        "first_error": first_error,
    }


# --- catch-up over Socket.IO -------------------------------------------------------------------


async def catch_up(base_url: str, user: BenchUser, head: int) -> dict[str, Any]:
    """A device of ``user`` connects and resumes its own scope from 0 (see the docstring)."""
    scope = f"user:{user.id}"
    arrivals: list[tuple[int, float]] = []
    target = head
    enough = asyncio.Event()

    async def on_any(_event: str, data: Any = None) -> None:
        if isinstance(data, dict) and data.get("scope") == scope and "seq" in data:
            arrivals.append((int(data["seq"]), time.perf_counter()))
            if len(arrivals) >= target:
                enough.set()

    client = socketio.AsyncClient(reconnection=False)
    client.on("*", on_any)
    t0 = time.perf_counter()
    await connect_device(client, base_url, user.token)
    connect_s = time.perf_counter() - t0
    try:
        called = time.perf_counter()
        ack = await client.call("sync.resume", {"scopes": {scope: 0}}, timeout=RESUME_TIMEOUT_S)
        acked = time.perf_counter()
        ack_scopes = ack.get("scopes") if isinstance(ack, dict) else None
        last = ack_scopes.get(scope) if isinstance(ack_scopes, dict) else None
        if isinstance(last, int):
            target = last
        if len(arrivals) >= target:
            enough.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(enough.wait(), ARRIVAL_WAIT_S)
        await asyncio.sleep(0.2)  # a late duplicate would show up now
    finally:
        await disconnect_device(client)
    seqs = [seq for seq, _ in arrivals]
    expected = list(range(1, target + 1))
    last_at = max((at for _, at in arrivals), default=acked)
    first_at = min((at for _, at in arrivals), default=acked)
    last_event_s = last_at - called
    return {
        "head": head,
        "ack_status": ack.get("status") if isinstance(ack, dict) else None,
        "ack": ack if not isinstance(ack, dict) or ack.get("status") != "done" else None,
        "ack_last_seq": last,
        "received": len(seqs),
        "connect_ms": round(connect_s * 1000.0, 1),
        "first_event_ms": round((first_at - called) * 1000.0, 1),
        "ack_s": round(acked - called, 3),
        "last_event_s": round(last_event_s, 3),
        "events_per_s": rate(len(seqs), last_event_s),
        "gapless": sorted(seqs) == expected and target == head,
        "in_order": seqs == sorted(seqs),
        "duplicates": len(seqs) - len(set(seqs)),
        "missing": len(set(expected) - set(seqs)),
        "unexpected": len(set(seqs) - set(expected)),
    }


# --- the run and its report --------------------------------------------------------------------


async def over_http(
    settings: Settings, o: SyncBenchOptions, say: Callable[[str], None], log: TextIO
) -> dict[str, Any]:
    """Every figure, on a stack of its own that is stopped whatever happens."""
    own = sampled_stack(settings, "sync", o.stack_log_level, ACTORS, log, say, WRITE_LIMITS)
    async with own as (stack, sampler):
        return await _measure(stack.base_url, o, say, sampler)


async def _measure(
    base: str, o: SyncBenchOptions, say: Callable[[str], None], sampler: ProcessSampler
) -> dict[str, Any]:
    say(f"signing up {o.users + 1} users")
    t0 = time.perf_counter()
    users = await sign_up_many(base, o.users + 1)
    sign_up_s = time.perf_counter() - t0
    device = users[-1]  # the lone device: sequential batches, the long feed, the catch-up

    many = make_batches(o.users, o.commands, o.batch)
    alone = make_batches(1, o.single_commands, o.batch, first_user=o.users)
    sampler.under_load = True
    say(f"{o.users} clients sending {o.commands:,} commands in {len(many)} batches of {o.batch}")
    concurrent = await batch_phase(base, users, many)
    say(f"one device sending {o.single_commands:,} commands in {len(alone)} sequential batches")
    single = await batch_phase(base, users, alone)
    sampler.under_load = False
    sampler.sample()

    device_head = (await heads_of(base, device))[f"user:{device.id}"]
    say(f"reading a feed of {device_head:,} events from 0, {o.feed_reads} times")
    feed_one = await single_reader(base, device, device_head, o.feed_reads)
    readers = users[: o.readers]
    reader_heads = [(await heads_of(base, u))[f"user:{u.id}"] for u in readers]
    say(f"{len(readers)} readers reading their own feeds at once")
    feed_many = await many_readers(base, readers, reader_heads, device_head)
    say(f"GET /v1/sync/heads {o.heads_reads} times")
    heads = await heads_reads(base, device, o.heads_reads)

    say(f"a device that missed {device_head:,} events resumes over Socket.IO from 0")
    resumed = await catch_up(base, device, device_head)
    sampler.sample()
    return {
        "users": o.users + 1,
        "sign_up_s": round(sign_up_s, 3),
        "write_limits": dict(WRITE_LIMITS),
        "batches_concurrent": concurrent,
        "batches_single": single,
        "feed_single": feed_one,
        "feed_concurrent": feed_many,
        "heads": heads,
        "catch_up": resumed,
        "memory_peak_mb": sampler.peak_mb(),
        "memory_peak_under_load_mb": sampler.peak_mb(under_load=True),
    }


async def run_sync(settings: Settings, o: SyncBenchOptions, out: TextIO) -> dict[str, Any]:
    """Every figure of one run."""
    began = time.monotonic()
    say = progress(out)
    figures = run_header("sync", o)
    log_path = log_path_of("sync", o.log_path)
    with log_path.open("w", buffering=1) as log:
        figures["http"] = await over_http(settings, o, say, log)
    figures["process_peak_rss_mb"] = own_peak_rss_mb()
    figures["gapless"] = figures["http"]["catch_up"]["gapless"]
    figures["log_file"] = str(log_path)
    figures["elapsed_s"] = round(time.monotonic() - began, 1)
    return figures


def _row(label: str, figure: str, note: str = "") -> str:
    return f"  {label:<50} {figure:>16}" + (f"   {note}" if note else "")


def _batch_lines(label: str, b: dict[str, Any]) -> list[str]:
    final = b["final"]
    lines = [
        _row(
            label,
            f"{b['commands_per_s']:,.1f} cmd/s",
            f"{b['batches_per_s']:.2f} batches/s  {p50_p99(b['latency_ms'], ' a batch')}",
        ),
        f"    first pass in {b['duration_s']:.1f} s: accepted {b['accepted']:,}, rejected "
        f"{b['rejected']}, pending {b['pending']}, deferred {b['deferred']}; HTTP errors "
        f"{b['http_errors']}; {b['per_command_ms_p50'] or 0:.2f} ms a command within a batch (p50)",
        f"    {b['resent_batches']} batches sent again ({b['resend_rounds']} rounds); "
        f"{final['accepted']:,} of {b['commands']:,} accepted after {b['settled_s']:.1f} s"
        + (f"; {b['unsettled_batches']} batches still unsettled" if b["unsettled_batches"] else ""),
    ]
    if b["first_error"]:
        lines.append(f"    first error: {b['first_error']}")
    if b["first_rejection"]:
        lines.append(f"    first rejection: {json.dumps(b['first_rejection'])[:500]}")
    return lines


def _feed_line(label: str, r: dict[str, Any]) -> list[str]:
    lines = [
        _row(
            label,
            f"{r['events_per_s']:,.0f} events/s",
            f"{p50_p99(r['page_latency_ms'], ' a page')}  {r['pages']} pages, "
            f"{r['bytes_per_page']:,} bytes each, errors {r['errors']}, "
            f"gapless: {yes_no(r['gapless'])}",
        )
    ]
    if r["first_error"]:
        lines.append(f"    first error: {r['first_error']}")
    return lines


def render(f: dict[str, Any]) -> str:
    """The figures as lines a person reads (the JSON holds the same and more)."""
    o, m, h = f["options"], f["machine"], f["http"]
    db = "on SecantusDB"
    limits = h["write_limits"]
    many, one = h["batches_concurrent"], h["batches_single"]
    fone, fmany, heads, c = h["feed_single"], h["feed_concurrent"], h["heads"], h["catch_up"]
    lines = [
        "",
        "ledgerbus bench sync" + (" (--quick)" if o["quick"] else ""),
        machine_line(m),
        "  stack     edge (HTTP and Socket.IO on one port), NATS JetStream, accounts and "
        "expenses actors",
        f"  writes    per user {limits['LEDGERBUS_WRITES_PER_USER_S']}/s, burst "
        f"{limits['LEDGERBUS_WRITES_BURST']} (set for this run, so the limiter never answers)",
        f"  {h['users']} users signed up in {h['sign_up_s']:.1f} s",
        "",
        f"batches of expense.create: POST /v1/sync/commands ({db})",
        *_batch_lines(
            f"{many['clients']} clients, {many['batches']} batches of {many['batch_size']}", many
        ),
        *_batch_lines(f"1 device, {one['batches']} sequential batches of {one['batch_size']}", one),
        "",
        f"change feed: GET /v1/sync/changes?limit={fone['page_limit']} from 0 ({db})",
        *_feed_line(f"1 reader, a feed of {fone['head']:,} events (x{fone['reads_each']})", fone),
        *_feed_line(
            f"{fmany['readers']} readers at once, own feeds of ~{fmany['head']:,} "
            f"(x{fmany['reads_each']})",
            fmany,
        ),
        _row(
            f"GET /v1/sync/heads ({heads['requests']} times, {heads['scopes']} "
            f"scope{'s' if heads['scopes'] != 1 else ''} each)",
            f"p50 {heads['latency_ms']['p50']:.1f} ms" if heads["latency_ms"] else "-",
            f"p99 {heads['latency_ms']['p99']:.1f} ms" if heads["latency_ms"] else "",
        )
        + f"  errors {heads['errors']}  ({db})",
        "",
        f"catch-up over Socket.IO: sync.resume from 0 by a device that missed {c['head']:,} "
        f"events ({db})",
        _row("until the ack", f"{c['ack_s']:.2f} s", f"ack status {c['ack_status']}"),
        _row(
            "until the last event arrived",
            f"{c['last_event_s']:.2f} s",
            f"{c['events_per_s']:,.0f} events/s; first event after {c['first_event_ms']:.0f} ms; "
            f"connect {c['connect_ms']:.0f} ms",
        ),
        f"    received {c['received']:,} of head {c['head']:,}: gapless: {yes_no(c['gapless'])} "
        f"(in order: {yes_no(c['in_order'])}, duplicates {c['duplicates']}, missing "
        f"{c['missing']}, unexpected {c['unexpected']})",
    ]
    if c["ack"] is not None:
        lines.append(f"    ack: {json.dumps(c['ack'])[:500]}")
    lines += process_rows(h["memory_peak_mb"], h["memory_peak_under_load_mb"], "under load")
    lines += [
        f"  {'bench (this process)':<20} {f['process_peak_rss_mb']:>12.1f}",
        "  ('under load': while the batches were sent)",
        "",
        f"  gapless: {yes_no(f['gapless'])}",
        f"  database  {f['database']}",
        f"  children's output: {f['log_file']}",
        f"  took {f.get('elapsed_s', 0):.0f} s",
        "",
    ]
    return "\n".join(lines)
