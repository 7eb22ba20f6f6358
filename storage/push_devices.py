"""A person's push devices (the notifications actor's): one per (person, provider, endpoint or
token), ``_id`` derived from the three so registering the same device again finds it. A removed
device (by its owner, or because its push service said it is gone) keeps its record with
``removed_at`` set and gets no more pushes."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

import pymongo
from beanie import Document
from pydantic import Field
from pymongo import IndexModel

from bus.push_devices import PushDevice


class PushDeviceDoc(Document):
    id: str = Field(alias="_id")  # type: ignore[assignment]
    user_id: str
    provider: str
    endpoint: str | None = None  # web_push
    p256dh: str | None = None
    auth: str | None = None
    token: str | None = None  # fcm, apns
    label: str | None = None
    device: str | None = None  # <user id>:<X-Device-Id> of the app that registered it
    created_at: datetime
    removed_at: datetime | None = None
    removed_why: str | None = None
    version: int = 1

    class Settings:
        name = "push_devices"
        indexes = [IndexModel([("user_id", pymongo.ASCENDING), ("removed_at", pymongo.ASCENDING)])]


def push_device_entity(doc: PushDeviceDoc) -> PushDevice:
    origin = None
    if doc.endpoint is not None:
        parts = urlsplit(doc.endpoint)
        origin = f"{parts.scheme}://{parts.netloc}"
    return PushDevice.model_validate(
        {
            "id": doc.id,
            "provider": doc.provider,
            "label": doc.label,
            "endpoint_origin": origin,
            "created_at": doc.created_at,
            "version": doc.version,
        }
    )


async def devices_of(user_id: str) -> list[PushDeviceDoc]:
    """The person's devices that get pushes, oldest first."""
    query = PushDeviceDoc.find({"user_id": user_id, "removed_at": None})
    return await query.sort("created_at", "_id").to_list()


async def push_device(device_id: str) -> PushDeviceDoc | None:
    found = await PushDeviceDoc.get(device_id)
    return found if found is not None and found.removed_at is None else None


async def mark_gone(device_id: str, why: str, now: datetime) -> None:
    """The push service said the device is gone: no more pushes to it (outside a transaction,
    by the sender that heard it; a single-document update)."""
    await PushDeviceDoc.get_pymongo_collection().update_one(
        {"_id": device_id, "removed_at": None},
        {"$set": {"removed_at": now, "removed_why": why}, "$inc": {"version": 1}},
    )
