"""What the live evaluation watches while it posts: each risk record's first commit (a MongoDB
change stream on ``fraud_risks``, or polling the awaited ids where the server refuses one), the
fraud actor's backlog (its durable consumers' pending and unacknowledged events over
JetStream's API), and at the end every record as it was left."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Collection
from typing import Any

import nats
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from actors.app import reaction_durable
from actors.fraud import FRAUD
from deploy.bench.consumers import Consumers
from storage.fraud import RiskDoc

RISKS = RiskDoc.Settings.name
DURABLES = [reaction_durable(FRAUD.name, t) for t in FRAUD.reactions]
POLL_S = 0.05
BACKLOG_EVERY_S = 0.25
READ_CHUNK = 500
CHANGES: list[dict[str, Any]] = [
    {"$match": {"operationType": {"$in": ["insert", "replace", "update"]}}},
    {"$project": {"documentKey": 1}},
]


class RiskCommits:
    """When each risk record (by its ``_id``, the risk key) was first seen committed here, by
    ``time.perf_counter``; ``method`` says how it was seen."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._risks = db[RISKS]
        self.at: dict[str, float] = {}
        self.method = "change stream"
        self._awaited: set[str] = set()
        self._task: asyncio.Task[None] | None = None

    def expect(self, keys: Collection[str]) -> None:
        """Keys whose records will come (polling looks only for these)."""
        self._awaited.update(keys)

    def _note(self, key: Any) -> None:
        if isinstance(key, str) and key not in self.at:
            self.at[key] = time.perf_counter()

    async def start(self) -> None:
        try:
            stream = await self._risks.watch(CHANGES, max_await_time_ms=500)
        except PyMongoError as exc:
            self._poll_instead(exc)
            return
        self._task = asyncio.create_task(self._follow(stream), name="fraud-live-commits")

    def _poll_instead(self, exc: BaseException) -> None:
        self.method = f"polling every {POLL_S * 1000:g} ms ({type(exc).__name__})"
        self._task = asyncio.create_task(self._poll(), name="fraud-live-polling")

    async def _follow(self, stream: Any) -> None:
        try:
            async with stream:
                async for change in stream:
                    self._note(change["documentKey"]["_id"])
        except PyMongoError as exc:
            self._poll_instead(exc)

    async def _poll(self) -> None:
        while True:
            waiting = [k for k in self._awaited if k not in self.at]
            for start in range(0, len(waiting), READ_CHUNK):
                query = {"_id": {"$in": waiting[start : start + READ_CHUNK]}}
                async for doc in self._risks.find(query, {"_id": 1}):
                    self._note(doc["_id"])
            await asyncio.sleep(POLL_S)

    async def settle(self, keys: Collection[str], stall_s: float) -> list[str]:
        """Wait until every key's record came, or none came for ``stall_s``; the missing."""
        left = [k for k in keys if k not in self.at]
        progress_at, before = time.perf_counter(), len(left)
        while left and time.perf_counter() - progress_at < stall_s:
            await asyncio.sleep(POLL_S)
            left = [k for k in left if k not in self.at]
            if len(left) < before:
                progress_at, before = time.perf_counter(), len(left)
        return left

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)


class Backlog:
    """The largest backlog of the fraud actor's consumers (pending plus unacknowledged events,
    added up), sampled every :data:`BACKLOG_EVERY_S`; ``error`` says why none was read."""

    def __init__(self, nats_url: str | None) -> None:
        self._url = nats_url
        self.largest: int | None = None
        self.error: str | None = None if nats_url else "no NATS address given"
        self._nc: Any = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._url is None:
            return
        try:
            self._nc = await nats.connect(self._url, name="fraud-live", connect_timeout=5)
        except Exception as exc:  # the figure is optional: say why it is missing
            self.error = f"{type(exc).__name__}: {exc}"[:200]
            return
        self._task = asyncio.create_task(
            self._sample(Consumers(self._nc.jetstream(), DURABLES)), name="fraud-live-backlog"
        )

    async def _sample(self, consumers: Consumers) -> None:
        while True:
            try:
                backlog = await consumers.backlog()
            except Exception as exc:
                self.error = f"{type(exc).__name__}: {exc}"[:200]
            else:
                self.largest = max(self.largest or 0, backlog.left)
            await asyncio.sleep(BACKLOG_EVERY_S)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._nc is not None:
            with contextlib.suppress(Exception):
                await self._nc.close()


async def read_records(
    db: AsyncDatabase[dict[str, Any]], expense_ids: Collection[str]
) -> tuple[dict[str, dict[str, Any]], Counter[str]]:
    """Every risk record of these expenses by its key, and how many records each expense has
    (found by the ``expense_id`` field, not by the key: a second record would show)."""
    ids = list(expense_ids)
    records: dict[str, dict[str, Any]] = {}
    per_expense: Counter[str] = Counter()
    wanted = {"score": 1, "signals": 1, "expense_id": 1, "expense_version": 1, "deleted": 1}
    for start in range(0, len(ids), READ_CHUNK):
        query = {"expense_id": {"$in": ids[start : start + READ_CHUNK]}}
        async for doc in db[RISKS].find(query, wanted):
            records[str(doc["_id"])] = doc
            per_expense[str(doc["expense_id"])] += 1
    return records, per_expense
