"""The outbox: the events of committed batches not yet confirmed on JetStream (see
``actors.relay``, which publishes them; entries are written by the unit of work)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from beanie import SortDirection

from bus.envelopes import Event
from storage.documents import EventRecord, OutboxEntry


async def drop_entries(entry_ids: Sequence[str]) -> None:
    """Forget the entries of batches whose events JetStream has acked."""
    if entry_ids:
        await OutboxEntry.get_pymongo_collection().delete_many({"_id": {"$in": list(entry_ids)}})


async def entries_before(cutoff: datetime, limit: int) -> list[OutboxEntry]:
    """The oldest entries written before ``cutoff`` (at most ``limit``)."""
    return (
        await OutboxEntry.find({"created_at": {"$lt": cutoff}})
        .sort([("created_at", SortDirection.ASCENDING)])
        .limit(limit)
        .to_list()
    )


async def events_of(entry: OutboxEntry) -> list[Event]:
    """An entry's events, in each scope's order."""
    rows = await EventRecord.find({"_id": {"$in": entry.event_ids}}).to_list()
    rows.sort(key=lambda r: (r.scope, r.seq))
    return [row.to_event() for row in rows]
