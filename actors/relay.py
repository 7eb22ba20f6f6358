"""The outbox relay: events committed but not yet on JetStream are published (again) with their ids.

Publishing with ``Nats-Msg-Id: <event_id>`` makes a second publish of the same event a no-op
inside JetStream's duplicate window, so the relay and the normal path may overlap safely.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import timedelta

import structlog
from beanie import SortDirection

from actors.ports import Publisher
from bus.envelopes import Event, utcnow
from bus.settings import Settings
from storage.documents import EventRecord

log = structlog.get_logger(__name__)


class PublishedMarker:
    """Marks published events in coalesced batches, off the hot path."""

    def __init__(self) -> None:
        self._pending: set[str] = set()

    def add(self, event_ids: Iterable[str]) -> None:
        self._pending.update(event_ids)

    async def flush(self) -> int:
        if not self._pending:
            return 0
        ids, self._pending = list(self._pending), set()
        await EventRecord.get_pymongo_collection().update_many(
            {"_id": {"$in": ids}}, {"$set": {"published": True}}
        )
        return len(ids)


async def relay_once(publisher: Publisher, settings: Settings, limit: int = 500) -> int:
    """Publish events left unpublished for longer than ``relay_min_age_s``; return how many."""
    cutoff = utcnow() - timedelta(seconds=settings.relay_min_age_s)
    rows = (
        await EventRecord.find({"published": False, "occurred_at": {"$lt": cutoff}})
        .sort([("occurred_at", SortDirection.ASCENDING), ("seq", SortDirection.ASCENDING)])
        .limit(limit)
        .to_list()
    )
    if not rows:
        return 0
    events = [
        Event(
            event_id=r.id,
            type=r.type,
            schema_version=r.schema_version,
            command_id=r.command_id,
            scope=r.scope,
            seq=r.seq,
            occurred_at=r.occurred_at,
            data=r.data,
        )
        for r in rows
    ]
    await publisher.publish_events(events)
    await EventRecord.get_pymongo_collection().update_many(
        {"_id": {"$in": [r.id for r in rows]}}, {"$set": {"published": True}}
    )
    log.info("outbox_relayed", count=len(rows))
    return len(rows)


async def run_relay(publisher: Publisher, marker: PublishedMarker, settings: Settings) -> None:
    """Forever: flush published marks, then relay what the normal path left behind."""
    while True:
        await asyncio.sleep(settings.relay_interval_s)
        try:
            await marker.flush()
            await relay_once(publisher, settings)
        except Exception as exc:
            log.warning("relay_failed", error=str(exc)[:300])
