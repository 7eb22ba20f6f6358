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
