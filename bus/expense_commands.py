"""The expenses actor's command payloads: personal expenses, categories and trips."""

from __future__ import annotations

from typing import Annotated, ClassVar, Self

from pydantic import ConfigDict, Field, model_validator

from bus.entities import ExpenseType
from bus.expense_fields import ExpenseFields
from bus.limits import (
    NULL_CLEARS,
    AwareDatetime,
    Day,
    Description,
    EntityId,
    Name,
    Notes,
    ShortText,
    Tags,
    Unset,
)
from bus.money import (
    CurrencyCode,
    PositiveAmount,
)
from bus.payload import (
    DeleteById,
    Payload,
    amount_fields,
    fit_precision,
    places_rule,
    refuse_nulls,
    schema_rules,
)


class CreateExpense(ExpenseFields):
    COMMAND: ClassVar[str] = "expense.create"
    ACTOR: ClassVar[str] = "expenses"

    id: EntityId | None = Field(None, description="Client-made UUID for offline creation.")
    date: Day
    occurred_at: AwareDatetime | None = None
    receipt_id: EntityId | None = Field(None, description="The receipt it was made from.")


class UpdateExpense(Payload):
    """Fields present are changed; a nullable field sent as null is cleared (a description
    to ""). Beyond this schema: an ``amount`` sent without ``currency`` has no more decimals
    than the expense's stored currency, and a ``currency`` sent without ``amount`` has at least
    as many as the stored amount uses."""

    COMMAND: ClassVar[str] = "expense.update"
    ACTOR: ClassVar[str] = "expenses"

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra=schema_rules(places_rule("currency", amount_fields("amount"))),
    )

    id: EntityId
    type: ExpenseType | Unset = None
    amount: PositiveAmount | Unset = None
    currency: CurrencyCode | Unset = None
    category_id: EntityId | None = None
    description: Annotated[Description | None, NULL_CLEARS] = None
    merchant: ShortText | None = None
    date: Day | Unset = None
    occurred_at: AwareDatetime | None = None
    notes: Notes | None = None
    tags: Tags | Unset = None
    trip_id: EntityId | None = None
    receipt_id: EntityId | None = None

    @model_validator(mode="after")
    def _amount_fits_currency(self) -> Self:
        fit_precision(self)
        refuse_nulls(self, "type", "amount", "currency", "date", "description", "tags")
        return self


class CreateCategory(Payload):
    COMMAND: ClassVar[str] = "category.create"
    ACTOR: ClassVar[str] = "expenses"

    id: EntityId | None = None
    name: Name
    icon: ShortText | None = None
    color: str | None = Field(None, pattern=r"^#[0-9a-fA-F]{6}$")


class RenameCategory(Payload):
    COMMAND: ClassVar[str] = "category.rename"
    ACTOR: ClassVar[str] = "expenses"

    id: EntityId
    name: Name


class CreateTrip(Payload):
    """A trip from ``start_date`` to ``end_date`` (inclusive).

    Beyond this schema: ``end_date`` is not before ``start_date``."""

    COMMAND: ClassVar[str] = "trip.create"
    ACTOR: ClassVar[str] = "expenses"

    id: EntityId | None = None
    name: Name
    destination: ShortText | None = None
    start_date: Day
    end_date: Day
    currency: CurrencyCode

    @model_validator(mode="after")
    def _dates_in_order(self) -> Self:
        if self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        return self


class UpdateTrip(Payload):
    """Fields present are changed. Beyond this schema: ``end_date`` is not before
    ``start_date`` (as sent, or as stored)."""

    COMMAND: ClassVar[str] = "trip.update"
    ACTOR: ClassVar[str] = "expenses"

    id: EntityId
    name: Name | Unset = None
    destination: ShortText | None = None
    start_date: Day | Unset = None
    end_date: Day | Unset = None
    currency: CurrencyCode | Unset = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> Self:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        refuse_nulls(self, "name", "start_date", "end_date", "currency")
        return self


class DeleteExpense(DeleteById):
    """A personal expense to delete."""

    COMMAND: ClassVar[str] = "expense.delete"
    ACTOR: ClassVar[str] = "expenses"


class ArchiveCategory(DeleteById):
    """A category to archive (its expenses keep it)."""

    COMMAND: ClassVar[str] = "category.archive"
    ACTOR: ClassVar[str] = "expenses"


class DeleteTrip(DeleteById):
    """A trip to delete."""

    COMMAND: ClassVar[str] = "trip.delete"
    ACTOR: ClassVar[str] = "expenses"
