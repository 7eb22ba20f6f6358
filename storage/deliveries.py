"""Deliveries of notifications beyond the inbox (the notifications actor's): one record per
(item, channel, target), written with the item in the same transaction, before anything is
sent.

A sender *claims* a due delivery (an atomic update outside any transaction, taking a lease)
before it sends; another process finds it claimed and leaves it. The outcome (sent, to be
retried, failed) is recorded afterwards, in the actor's transaction. A sender that dies mid-send
leaves the claim to lapse: the delivery is sent again, under the same key (the mail's
Message-ID, the push's Topic), for the provider to drop as a repeat.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

import pymongo
from beanie import Document
from pydantic import Field
from pymongo import IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

DeliveryStatus = Literal["pending", "retrying", "sent", "failed"]
WAITING: tuple[DeliveryStatus, ...] = ("pending", "retrying")
"""Statuses of a delivery still to be sent."""
SWEEP_SLACK = 64
"""Deliveries a sweep reads beyond its limit, for those it finds claimed (being sent now)."""


class DeliveryDoc(Document):
    id: str = Field(alias="_id")  # type: ignore[assignment]
    notification_id: str
    recipient_id: str
    kind: str
    channel: str
    target: str = ""  # which of the person's push subscriptions; "" for their email address
    details: dict[str, Any] = Field(default_factory=dict)  # what its mail says beyond the item
    status: DeliveryStatus = "pending"
    attempts: int = 0
    due_at: datetime
    claimed_by: str | None = None
    claimed_until: datetime | None = None
    last_error: str | None = None
    provider_id: str | None = None
    sent_at: datetime | None = None
    created_at: datetime
    version: int = 1

    class Settings:
        name = "notification_deliveries"
        indexes = [
            IndexModel([("notification_id", pymongo.ASCENDING)]),
            IndexModel([("status", pymongo.ASCENDING), ("due_at", pymongo.ASCENDING)]),
        ]


def claimable(doc: DeliveryDoc, now: datetime) -> bool:
    """Whether ``doc`` is to be sent at ``now``: waiting, due, and nobody's claim still holds."""
    held = doc.claimed_until is not None and doc.claimed_until >= now
    return doc.status in WAITING and doc.due_at <= now and not held


async def claim(delivery_id: str, holder: str, now: datetime, lease_s: float) -> DeliveryDoc | None:
    """Take ``delivery_id`` for ``holder`` until ``now + lease_s`` if it is due and nobody holds
    it; counts the attempt. None when it is not to be sent now (sent, failed, not yet due, or
    held by another).

    It is read by id, then taken only at the version read (every claim and record moves it), so
    of two senders claiming at once one wins. Two equality lookups by id instead of one
    ``findAndModify`` with the conditions: a MongoDB-wire server may scan the whole collection
    for those (SecantusDB does, for every ``findAndModify`` and every ``$or``)."""
    collection = DeliveryDoc.get_pymongo_collection()
    row = await collection.find_one({"_id": delivery_id})
    if row is None:
        return None
    doc = DeliveryDoc.model_validate(row)
    if not claimable(doc, now):
        return None
    taken = {"claimed_by": holder, "claimed_until": now + timedelta(seconds=lease_s)}
    done = await collection.update_one(
        {"_id": delivery_id, "version": doc.version},
        {"$set": taken, "$inc": {"attempts": 1, "version": 1}},
    )
    if done.modified_count != 1:
        return None  # another sender claimed (or recorded) it since it was read
    moved = {"attempts": doc.attempts + 1, "version": doc.version + 1}
    claimed: DeliveryDoc = doc.model_copy(update={**taken, **moved})
    return claimed


async def deliveries_of(
    notification_ids: list[str], session: AsyncClientSession | None = None
) -> list[DeliveryDoc]:
    """The deliveries of these items (for the inbox's delivery status, and the sender)."""
    if not notification_ids:
        return []
    query = DeliveryDoc.find({"notification_id": {"$in": notification_ids}}, session=session)
    return await query.sort("_id").to_list()


async def due_deliveries(now: datetime, limit: int) -> list[DeliveryDoc]:
    """Deliveries to send now that nobody holds: retries whose time has come, items whose quiet
    hours ended, first attempts whose wake-up was lost (or is just being handled: the claim
    decides who sends). One query per waiting status (an equality the index serves on every
    server; claims are judged here, not in the query)."""
    found: list[DeliveryDoc] = []
    for status in WAITING:
        query = DeliveryDoc.find({"status": status, "due_at": {"$lte": now}})
        found += await query.sort("due_at").limit(limit + SWEEP_SLACK).to_list()
    due = sorted((d for d in found if claimable(d, now)), key=lambda d: d.due_at)
    return due[:limit]


async def record(delivery_id: str, holder: str, changes: dict[str, object]) -> bool:
    """Set ``changes`` and release the claim, if ``holder`` still holds it (after a lapsed
    lease another sender may have taken it: theirs is the record that counts)."""
    released = {"claimed_by": None, "claimed_until": None, **changes}
    done = await DeliveryDoc.get_pymongo_collection().update_one(
        {"_id": delivery_id, "claimed_by": holder},
        {"$set": released, "$inc": {"version": 1}},
    )
    return done.modified_count == 1


async def insert_once(delivery: DeliveryDoc) -> bool:
    """Write a delivery unless one with its id exists (made by another process): whether this
    call wrote it."""
    try:
        await delivery.insert()
    except DuplicateKeyError:
        return False
    return True
