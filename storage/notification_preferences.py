"""A person's notification preferences (the notifications actor's): the channels they changed
per kind, and the key their mails' unsubscribe links are signed with. ``_id`` is the user id;
``version`` 0 means made by the actor (for the key), never changed by the person."""

from __future__ import annotations

import secrets

import pymongo
from beanie import Document
from pydantic import Field
from pymongo import IndexModel

from bus.notification_preferences import NotificationPreferences, effective


class PreferencesDoc(Document):
    id: str = Field(alias="_id")  # type: ignore[assignment]
    kinds: dict[str, dict[str, bool | str]] = Field(default_factory=dict)
    digests: list[str] = Field(default_factory=list)  # daily, weekly: what the digest clock seeks
    unsubscribe_key: str = Field(default_factory=lambda: secrets.token_urlsafe(32))
    quiet_hours: dict[str, str] | None = None  # {"start": "HH:MM", "end": "HH:MM"}
    version: int = 0

    class Settings:
        name = "notification_preferences"
        indexes = [IndexModel([("digests", pymongo.ASCENDING)])]


async def preferences_of(user_id: str) -> PreferencesDoc | None:
    return await PreferencesDoc.get(user_id)


def preferences_entity(doc: PreferencesDoc | None) -> NotificationPreferences:
    """What the person sees: every kind's channels (defaults where they changed nothing)."""
    stored = doc.kinds if doc is not None else {}
    return NotificationPreferences.model_validate(
        {
            "kinds": effective(stored),
            "quiet_hours": doc.quiet_hours if doc is not None else None,
            "version": doc.version if doc is not None else 0,
        }
    )


async def with_digests(period: str, after: str, limit: int) -> list[PreferencesDoc]:
    """People whose choices need the ``period`` digest, by id after ``after`` (a page)."""
    query = {"digests": period, "_id": {"$gt": after}}
    return await PreferencesDoc.find(query).sort("_id").limit(limit).to_list()
