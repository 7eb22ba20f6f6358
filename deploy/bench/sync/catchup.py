"""Catch-up: a python-socketio client of the lone device connects and calls ``sync.resume``
from 0; the time until the ack and until the last event arrived, and whether the seqs received
are exactly 1..head, each once."""

from __future__ import annotations

import asyncio
import contextlib
import time

import socketio

from deploy.bench.devices import connect_device, disconnect_device
from deploy.bench.stats import rate
from deploy.bench.sync.results import CatchUp
from deploy.bench.users import BenchUser

RESUME_TIMEOUT_S = 600.0
ARRIVAL_WAIT_S = 60.0


async def catch_up(base_url: str, user: BenchUser, head: int) -> CatchUp:
    """A device of ``user`` connects and resumes its own scope from 0."""
    scope = f"user:{user.id}"
    arrivals: list[tuple[int, float]] = []
    target = head
    enough = asyncio.Event()

    async def on_any(_event: str, data: object = None) -> None:
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
    done = isinstance(ack, dict) and ack.get("status") == "done"
    return CatchUp(
        head=head,
        ack_status=ack.get("status") if isinstance(ack, dict) else None,
        ack=None if done else ack,
        ack_last_seq=last,
        received=len(seqs),
        connect_ms=round(connect_s * 1000.0, 1),
        first_event_ms=round((first_at - called) * 1000.0, 1),
        ack_s=round(acked - called, 3),
        last_event_s=round(last_event_s, 3),
        events_per_s=rate(len(seqs), last_event_s),
        gapless=sorted(seqs) == expected and target == head,
        in_order=seqs == sorted(seqs),
        duplicates=len(seqs) - len(set(seqs)),
        missing=len(set(expected) - set(seqs)),
        unexpected=len(set(seqs) - set(expected)),
    )
