"""Tokens of account links (the accounts actor's): one record per link sent, naming whose it
is, the address it was sent to, until when it works, and when it was used (once). The link's
signature is not stored (:mod:`bus.account_links`)."""

from __future__ import annotations

from datetime import datetime

import pymongo
from beanie import Document
from pydantic import Field
from pymongo import IndexModel

from bus.account_links import LinkPurpose


class AccountTokenDoc(Document):
    id: str = Field(alias="_id")  # type: ignore[assignment]
    purpose: LinkPurpose
    user_id: str
    email: str  # the address the link was sent to (a link for an earlier address is void)
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    version: int = 1

    class Settings:
        name = "account_tokens"
        indexes = [IndexModel([("user_id", pymongo.ASCENDING), ("purpose", pymongo.ASCENDING)])]


def usable(token: AccountTokenDoc | None, purpose: LinkPurpose, now: datetime) -> str | None:
    """Why ``token`` cannot be used for ``purpose`` now, or None when it can."""
    if token is None or token.purpose != purpose:
        return "this link is not valid"
    if token.used_at is not None:
        return "this link was already used"
    if token.expires_at <= now:
        return "this link has expired"
    return None
