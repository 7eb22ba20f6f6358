"""Beanie documents of shared groups (the splits actor's): groups, invites, ledger entries and
each group's running balances.

A group's ledger is one collection of entries (expenses, settlements, write-offs); each entry
stores its effect on the balances (``balance_shares``, per member, in ``balance_currency``), so
balances, explanations and statistics all read the same numbers. Amounts inside lists are
decimal strings; top-level amounts are Decimal128.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pymongo
from beanie import Document
from beanie.odm.custom_types import DecimalAnnotation
from pydantic import Field
from pymongo import IndexModel


class GroupDoc(Document):
    id: str = Field(alias="_id")  # type: ignore[assignment]
    scope: str
    name: str
    description: str = ""
    currency: str
    timezone: str
    settings: dict[str, Any]
    members: list[dict[str, Any]]  # {user_id, role, name, joined_at}
    member_ids: list[str]  # for the index: which groups is a person in
    former_members: list[dict[str, Any]] = Field(default_factory=list)  # {user_id, name, left_at}
    archived: bool = False
    version: int
    created_at: datetime
    updated_at: datetime

    class Settings:
        name = "groups"
        indexes = [
            IndexModel([("member_ids", pymongo.ASCENDING), ("created_at", pymongo.ASCENDING)])
        ]

    def member(self, user_id: str | None) -> dict[str, Any] | None:
        return next((m for m in self.members if m["user_id"] == user_id), None)

    def role_of(self, user_id: str | None) -> str | None:
        found = self.member(user_id)
        return found["role"] if found is not None else None


class InviteDoc(Document):
    id: str = Field(alias="_id")  # type: ignore[assignment]
    token_hash: str  # SHA-256 of the token, hex: never shown, never in an event
    group_id: str
    created_by: str
    expires_at: datetime
    max_uses: int
    uses: int = 0
    accepted_by: list[str] = Field(default_factory=list)
    revoked: bool = False
    version: int
    created_at: datetime
    updated_at: datetime

    class Settings:
        name = "group_invites"
        indexes = [
            IndexModel([("token_hash", pymongo.ASCENDING)], unique=True),
            IndexModel([("group_id", pymongo.ASCENDING)]),
        ]


class GroupEntryDoc(Document):
    """An expense, settlement or write-off of one group."""

    id: str = Field(alias="_id")  # type: ignore[assignment]
    group_id: str
    scope: str
    kind: str  # expense | settlement | write_off
    date: str  # ISO day
    # What it is, in its own currency (expenses and settlements).
    amount: DecimalAnnotation | None = None
    currency: str | None = None
    description: str = ""
    category: str | None = None
    notes: str | None = None
    paid_by: list[dict[str, str]] = Field(default_factory=list)  # {user_id, amount}
    split: dict[str, Any] = Field(default_factory=dict)
    shares: list[dict[str, str]] = Field(default_factory=list)  # {user_id, paid_share, owed_share}
    from_user: str | None = None
    to_user: str | None = None
    note: str | None = None
    expense_id: str | None = None
    user_id: str | None = None  # a write-off's member
    reason: str | None = None
    # Its value in the group's currency (rate_status "missing" until a rate exists).
    group_currency: str
    group_amount: DecimalAnnotation | None = None
    rate: DecimalAnnotation | None = None
    rate_date: str | None = None
    rate_source: str | None = None
    rate_status: str = "ok"
    # Its effect on the balances.
    balance_currency: str
    balance_shares: list[dict[str, str]]
    involved: list[str]  # members with a non-zero paid or owed share (explain's index)
    created_by: str
    version: int
    deleted: bool = False
    created_at: datetime
    updated_at: datetime

    class Settings:
        name = "group_entries"
        indexes = [
            IndexModel(
                [
                    ("group_id", pymongo.ASCENDING),
                    ("kind", pymongo.ASCENDING),
                    ("date", pymongo.DESCENDING),
                    ("_id", pymongo.DESCENDING),
                ]
            ),
            IndexModel(
                [
                    ("group_id", pymongo.ASCENDING),
                    ("involved", pymongo.ASCENDING),
                    ("date", pymongo.ASCENDING),
                    ("_id", pymongo.ASCENDING),
                ]
            ),
            IndexModel([("rate_status", pymongo.ASCENDING), ("currency", pymongo.ASCENDING)]),
        ]


class GroupBalanceDoc(Document):
    """A group's running balances, changed in the same transaction as every entry."""

    id: str = Field(alias="_id")  # type: ignore[assignment]  # the group id
    tally: dict[str, Any]  # actors.splits.balances.Tally.to_data(): nets and netted pairs
    plan: list[dict[str, str]] = Field(default_factory=list)
    entries: int = 0  # live entries (the group's currency cannot change once there are any)
    version: int
    changed_by: str | None = None  # the command that made this version
    updated_at: datetime

    class Settings:
        name = "group_balances"


class GroupBalanceSnapshotDoc(Document):
    """A group's balances as they were at one version (every few hundred), where past balances
    start folding the event log from."""

    id: str = Field(alias="_id")  # type: ignore[assignment]  # "<group id>:<version>"
    group_id: str
    version: int
    seq: int = 0  # the group scope's `seq` of the event that made this version
    at: datetime
    tally: dict[str, Any]

    class Settings:
        name = "group_balance_snapshots"
        indexes = [IndexModel([("group_id", pymongo.ASCENDING), ("at", pymongo.DESCENDING)])]
