"""Fraud scoring (the fraud actor's): the risk record of an expense, flags, and their review.

Every expense version is scored 0..100 with the signals that fired (weight and evidence) and
the model version that scored it; a score at or over the threshold raises a flag, which
reaches the expense's owner and, for a group bill, each of the group's admins. A review
(legitimate or fraud) closes the flag and teaches the scorer about that person.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import Field

from bus.entities import Entity
from bus.limits import EntityId, Notes
from bus.payload import Payload

ExpenseKind = Literal["expense", "group_expense"]
FlagStatus = Literal["open", "reviewed", "cleared"]
Verdict = Literal["legit", "fraud"]


class RiskSignal(Entity):
    name: str = Field(
        description="duplicate, receipt_reused, receipt_mismatch, outlier, "
        "velocity, limit_burst, round_amount, odd_hour or trip_mismatch."
    )
    weight: float = Field(ge=0.0, le=1.0, description="Its part of the score (0..1).")
    evidence: dict[str, Any] = Field(description="What it saw: amounts, ids, counts.")
    explanation: str = Field(
        "",
        description='In plain words, what looked wrong and against what ("3.8× your usual for '
        'Shopping (median 61.20 USD over 42 purchases)").',
    )


class Risk(Entity):
    expense_id: str
    kind: ExpenseKind
    group_id: str | None = None
    owner_id: str = Field(description="Whose expense: its owner, or the bill's issuer.")
    score: int = Field(ge=0, le=100)
    signals: list[RiskSignal]
    model_version: str
    expense_version: int = Field(description="The version of the expense scored.")
    version: int = Field(description="Moves on each time the expense is scored again.")
    flag_id: str | None = Field(
        None, description="Its flag, while the score is over the threshold."
    )
    scored_at: datetime


class Flag(Entity):
    id: str
    expense_id: str
    kind: ExpenseKind
    group_id: str | None = None
    owner_id: str
    score: int = Field(ge=0, le=100)
    reasons: list[str] = Field(description="The signals that fired, strongest first.")
    explanations: list[str] = Field(
        default_factory=list,
        description="The same in plain words, strongest first, for the person to read.",
    )
    status: FlagStatus = Field(
        description="open; reviewed (with a verdict); cleared (scored under the threshold "
        "again, or the expense was deleted)."
    )
    verdict: Verdict | None = None
    note: str | None = None
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    expense_version: int
    version: int
    created_at: datetime
    updated_at: datetime


class ReviewFlag(Payload):
    """A reviewer's verdict on an open flag: ``legit`` teaches the scorer this is normal for
    the person, ``fraud`` that the signals which fired were right."""

    COMMAND: ClassVar[str] = "flag.review"
    ACTOR: ClassVar[str] = "fraud"

    id: EntityId
    verdict: Verdict
    note: Notes | None = None
