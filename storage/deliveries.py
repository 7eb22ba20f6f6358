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
from typing import Literal

import pymongo
from beanie import Document
from pydantic import Field
from pymongo import IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

DeliveryStatus = Literal["pending", "retrying", "sent", "failed"]
WAITING: tuple[DeliveryStatus, ...] = ("pending", "retrying")
"""Statuses of a delivery still to be sent."""


class DeliveryDoc(Document):
    id: str = Field(alias="_id")  # type: ignore[assignment]
    notification_id: str
    recipient_id: str
    kind: str
    channel: str
    target: str = ""  # which of the person's push subscriptions; "" for their email address
    details: dict[str, str] = Field(default_factory=dict)  # what its mail says beyond the item
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


def _claimable(now: datetime) -> dict[str, object]:
    return {
        "status": {"$in": list(WAITING)},
        "due_at": {"$lte": now},
        "$or": [{"claimed_until": None}, {"claimed_until": {"$lt": now}}],
    }


async def claim(delivery_id: str, holder: str, now: datetime, lease_s: float) -> DeliveryDoc | None:
    """Take ``delivery_id`` for ``holder`` until ``now + lease_s`` if it is due and nobody holds
    it; counts the attempt. None when it is not to be sent now (sent, failed, not yet due, or
    held by another)."""
    found = await DeliveryDoc.get_pymongo_collection().find_one_and_update(
        {"_id": delivery_id, **_claimable(now)},
        {
            "$set": {"claimed_by": holder, "claimed_until": now + timedelta(seconds=lease_s)},
            "$inc": {"attempts": 1},
        },
        return_document=ReturnDocument.AFTER,
    )
    return DeliveryDoc.model_validate(found) if found is not None else None


async def deliveries_of(notification_ids: list[str]) -> list[DeliveryDoc]:
    """The deliveries of these items (for the inbox's delivery status, and the sender)."""
    if not notification_ids:
        return []
    query = DeliveryDoc.find({"notification_id": {"$in": notification_ids}})
    return await query.sort("_id").to_list()


async def due_deliveries(now: datetime, limit: int) -> list[DeliveryDoc]:
    """Deliveries to send now that nobody holds: retries whose time has come, items whose quiet
    hours ended, first attempts whose wake-up was lost (or is just being handled: the claim
    decides who sends)."""
    return await DeliveryDoc.find(_claimable(now)).sort("due_at").limit(limit).to_list()


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
