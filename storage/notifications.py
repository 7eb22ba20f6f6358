"""Beanie documents of notifications (the notifications actor's): one inbox item per
(event, person, kind), ``_id`` a name-based UUID of the three, so an event delivered again
makes nothing new."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pymongo
from beanie import Document
from pydantic import Field
from pymongo import IndexModel


class NotificationDoc(Document):
    id: str = Field(alias="_id")  # type: ignore[assignment]
    recipient_id: str
    kind: str
    title: str
    body: str
    actor_id: str | None = None
    amounts: list[dict[str, str]] = Field(default_factory=list)
    link: dict[str, Any]
    event_id: str
    created_at: datetime
    read_at: datetime | None = None
    archived: bool = False
    version: int

    class Settings:
        name = "notifications"
        indexes = [
            IndexModel(
                [
                    ("recipient_id", pymongo.ASCENDING),
                    ("archived", pymongo.ASCENDING),
                    ("created_at", pymongo.DESCENDING),
                    ("_id", pymongo.DESCENDING),
                ]
            ),
            IndexModel([("recipient_id", pymongo.ASCENDING), ("read_at", pymongo.ASCENDING)]),
        ]


MAX_DIGEST_ITEMS = 200
"""Items one digest lists (the newest; a period with more says how many it left out)."""


async def items_between(
    person: str, kinds: list[str], start: datetime, end: datetime
) -> list[NotificationDoc]:
    """The person's items of ``kinds`` made in [start, end), oldest first (a digest's)."""
    query = {
        "recipient_id": person,
        "kind": {"$in": kinds},
        "created_at": {"$gte": start, "$lt": end},
    }
    found = NotificationDoc.find(query).sort("-created_at").limit(MAX_DIGEST_ITEMS)
    return list(reversed(await found.to_list()))
