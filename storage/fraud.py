"""Beanie documents of fraud scoring (the fraud actor's): risk records, flags, profiles.

``RiskDoc`` is the latest score of one expense (``_id`` = ``<kind>:<expense id>``), with the
observation it was scored from, so a receipt read later or a burst found later scores it again
without the expense. ``FraudProfileDoc`` is one person's bounded habits (see
``actors.fraud.profile``); ``FlagDoc`` one flag per expense, raised, cleared and reviewed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pymongo
from beanie import Document
from pydantic import Field, PrivateAttr, field_serializer
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
    explanations: list[str] = Field(default_factory=list)  # the same in plain words
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
    """One person's profile. ``rev`` is a fresh token at every write, so a process that keeps
    a parsed profile knows it still holds what is stored (``version`` alone can be reached by
    two writers, one of which does not commit)."""

    id: str = Field(alias="_id")  # type: ignore[assignment]  # the person's id
    data: dict[str, Any] = Field(default_factory=dict)
    version: int
    rev: str | None = None
    updated_at: datetime
    # While staged: the actor's parsed form, and how ``data`` is made from it when (and only
    # if) this document is the one written, so a batch encodes a person's profile once.
    _parsed: Any = PrivateAttr(default=None)
    _render: Callable[[], dict[str, Any]] | None = PrivateAttr(default=None)

    @field_serializer("data")
    def _data(self, data: dict[str, Any]) -> dict[str, Any]:
        return self._render() if self._render is not None else data

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> FraudProfileDoc:
        """A copy sharing ``data`` and the parsed form: neither is ever changed in place (a
        new profile is a new document), and a profile is large, read for every event."""
        copied: FraudProfileDoc = self.model_copy()
        return copied

    def deferred(self, parsed: Any, render: Callable[[], dict[str, Any]]) -> FraudProfileDoc:
        """This document with ``data`` left to ``render`` at encoding time."""
        self._parsed, self._render = parsed, render
        return self

    @property
    def parsed(self) -> Any:
        """The parsed form this document was staged with (None when read from the database)."""
        return self._parsed

    class Settings:
        name = "fraud_profiles"
