"""Batches of offline ``expense.create`` commands (``POST /v1/sync/commands``): every user is
one client sending its batches one after another, all users at once. A batch with a ``pending``
or ``deferred`` result (or an HTTP error) is sent again afterwards, as a device would, until
every command has its outcome; the rate is of the first pass."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import aiohttp

from deploy.bench.http import JSON_HEADERS, session
from deploy.bench.stats import latency_summary, rate
from deploy.bench.sync.results import BatchFigures, JsonObject, StatusCounts
from deploy.bench.users import BenchUser

STATUSES = ("accepted", "rejected", "pending", "deferred")
REQUEST_TIMEOUT_S = 300.0
RESEND_ROUNDS = 30
RESEND_PAUSE_S = 0.5


def create_command(index: int) -> JsonObject:
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
    rejection: JsonObject | None = None

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
    results: list[JsonObject] = json.loads(raw)["results"]
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


def counts(statuses: Counter[str]) -> StatusCounts:
    """The four statuses of :data:`STATUSES` out of ``statuses``."""
    return StatusCounts(*(statuses.get(status, 0) for status in STATUSES))


async def batch_phase(base_url: str, users: list[BenchUser], batches: list[Batch]) -> BatchFigures:
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
    size = max(b.size for b in batches)
    first_counts = counts(first)
    return BatchFigures(
        clients=len({b.user for b in batches}),
        batches=len(batches),
        batch_size=size,
        commands=sum(b.size for b in batches),
        duration_s=round(duration, 3),
        commands_per_s=rate(first.get("accepted", 0), duration),
        batches_per_s=rate(len(answered), duration),
        latency_ms=latency,
        per_command_ms_p50=round(latency["p50"] / size, 3) if latency is not None else None,
        accepted=first_counts.accepted,
        rejected=first_counts.rejected,
        pending=first_counts.pending,
        deferred=first_counts.deferred,
        other_statuses={k: v for k, v in first.items() if k not in STATUSES},
        http_errors=len(failed),
        http_error_statuses=dict(sorted(statuses.items())),
        first_error=(
            f"POST /v1/sync/commands (a batch of {failed[0].size}) answered {failed[0].detail}"
            if failed
            else None
        ),
        first_rejection=next((b.rejection for b in batches if b.rejection is not None), None),
        resent_batches=resent,
        resend_rounds=rounds,
        unsettled_batches=sum(1 for b in batches if not b.settled),
        settled_s=round(settled_s, 3),
        final=counts(final),
        accepted_total=final.get("accepted", 0),
    )
