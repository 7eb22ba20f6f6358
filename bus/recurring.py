"""Recurring expenses (the budgets actor's): the rule's command payloads, the scheduler's
advance, and the rule as clients see it. A rule creates an expense on each of its dates."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import ConfigDict, Field, Strict, ValidationInfo, field_validator, model_validator

from bus.entities import Entity
from bus.expense_fields import ExpenseFields
from bus.limits import JSON_INTEGER, Day, EntityId, ShortText, Timezone, Unset
from bus.payload import DeleteById, Payload, refuse_nulls, schema_rules

RepeatUnit = Literal["day", "week", "month", "year"]
MonthEnd = Literal["clamp", "skip"]
MAX_RULES = 200
Occurrences = Annotated[int, Strict(), Field(ge=1, le=10_000), JSON_INTEGER]
"""How many times a recurring rule fires before it ends."""


class ExpenseTemplate(ExpenseFields):
    """The expense each occurrence creates (its date is the occurrence's)."""


def _recurring_schema(schema: dict[str, Any]) -> None:
    """``day_of_month`` is for month and year units only (``month`` is the default unit)."""
    schema.setdefault("allOf", []).append(
        {
            "if": {"properties": {"unit": {"enum": ["day", "week"]}}, "required": ["unit"]},
            "then": {"properties": {"day_of_month": {"type": "null"}}},
        }
    )


class CreateRecurring(Payload):
    """Every ``every`` ``unit``s from ``start_date``; for months and years on ``day_of_month``
    (default: the start's day). A month without that day clamps to its last day, or is skipped
    with ``month_end: skip``. It ends after ``end_date`` or ``count`` occurrences, if given.

    Beyond this schema: ``end_date`` is not before ``start_date``, and ``start_date`` is at
    most a year back (its past occurrences are made at once)."""

    COMMAND: ClassVar[str] = "recurring.create"
    ACTOR: ClassVar[str] = "budgets"

    model_config = ConfigDict(
        frozen=True, extra="forbid", json_schema_extra=schema_rules(_recurring_schema)
    )

    id: EntityId | None = None
    template: ExpenseTemplate
    every: Annotated[int, Strict(), Field(ge=1, le=366), JSON_INTEGER] = 1
    unit: RepeatUnit = "month"
    day_of_month: Annotated[int, Strict(), Field(ge=1, le=31), JSON_INTEGER] | None = None
    month_end: MonthEnd = "clamp"
    start_date: Day
    end_date: Day | None = None
    count: Occurrences | None = None
    timezone: Timezone | None = Field(None, description="Default: yours.")

    @field_validator("end_date")
    @classmethod
    def _ends_after_start(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("start_date")
        if value is not None and start is not None and value < start:
            raise ValueError("end_date is before start_date")
        return value


class UpdateRecurring(Payload):
    """Changes the expense made from now on, or when it ends (not the past occurrences)."""

    COMMAND: ClassVar[str] = "recurring.update"
    ACTOR: ClassVar[str] = "budgets"

    id: EntityId
    template: ExpenseTemplate | Unset = None
    end_date: Day | None = None
    count: Occurrences | None = None

    @model_validator(mode="after")
    def _not_null(self) -> Self:
        refuse_nulls(self, "template")
        return self


class RecurringRef(Payload):
    id: EntityId


OccurrenceResult = Literal["created", "rejected", "unknown"]


class AdvanceRecurring(Payload):
    """The scheduler made (or tried) the occurrence on ``occurrence``: move the rule on."""

    COMMAND: ClassVar[str] = "recurring.advance"
    ACTOR: ClassVar[str] = "budgets"

    id: EntityId
    occurrence: Day
    expense_id: EntityId
    result: OccurrenceResult
    reason: ShortText | None = None


class RecurringRule(Entity):
    id: str
    owner_id: str
    template: dict[str, Any]
    every: int
    unit: RepeatUnit
    day_of_month: int | None = None
    month_end: MonthEnd
    start_date: date
    end_date: date | None = None
    count: int | None = None
    timezone: str
    made: int = Field(description="Occurrences created so far.")
    next_date: date | None = Field(None, description="Null once it has ended.")
    paused: bool = False
    last_error: str | None = None
    version: int
    deleted: bool = False
    created_at: datetime
    updated_at: datetime


class DeleteRecurring(DeleteById):
    """A recurring rule to delete."""

    COMMAND: ClassVar[str] = "recurring.delete"
    ACTOR: ClassVar[str] = "budgets"


class PauseRecurring(RecurringRef):
    """A recurring rule to pause."""

    COMMAND: ClassVar[str] = "recurring.pause"
    ACTOR: ClassVar[str] = "budgets"


class ResumeRecurring(RecurringRef):
    """A paused recurring rule to resume."""

    COMMAND: ClassVar[str] = "recurring.resume"
    ACTOR: ClassVar[str] = "budgets"
