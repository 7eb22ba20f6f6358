"""Budgets, savings goals and recurring expenses (the budgets actor's): command payloads, the
entities clients see, and the request-reply query of their status.

A budget caps spending per period (weekly, monthly, yearly or one custom range) in its own
timezone; a personal budget counts its owner's expenses, a shared one its group's. A goal
tracks savings towards a target. A recurring rule creates an expense on its dates.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    Strict,
    StrictBool,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bus.entities import Entity
from bus.goals import GoalView
from bus.limits import (
    JSON_INTEGER,
    NOT_BLANK,
    Day,
    EntityId,
    Name,
    ShortText,
    Timezone,
    Unset,
)
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

PeriodKind = Literal["weekly", "monthly", "yearly", "custom"]

DEFAULT_THRESHOLDS = (50, 80, 100)
MAX_THRESHOLDS = 10
MAX_CATEGORIES = 50
MAX_BUDGETS = 100  # per person, and per group
Threshold = Annotated[
    int, Strict(), Field(ge=1, le=1000, description="Percent of the period's amount."), JSON_INTEGER
]
Weekday = Annotated[int, Strict(), Field(ge=0, le=6), JSON_INTEGER]
"""0 = Monday .. 6 = Sunday (a JSON integer; so are every count and interval below)."""
Label = Annotated[ShortText, Field(min_length=1, max_length=60, pattern=NOT_BLANK)]


def _distinct(value: object) -> object:
    """No item twice, as written (the schema's ``uniqueItems``); items that differ as written
    but name the same thing (``"Food"`` and ``"food "``, an id in either case) are merged."""
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        seen: list[object] = []
        for item in value:
            if any(
                item == other and isinstance(other, str) == isinstance(item, str) for other in seen
            ):
                raise ValueError("listed twice")
            seen.append(item)
    return value


def _sorted(value: list[int] | None) -> list[int] | None:
    """Thresholds are a set of percentages: kept in increasing order."""
    return None if value is None else sorted(set(value))


def _merged(value: list[str] | None) -> list[str] | None:
    return None if value is None else list(dict.fromkeys(value))


def _labels(value: list[str] | None) -> list[str] | None:
    """Group expense categories are free text: compared without case or outer spaces."""
    return None if value is None else _merged([v.strip().casefold() for v in value])


_DISTINCT = BeforeValidator(_distinct)
_UNIQUE: dict[str, JsonValue] = {"uniqueItems": True}
CategoryIds = Annotated[
    list[EntityId], _DISTINCT, Field(max_length=MAX_CATEGORIES, json_schema_extra=_UNIQUE)
]
Labels = Annotated[
    list[Label], _DISTINCT, Field(max_length=MAX_CATEGORIES, json_schema_extra=_UNIQUE)
]
Thresholds = Annotated[
    list[Threshold],
    _DISTINCT,
    Field(
        min_length=1,
        max_length=MAX_THRESHOLDS,
        json_schema_extra=_UNIQUE,
        description="Percents of the amount that raise an alert; any order (kept sorted).",
    ),
]


# ---- budgets ------------------------------------------------------------------------------


_SHARED = {"properties": {"group_id": {"type": "string"}}, "required": ["group_id"]}
_CUSTOM = {"properties": {"period": {"const": "custom"}}, "required": ["period"]}


def _budget_schema(schema: dict[str, Any]) -> None:
    """What :meth:`CreateBudget._consistent` and its field checks decide, as JSON Schema: a
    shared budget (``group_id``) counts ``categories``, a personal one ``category_ids``; a
    ``custom`` period needs ``starts_on`` and ``ends_on`` and does not roll over; only a custom
    period has ``ends_on``."""
    empty = {"type": "array", "maxItems": 0}
    schema.setdefault("allOf", []).extend(
        [
            {
                "if": _SHARED,
                "then": {"properties": {"category_ids": empty}},
                "else": {"properties": {"categories": empty}},
            },
            {
                "if": _CUSTOM,
                "then": {
                    "properties": {
                        "starts_on": {"type": "string"},
                        "ends_on": {"type": "string"},
                        "rollover": {"const": False},
                    },
                    "required": ["starts_on", "ends_on"],
                },
                "else": {"properties": {"ends_on": {"type": "null"}}},
            },
        ]
    )


class CreateBudget(Payload):
    """A personal budget, or with ``group_id`` a shared one (group admins). Without
    ``starts_on`` it starts with the current period; ``custom`` needs both dates.

    Beyond this schema: ``ends_on`` is not before ``starts_on``, and a budget starts at most
    two years back."""

    COMMAND: ClassVar[str] = "budget.create"
    ACTOR: ClassVar[str] = "budgets"

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra=schema_rules(
            _budget_schema, places_rule("currency", amount_fields("amount"))
        ),
    )

    id: EntityId | None = None
    group_id: EntityId | None = None
    name: Name
    amount: PositiveAmount
    currency: CurrencyCode
    period: PeriodKind = "monthly"
    starts_on: Day | None = None
    ends_on: Day | None = Field(None, description="custom only: its last day (inclusive).")
    week_start: Weekday = Field(0, description="weekly only: 0 = Monday .. 6 = Sunday.")
    timezone: Timezone | None = Field(None, description="Default: yours, or the group's.")
    category_ids: CategoryIds = Field(
        default_factory=list, description="Personal: your categories counted; none = all."
    )
    categories: Labels = Field(
        default_factory=list, description="Shared: group expense categories counted; none = all."
    )
    rollover: StrictBool = Field(False, description="Carry the unspent rest into the next period.")
    thresholds: Thresholds = Field(default_factory=lambda: list(DEFAULT_THRESHOLDS))

    _thresholds = field_validator("thresholds")(_sorted)
    _unique_ids = field_validator("category_ids")(_merged)
    _folded = field_validator("categories")(_labels)

    @field_validator("ends_on")
    @classmethod
    def _ends_after_start(cls, value: date | None, info: ValidationInfo) -> date | None:
        if value is not None and info.data.get("period") != "custom":
            raise ValueError("only a custom period has an end")
        start = info.data.get("starts_on")
        if value is not None and start is not None and value < start:
            raise ValueError("ends_on is before starts_on")
        return value

    @field_validator("rollover")
    @classmethod
    def _rollover_needs_periods(cls, value: bool, info: ValidationInfo) -> bool:
        if value and info.data.get("period") == "custom":
            raise ValueError("a custom range has no next period to roll over into")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        fit_precision(self)
        if self.period == "custom" and (self.starts_on is None or self.ends_on is None):
            raise ValueError("a custom period needs starts_on and ends_on")
        if self.group_id is not None and self.category_ids:
            raise ValueError("a shared budget counts group expense `categories`, not category_ids")
        if self.group_id is None and self.categories:
            raise ValueError("a personal budget counts your `category_ids`")
        return self


class UpdateBudget(Payload):
    """Fields present are changed. Changing what is counted (categories, currency, period,
    timezone, start) recounts every period from the expenses seen so far. Beyond this schema:
    an ``amount`` sent without ``currency`` has no more decimals than the stored currency."""

    COMMAND: ClassVar[str] = "budget.update"
    ACTOR: ClassVar[str] = "budgets"

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra=schema_rules(places_rule("currency", amount_fields("amount"))),
    )

    id: EntityId
    name: Name | Unset = None
    amount: PositiveAmount | Unset = None
    currency: CurrencyCode | Unset = None
    period: PeriodKind | Unset = None
    starts_on: Day | Unset = None
    ends_on: Day | None = None
    week_start: Weekday | Unset = None
    timezone: Timezone | Unset = None
    category_ids: CategoryIds | Unset = None
    categories: Labels | Unset = None
    rollover: StrictBool | Unset = None
    thresholds: Thresholds | Unset = None

    _thresholds = field_validator("thresholds")(_sorted)
    _unique_ids = field_validator("category_ids")(_merged)
    _folded = field_validator("categories")(_labels)

    @field_validator("ends_on")
    @classmethod
    def _ends_after_start(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("starts_on")
        if value is not None and start is not None and value < start:
            raise ValueError("ends_on is before starts_on")
        return value

    @model_validator(mode="after")
    def _not_null(self) -> Self:
        refuse_nulls(
            self,
            "name",
            "amount",
            "currency",
            "period",
            "starts_on",
            "week_start",
            "timezone",
            "category_ids",
            "categories",
            "rollover",
            "thresholds",
        )
        fit_precision(self)
        return self


# ---- entities -----------------------------------------------------------------------------


class Budget(Entity):
    id: str
    owner_id: str = Field(description="Who made it.")
    group_id: str | None = None
    name: str
    amount: Amount
    currency: str
    period: PeriodKind
    starts_on: date
    ends_on: date | None = None
    week_start: int = 0
    timezone: str
    category_ids: list[str] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)
    rollover: bool = False
    thresholds: list[int]
    version: int
    deleted: bool = False
    created_at: datetime
    updated_at: datetime


class BudgetStatus(Entity):
    """Where a budget stands in one period (the current one unless asked otherwise)."""

    budget_id: str
    currency: str
    period_start: date
    period_end: date = Field(description="The period's last day (inclusive).")
    amount: Amount
    rolled_over: Amount = Field(description="Unspent rest carried in from earlier periods.")
    available: Amount = Field(description="amount + rolled_over.")
    spent: Amount
    remaining: Amount = Field(description="available - spent; negative when over.")
    percent_used: Percent = Field(description="spent / available * 100, one decimal.")
    days_total: int
    days_elapsed: int
    days_left: int = Field(description="Days of the period from today on, today included.")
    average_daily_spend: Amount = Field(description="spent / days_elapsed.")
    projected_total: Amount
    projection_method: str
    expenses_counted: int
    awaiting_rate: int = Field(description="Expenses not counted yet: no rate to convert them.")
    thresholds_crossed: list[int]
    exceeded: bool
    as_of: datetime


class BudgetView(Budget):
    status: BudgetStatus | None = None


# ---- request-reply: what needs the actor's rules ------------------------------------------


class ViewsQuery(Payload):
    """Budgets with their status and goals with their progress (the asker checked access)."""

    budget_ids: Annotated[list[str], Field(max_length=200)] = Field(default_factory=list)
    goal_ids: Annotated[list[str], Field(max_length=200)] = Field(default_factory=list)
    on: Day | None = Field(None, description="Status of the period containing this day.")


class Views(Entity):
    budgets: list[BudgetView]
    goals: list[GoalView]


class DeleteBudget(DeleteById):
    """A budget to delete."""

    COMMAND: ClassVar[str] = "budget.delete"
    ACTOR: ClassVar[str] = "budgets"
