"""Writing the fraud benchmark's expenses over HTTP: flat out (each user one client), or on a
fixed schedule (an open loop), each POST timed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import aiohttp

from deploy.bench.fraud.names import CATEGORY_WAIT_S, LATE_SEND_S
from deploy.bench.fraud.plan import SPENDING, Planned, body_of
from deploy.bench.fraud.results import WriteFigures
from deploy.bench.http import JSON_HEADERS, RequestFailedError, call
from deploy.bench.stats import Sample, window
from deploy.bench.users import BenchUser

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

    def figures(self) -> WriteFigures:
        """The figures of these writes: their window, how long, accepted, first error."""
        return WriteFigures(
            **vars(window(self.samples, self.duration_s)),
            duration_s=round(self.duration_s, 3),
            accepted=len(self.accepted),
            first_error=self.details[0] if self.details else None,
        )


ASYNC_HEADERS = {**JSON_HEADERS, "Prefer": "respond-async"}
"""Answered 202 as soon as the command is on the bus (the actor applies it later)."""


async def post(
    owner: Owner,
    planned: Planned,
    body: bytes,
    writes: Writes,
    due: float,
    headers: dict[str, str] = JSON_HEADERS,
) -> None:
    """``POST /v1/expenses`` of one planned expense, timed from ``due``."""
    status = 0
    writes.sent_wall[planned.id] = time.time()
    try:
        async with owner.http.post("/v1/expenses", data=body, headers=headers) as resp:
            raw = await resp.read()
            status = resp.status
        if status in (201, 202):
            writes.accepted.append(planned.id)
        else:
            writes.details.append(f"{status} {raw.decode(errors='replace')[:300]}")
    except (aiohttp.ClientError, TimeoutError) as exc:
        writes.details.append(f"{type(exc).__name__}: {exc}"[:300])
    writes.samples.append(Sample(due, time.perf_counter(), status, planned.id))


async def write_flat_out(
    owners: Sequence[Owner], plan: Sequence[Planned], *, respond_async: bool = False
) -> Writes:
    """Every planned expense POSTed once: each user is one client writing its own expenses one
    after another (each timed from when it was sent), all users at once. ``respond_async``:
    each answered 202 once its command is on the bus (for a backlog the actor works off later)."""
    writes = Writes()
    headers = ASYNC_HEADERS if respond_async else JSON_HEADERS

    async def client(index: int) -> None:
        owner = owners[index]
        for planned in plan:
            if planned.user == index:
                body = body_of(planned, owner.categories)
                await post(owner, planned, body, writes, time.perf_counter(), headers)

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
