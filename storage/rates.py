"""The dated rate store (the currency actor's) and a process-local book that follows it.

One document per (source, day) holds that day's rates as "units per one EUR", as decimal
strings (exact, and a map of them stays plain BSON). Every process that converts money keeps a
:class:`bus.fx.RateBook` in memory and tops it up from the store: the first refresh loads
everything (about 7,100 days of ECB history), later ones only days written since, so a rate the
currency actor commits reaches every converting process within ``rates_reload_s``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pymongo
import structlog
from beanie import Document
from pydantic import Field
from pymongo import IndexModel

from bus.fx import BASE_CURRENCY, STALE_AFTER_DAYS, DayRates, RateBook
from storage.staging import to_bson

log = structlog.get_logger(__name__)


def rate_day_id(source: str, day: date) -> str:
    return f"{source}:{day.isoformat()}"


class RateDayDoc(Document):
    """One source's rates on one day, against the base currency."""

    id: str = Field(alias="_id")  # type: ignore[assignment]  # "<source>:<yyyy-mm-dd>"
    source: str
    day: str  # ISO yyyy-mm-dd
    base: str = BASE_CURRENCY
    rates: dict[str, str]  # currency -> plain decimal string
    version: int
    updated_at: datetime

    class Settings:
        name = "rate_days"
        indexes = [
            IndexModel([("updated_at", pymongo.ASCENDING)]),
            IndexModel([("day", pymongo.ASCENDING)]),
        ]

    def to_day_rates(self) -> DayRates:
        return DayRates(
            date.fromisoformat(self.day),
            {code: Decimal(text) for code, text in self.rates.items()},
            self.source,
        )


def published_at(day: date) -> datetime:
    """The write time a seeded (historical) day is stored with: its own date, so the seed never
    looks like a recent write to readers that follow recent writes."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def rate_day_doc(day_rates: DayRates, version: int, now: datetime) -> RateDayDoc:
    return RateDayDoc(
        id=rate_day_id(day_rates.source, day_rates.day),
        source=day_rates.source,
        day=day_rates.day.isoformat(),
        rates={code: format(rate, "f") for code, rate in sorted(day_rates.rates.items())},
        version=version,
        updated_at=now,
    )


class RateSourceDoc(Document):
    """How a rate source is doing: its last attempt, last success, last error, staleness."""

    id: str = Field(alias="_id")  # type: ignore[assignment]  # the source name
    url: str | None = None
    latest_day: str | None = None
    last_attempt_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    stale: bool = False
    version: int
    updated_at: datetime

    class Settings:
        name = "rate_sources"


async def seed_days(days: Iterable[DayRates], chunk: int = 1000) -> int:
    """Insert days that are not stored yet (idempotent: existing days, and concurrent seeders,
    are left alone), each stamped :func:`published_at`. Returns how many were inserted."""
    collection = RateDayDoc.get_pymongo_collection()
    inserted = 0
    batch: list[DayRates] = []

    async def flush() -> int:
        if not batch:
            return 0
        ids = [rate_day_id(d.source, d.day) for d in batch]
        have = {row["_id"] async for row in collection.find({"_id": {"$in": ids}}, {"_id": 1})}
        fresh = [
            to_bson(rate_day_doc(d, 1, published_at(d.day)))
            for d in batch
            if rate_day_id(d.source, d.day) not in have
        ]
        batch.clear()
        if not fresh:
            return 0
        try:
            result = await collection.insert_many(fresh, ordered=False)
            return len(result.inserted_ids)
        except pymongo.errors.BulkWriteError as exc:  # someone else seeded some of them
            return int(exc.details.get("nInserted", 0))

    for day_rates in days:
        batch.append(day_rates)
        if len(batch) >= chunk:
            inserted += await flush()
    inserted += await flush()
    return inserted


class RateSeedDoc(Document):
    """A seed that was loaded in full: skip it next time, and tell readers to read everything
    (seeded days carry their own old dates, so a reader following recent writes never sees them)."""

    id: str = Field(alias="_id")  # type: ignore[assignment]  # what was seeded, e.g. its file
    days: int
    seeded_at: datetime

    class Settings:
        name = "rate_seeds"


class RatesReader:
    """A :class:`RateBook` that follows the rate store (see the module docstring).

    :meth:`follow` keeps it current in the background; callers read :attr:`book` and force a
    :meth:`refresh` only when they know rates just changed. A full read builds a new book and
    swaps it in, so a reader never sees half of one.
    """

    OVERLAP = timedelta(minutes=5)  # a transaction may commit a little after its clock reading
    FULL_RELOAD_S = 600.0  # and now and then everything, should a write have slipped past

    def __init__(
        self, max_age_days: int, reload_s: float, stale_after_days: int = STALE_AFTER_DAYS
    ) -> None:
        self._max_age_days = max_age_days
        self._stale_after_days = stale_after_days
        self.book = self._new_book()
        self._reload_s = reload_s
        self._seen: datetime | None = None  # newest `updated_at` read
        self._full_at: datetime | None = None  # when the last full read began (wall clock)
        self._full_mono: float | None = None
        self._seeds_read: list[str] = []  # seeds finished before the last full read began
        self._checked: float | None = None
        self._lock = asyncio.Lock()  # one read at a time; concurrent callers share it
        self.loaded_days = 0

    def _new_book(self) -> RateBook:
        return RateBook(max_age_days=self._max_age_days, stale_after_days=self._stale_after_days)

    async def refresh(self, force: bool = False) -> None:
        """Read days written since the last look (everything when due), at most once per
        ``reload_s`` unless forced."""
        asked = time.monotonic()
        async with self._lock:
            if self._checked is not None and (
                self._checked >= asked or (not force and asked - self._checked < self._reload_s)
            ):
                return  # read meanwhile by a concurrent caller, or recently enough
            if await self._full_read_due(asked):
                await self._read_all(asked)
            else:
                await self._read_since()
            self._checked = asked

    async def follow(self) -> None:
        """Refresh every ``reload_s`` until cancelled; a failed read is retried next time."""
        while True:
            try:
                await self.refresh(force=True)
            except Exception as exc:
                log.warning("rates_refresh_failed", error=repr(exc)[:300])
            await asyncio.sleep(self._reload_s)

    async def _full_read_due(self, now: float) -> bool:
        if self._full_at is None or self._full_mono is None:
            return True
        if now - self._full_mono >= self.FULL_RELOAD_S:
            return True
        seed = await RateSeedDoc.get_pymongo_collection().find_one(
            {"_id": {"$nin": self._seeds_read}}, {"_id": 1}
        )
        return seed is not None  # a seed finished since: its old days were never followed

    async def _read_all(self, now: float) -> None:
        began = datetime.now(UTC)
        seeds = [
            row["_id"] async for row in RateSeedDoc.get_pymongo_collection().find({}, {"_id": 1})
        ]
        book = self._new_book()
        seen: datetime | None = None
        count = 0
        async for raw in RateDayDoc.get_pymongo_collection().find({}):
            doc = RateDayDoc.model_validate(raw)
            book.add(doc.to_day_rates())
            count += 1
            seen = doc.updated_at if seen is None or doc.updated_at > seen else seen
        self.book, self.loaded_days = book, count
        self._seen, self._full_at, self._full_mono = seen, began, now
        self._seeds_read = seeds

    async def _read_since(self) -> None:
        query = {} if self._seen is None else {"updated_at": {"$gte": self._seen - self.OVERLAP}}
        async for raw in RateDayDoc.get_pymongo_collection().find(query):
            doc = RateDayDoc.model_validate(raw)
            self.book.add(doc.to_day_rates())
            if self._seen is None or doc.updated_at > self._seen:
                self._seen = doc.updated_at


def days_served(days: Sequence[date], max_age_days: int) -> dict[str, str]:
    """The ``date`` condition of records new rates on ``days`` may serve: from the first new day
    to the last plus ``max_age_days`` (0: no limit, a rate serves every later day)."""
    dated = {"$gte": min(days).isoformat()}
    if max_age_days > 0:
        dated["$lte"] = (max(days) + timedelta(days=max_age_days)).isoformat()
    return dated


def awaiting_rates(
    days: Sequence[date], currencies: Sequence[str], max_age_days: int, target_field: str
) -> dict[str, Any]:
    """The query of records still waiting for a rate that new ``days`` of ``currencies`` may
    give them: not deleted, ``rate_status: missing``, dated from the first new day (so ones that
    can never be filled, before 1999 say, do not crowd them out) to the last plus the longest a
    rate is used for (``max_age_days``; 0: no limit), in one of the currencies either as their
    own or as ``target_field``."""
    return {
        "rate_status": "missing",
        "deleted": False,
        "date": days_served(days, max_age_days),
        "$or": [
            {"currency": {"$in": list(currencies)}},
            {target_field: {"$in": list(currencies)}},
        ],
    }
