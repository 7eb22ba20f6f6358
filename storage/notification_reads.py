"""Reads of a person's inbox: their items newest first (all, or only the unread), one item,
how many are unread, and the whole inbox scope as a syncing device restores it. Always the
caller's own."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from bus.notifications import Notification
from storage.deliveries import DeliveryDoc, deliveries_of
from storage.keyset import keyset_page
from storage.notification_preferences import PreferencesDoc, preferences_entity
from storage.notifications import NotificationDoc
from storage.push_devices import PushDeviceDoc, push_device_entity
from storage.queries import decode_time_cursor, newest_page


def notification_entity(
    doc: NotificationDoc, deliveries: Sequence[DeliveryDoc] = ()
) -> Notification:
    data = doc.model_dump(exclude={"recipient_id", "event_id"})
    data["deliveries"] = [
        {
            **d.model_dump(
                include={"channel", "status", "attempts", "due_at", "last_error", "sent_at"}
            ),
            "device_id": d.target or None,
        }
        for d in deliveries
    ]
    return Notification.model_validate(data)


async def notification_entities(
    docs: Sequence[NotificationDoc], session: AsyncClientSession | None = None
) -> list[Notification]:
    """Items as the API shows them, each with its deliveries (one query for them all)."""
    by_item: dict[str, list[DeliveryDoc]] = {}
    for delivery in await deliveries_of([d.id for d in docs], session):
        by_item.setdefault(delivery.notification_id, []).append(delivery)
    return [notification_entity(d, by_item.get(d.id, ())) for d in docs]


async def notification_for(user_id: str, notification_id: str) -> NotificationDoc | None:
    doc = await NotificationDoc.get(notification_id)
    return doc if doc is not None and doc.recipient_id == user_id else None


async def inbox_of(
    user_id: str, *, unread: bool | None, archived: bool, limit: int, cursor: str | None
) -> tuple[list[NotificationDoc], str | None]:
    """The caller's items (archived ones, or the others), newest first, ``unread`` only when
    True (only the read ones when False); a cursor for the next page."""
    query: dict[str, Any] = {"recipient_id": user_id, "archived": archived}
    if unread is not None:
        query["read_at"] = None if unread else {"$ne": None}
    after = decode_time_cursor(cursor) if cursor else None
    found = await keyset_page(NotificationDoc, query, "created_at", after, limit + 1)
    return newest_page(found, limit)


async def unread_count(user_id: str) -> int:
    """The caller's unread items still in the inbox (the badge)."""
    return await NotificationDoc.find(
        {"recipient_id": user_id, "archived": False, "read_at": None}
    ).count()


async def inbox_state(user_id: str, limit: int, session: AsyncClientSession) -> dict[str, Any]:
    """The ``inbox:<id>`` scope's state in ``session``: the items still in the inbox (newest
    first, at most ``limit``; the archived ones are a read of their own), the preferences and
    the devices that get pushes."""
    items = (
        await NotificationDoc.find({"recipient_id": user_id, "archived": False}, session=session)
        .sort("-created_at", "-_id")
        .limit(limit)
        .to_list()
    )
    devices = (
        await PushDeviceDoc.find({"user_id": user_id, "removed_at": None}, session=session)
        .sort("created_at", "_id")
        .to_list()
    )
    preferences = await PreferencesDoc.find_one({"_id": user_id}, session=session)
    return {
        "notifications": [
            n.model_dump(mode="json") for n in await notification_entities(items, session)
        ],
        "preferences": preferences_entity(preferences).model_dump(mode="json"),
        "push_devices": [push_device_entity(d).model_dump(mode="json") for d in devices],
    }
