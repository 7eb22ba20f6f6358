"""Savings goals (the budgets actor's): command payloads, and the goal with its progress as
clients see it. A goal tracks money put aside towards a target amount, by a date if given."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Self

from pydantic import ConfigDict, Field, model_validator

from bus.entities import Entity
from bus.limits import Day, EntityId, Name, ShortText, Timezone, Unset
from bus.money import Amount, CurrencyCode, Percent, PositiveAmount
from bus.payload import (
    DeleteById,
    Payload,
    amount_fields,
    fit_precision,
    places_rule,
    refuse_nulls,
    schema_rules,
)

MAX_GOALS = 100


class CreateGoal(Payload):
    COMMAND: ClassVar[str] = "goal.create"
    ACTOR: ClassVar[str] = "budgets"

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra=schema_rules(places_rule("currency", amount_fields("target_amount"))),
    )

    id: EntityId | None = None
    name: Name
    target_amount: PositiveAmount
    currency: CurrencyCode
    target_date: Day | None = None
    timezone: Timezone | None = Field(None, description="Default: yours.")

    @model_validator(mode="after")
    def _fits(self) -> Self:
        fit_precision(self, "target_amount")
        return self


class UpdateGoal(Payload):
    COMMAND: ClassVar[str] = "goal.update"
    ACTOR: ClassVar[str] = "budgets"

    id: EntityId
    name: Name | Unset = None
    target_amount: PositiveAmount | Unset = None
    target_date: Day | None = None

    @model_validator(mode="after")
    def _not_null(self) -> Self:
        refuse_nulls(self, "name", "target_amount")
        return self


class GoalMovement(Payload):
    """Money put into (contribute) or taken out of (withdraw) a goal, in its currency."""

    id: EntityId
    amount: PositiveAmount
    note: ShortText | None = None


class Goal(Entity):
    id: str
    owner_id: str
    name: str
    target_amount: Amount
    currency: str
    target_date: date | None = None
    timezone: str
    saved: Amount
    achieved_at: datetime | None = None
    version: int
    deleted: bool = False
    created_at: datetime
    updated_at: datetime


class GoalProgress(Entity):
    goal_id: str
    saved: Amount
    remaining: Amount
    percent: Percent
    achieved: bool
    days_left: int | None = None
    needed_per_week: Amount | None = Field(None, description="To reach the target on time.")
    needed_per_month: Amount | None = None
    overdue: bool = False
    as_of: datetime


class GoalView(Goal):
    progress: GoalProgress | None = None


class DeleteGoal(DeleteById):
    """A goal to delete."""

    COMMAND: ClassVar[str] = "goal.delete"
    ACTOR: ClassVar[str] = "budgets"


class ContributeToGoal(GoalMovement):
    """Money put toward a goal."""

    COMMAND: ClassVar[str] = "goal.contribute"
    ACTOR: ClassVar[str] = "budgets"


class WithdrawFromGoal(GoalMovement):
    """Money taken back from a goal."""

    COMMAND: ClassVar[str] = "goal.withdraw"
    ACTOR: ClassVar[str] = "budgets"
