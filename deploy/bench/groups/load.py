"""Adding the group expenses over HTTP: concurrent clients, each a member with their own token,
and every 202 waited out afterwards."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from dataclasses import dataclass, field

import aiohttp

from deploy.bench.groups.api import REQUEST_TIMEOUT_S, await_command
from deploy.bench.groups.results import LoadFigures
from deploy.bench.http import JSON_HEADERS, session
from deploy.bench.stats import Sample, window
from deploy.bench.users import BenchUser


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
    """Every request sent, and when the first started and the last was answered."""

    sent: list[Sent] = field(default_factory=list)
    started: float = 0.0
    finished: float = 0.0


async def load_expenses(
    base_url: str, group_id: str, users: list[BenchUser], bodies: list[bytes], clients: int
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


def load_figures(run: LoadRun, final: dict[int, str], applied_at: float) -> LoadFigures:
    """The figures of the load, and of applying it by ``applied_at`` (``time.perf_counter``)."""
    duration = run.finished - run.started
    w = window([s.sample for s in run.sent], duration)
    failed = [s for s in run.sent if s.sample.status not in (201, 202)]
    later = Counter(final.values())
    applied_s = applied_at - run.started
    created = w.created_201 + later.get("accepted", 0)
    return LoadFigures(
        **vars(w),  # its commands_per_s: the 201s a second over the load's duration
        requested=len(run.sent),
        duration_s=round(duration, 3),
        pending_accepted=later.get("accepted", 0),
        pending_rejected=later.get("rejected", 0) + later.get("failed", 0),
        first_error=(f"{failed[0].sample.status} {failed[0].detail}" if failed else None),
        expenses_created=created,
        applied_s=round(applied_s, 3),
        applied_per_s=round(created / applied_s, 2) if applied_s > 0 else 0.0,
    )
