"""What the fraud benchmark's own process sees: every ``expense.created`` event on NATS and
every risk record committed to ``fraud_risks``, each timestamped as it arrives."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import Counter
from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from deploy.bench.fraud.names import CREATED_SUBJECT, POLL_S, RISKS, SETTLE_S

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
