"""The owners' devices: one python-socketio client of each user, noting when each receipt's
outcome (``receipt.scanned`` or ``receipt.failed``) first arrives."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

import socketio

from deploy.bench.devices import connect_device, disconnect_device
from deploy.bench.users import BenchUser

SCANNED = "receipt.scanned"
FAILED = "receipt.failed"
CONNECT_CONCURRENCY = 8


@dataclass(frozen=True)
class Arrival:
    """A receipt's ``receipt.scanned`` or ``receipt.failed`` on its owner's device."""

    kind: str
    at: float  # time.perf_counter() of this process, the clock the uploads use too
    total: object
    reason: str | None


def arrival_of(kind: str, data: object, at: float) -> tuple[str, Arrival] | None:
    """The receipt's id and its arrival, from an event's data (None when it names none)."""
    entity = data.get("data", {}).get("entity") if isinstance(data, dict) else None
    if not isinstance(entity, dict) or not isinstance(entity.get("id"), str):
        return None
    fields = entity.get("fields")
    total = fields.get("total") if isinstance(fields, dict) else None
    reason = entity.get("reason")
    return str(entity["id"]), Arrival(kind, at, total, str(reason) if reason is not None else None)


class ReceiptDevices:
    """One device of each user, and the first outcome of each receipt on them."""

    def __init__(self) -> None:
        self._clients: list[socketio.AsyncClient] = []
        self.arrivals: dict[str, Arrival] = {}
        self.events = Counter[str]()
        self._awaited: set[str] = set()
        self._progress = asyncio.Event()

    def _on(self, kind: str) -> Callable[[object], None]:
        def on_event(data: object = None) -> None:
            now = time.perf_counter()
            self.events[kind] += 1
            found = arrival_of(kind, data, now)
            if found is None:
                return
            receipt_id, arrival = found
            self.arrivals.setdefault(receipt_id, arrival)
            if receipt_id in self._awaited:
                self._awaited.discard(receipt_id)
                self._progress.set()

        return on_event

    async def connect(self, base_url: str, users: Sequence[BenchUser]) -> None:
        """Connect a device of every user (a few at a time); any failure ends the run."""
        limit = asyncio.Semaphore(CONNECT_CONCURRENCY)

        async def one(user: BenchUser) -> None:
            client = socketio.AsyncClient(reconnection=False)
            client.on(SCANNED, self._on(SCANNED))
            client.on(FAILED, self._on(FAILED))
            async with limit:
                await connect_device(client, base_url, user.token)
            self._clients.append(client)

        await asyncio.gather(*(one(u) for u in users))

    @property
    def connected(self) -> int:
        return sum(1 for c in self._clients if c.connected)

    def waiting(self, ids: Collection[str]) -> int:
        """How many of ``ids`` have no outcome yet."""
        return sum(1 for i in ids if i not in self.arrivals)

    async def settle(self, ids: Collection[str], stall_s: float) -> None:
        """Wait until every one of ``ids`` has its outcome, or none arrived for ``stall_s``."""
        self._awaited = set(ids) - self.arrivals.keys()
        try:
            while self._awaited:
                self._progress.clear()
                try:
                    await asyncio.wait_for(self._progress.wait(), stall_s)
                except TimeoutError:
                    return
        finally:
            self._awaited = set()

    async def close(self) -> None:
        for client in self._clients:
            await disconnect_device(client)
        self._clients.clear()
