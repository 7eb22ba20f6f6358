"""Beanie documents of fraud scoring (the fraud actor's): risk records, flags, profiles.

``RiskDoc`` is the latest score of one expense (``_id`` = ``<kind>:<expense id>``), with the
observation it was scored from, so a receipt read later or a burst found later scores it again
without the expense. ``FraudProfileDoc`` is one person's bounded habits (see
``actors.fraud.profile``); ``FlagDoc`` one flag per expense, raised, cleared and reviewed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pymongo
from beanie import Document
from pydantic import Field
from pymongo import IndexModel


class RiskDoc(Document):
    id: str = Field(alias="_id")  # type: ignore[assignment]
    kind: str  # expense | group_expense
    expense_id: str
    owner_id: str
    group_id: str | None = None
    expense_version: int  # the newest version seen (a tombstone's, once deleted)
    version: int
    score: int = 0
    signals: list[dict[str, Any]] = Field(default_factory=list)
    model_version: str = ""
    facts: dict[str, Any] = Field(default_factory=dict)
    receipt_id: str | None = None
    flag_id: str | None = None  # while flagged
    deleted: bool = False
    scored_at: datetime | None = None
    updated_at: datetime

    class Settings:
        name = "fraud_risks"
        indexes = [
            IndexModel([("receipt_id", pymongo.ASCENDING)], sparse=True),
        ]


class FlagDoc(Document):
    id: str = Field(alias="_id")  # type: ignore[assignment]
    risk_id: str
    kind: str
    expense_id: str
    owner_id: str
    group_id: str | None = None
    score: int
    reasons: list[str]
    status: str  # open | reviewed | cleared
    verdict: str | None = None
    note: str | None = None
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    expense_version: int
    version: int
    created_at: datetime
    updated_at: datetime

    class Settings:
        name = "fraud_flags"
        indexes = [
            IndexModel(
                [
                    ("owner_id", pymongo.ASCENDING),
                    ("status", pymongo.ASCENDING),
                    ("created_at", pymongo.DESCENDING),
                ]
            ),
            IndexModel(
                [
                    ("group_id", pymongo.ASCENDING),
                    ("status", pymongo.ASCENDING),
                    ("created_at", pymongo.DESCENDING),
                ]
            ),
        ]


class FraudProfileDoc(Document):
    id: str = Field(alias="_id")  # type: ignore[assignment]  # the person's id
    data: dict[str, Any] = Field(default_factory=dict)
    version: int
    updated_at: datetime

    class Settings:
        name = "fraud_profiles"
