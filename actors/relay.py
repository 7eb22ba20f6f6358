"""The outbox relay: events committed but not yet confirmed on JetStream are published (again).

Every batch that commits events also commits one outbox entry listing them. The normal path
publishes the events right after commit and then deletes the entry (coalesced, off the hot path);
an entry that is still there after ``relay_min_age_s`` means the process died or NATS failed in
between, and the relay publishes its events. Publishing with ``Nats-Msg-Id: <event_id>`` makes a
second publish of the same event a no-op inside JetStream's duplicate window, so the relay and the
normal path may overlap safely.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import structlog

from actors.metrics import OUTBOX_LAG, OUTBOX_RELAYED, outbox_lag
from actors.ports import Publisher
from bus.envelopes import utcnow
from bus.settings import Settings
from storage.outbox import drop_entries, entries_before, events_of

log = structlog.get_logger(__name__)


class PublishedMarker:
    """Deletes the outbox entries of published batches, in coalesced batches."""

    def __init__(self) -> None:
        self._pending: set[str] = set()

    def add(self, outbox_id: str) -> None:
        self._pending.add(outbox_id)

    async def flush(self) -> int:
        if not self._pending:
            return 0
        ids, self._pending = list(self._pending), set()
        await drop_entries(ids)
        return len(ids)


async def relay_once(publisher: Publisher, settings: Settings, limit: int = 100) -> int:
    """Publish the events of outbox entries older than ``relay_min_age_s``; return how many."""
    cutoff = utcnow() - timedelta(seconds=settings.relay_min_age_s)
    entries = await entries_before(cutoff, limit)
    OUTBOX_LAG.set(outbox_lag(entries[0].created_at if entries else None, utcnow()))
    published = 0
    for entry in entries:
        events = await events_of(entry)
        await publisher.publish_events(events)
        await drop_entries([entry.id])
        published += len(events)
        OUTBOX_RELAYED.inc(len(events))
    if published:
        log.info("outbox_relayed", events=published, batches=len(entries))
    return published


async def run_relay(publisher: Publisher, marker: PublishedMarker, settings: Settings) -> None:
    """Forever: drop the entries of published batches, then relay what the normal path left."""
    while True:
        await asyncio.sleep(settings.relay_interval_s)
        try:
            await marker.flush()
            await relay_once(publisher, settings)
        except Exception as exc:
            log.warning("relay_failed", error=str(exc)[:300])
