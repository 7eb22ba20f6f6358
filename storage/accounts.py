"""Beanie documents of accounts: users (the profile), credentials and sign-in sessions.

Credentials and sessions are written by the edge (they hold secrets, which never travel on the
bus); the profile is written by the accounts actor.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import pymongo
from beanie import Document
from pydantic import Field
from pymongo import IndexModel

from bus.envelopes import utcnow


class UserDoc(Document):
    id: str = Field(alias="_id")  # type: ignore[assignment]
    email: str
    email_lower: str
    name: str
    home_currency: str
    timezone: str
    email_verified_at: datetime | None = None  # when the current address was confirmed
    pending_email: str | None = None  # asked for, waiting for its link to be used
    version: int
    created_at: datetime
    updated_at: datetime

    class Settings:
        name = "users"
        indexes = [IndexModel([("email_lower", pymongo.ASCENDING)], unique=True)]


class Credential(Document):
    """The password hash (argon2id) of an account; `pending` until the profile exists."""

    id: str = Field(alias="_id")  # type: ignore[assignment]  # the user id
    email_lower: str
    password_hash: str
    status: Literal["pending", "active"]
    created_at: datetime

    class Settings:
        name = "credentials"
        indexes = [IndexModel([("email_lower", pymongo.ASCENDING)], unique=True)]


class SessionDoc(Document):
    """One signed-in device: a refresh-token family that rotates on every refresh."""

    id: str = Field(alias="_id")  # type: ignore[assignment]
    user_id: str
    token_hash: str  # SHA-256 of the current refresh secret
    rotated_hashes: list[str] = Field(default_factory=list)  # earlier secrets: reuse = theft
    device_id: str | None = None
    created_at: datetime
    refreshed_at: datetime
    expires_at: datetime
    revoked: bool = False
    revoked_reason: str | None = None
    version: int = 1

    class Settings:
        name = "sessions"
        indexes = [IndexModel([("user_id", pymongo.ASCENDING)])]


async def session_ended(session_id: str, user_id: str) -> str | None:
    """Why a sign-in session no longer lets ``user_id`` in (missing, someone else's, revoked or
    expired), or None while it does."""
    session = await SessionDoc.get(session_id)
    if session is None or session.user_id != user_id:
        return "sign-in session does not exist"
    if session.revoked:
        return "sign-in session has been revoked"
    if session.expires_at <= utcnow():
        return "sign-in session has expired"
    return None


async def live_sessions_of(user_id: str, limit: int) -> list[SessionDoc]:
    """The person's sessions that still let a device in, the most recently used first."""
    query = {"user_id": user_id, "revoked": False, "expires_at": {"$gt": utcnow()}}
    found = SessionDoc.find(query).sort("-refreshed_at").limit(limit)
    return await found.to_list()


class LoginThrottle(Document):
    """The times of the latest attempts per account or per client address (a sliding window)."""

    id: str = Field(alias="_id")  # type: ignore[assignment]  # "acct:<email>" or "addr:<ip>"
    attempts: list[float]  # epoch seconds, oldest first, at most limit + 1
    last_at: datetime

    class Settings:
        name = "login_throttle"


async def new_device(user_id: str, device_id: str) -> bool:
    """Whether a sign-in from ``device_id`` is the account's first on that device, though not
    its first sign-in (the one at sign-up is expected): read before its session is opened."""
    if await SessionDoc.find_one({"user_id": user_id, "device_id": device_id}) is not None:
        return False  # a device seen before: one read, the usual case
    return await SessionDoc.find_one(SessionDoc.user_id == user_id) is not None
