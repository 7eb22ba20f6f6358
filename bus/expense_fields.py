"""What an expense says, shared by the payloads that make one (a recorded expense, the template
of a recurring one)."""

from __future__ import annotations

from typing import Self

from pydantic import ConfigDict, Field, model_validator

from bus.entities import ExpenseType
from bus.limits import Description, EntityId, Notes, ShortText, Tags
from bus.money import CurrencyCode, PositiveAmount
from bus.payload import Payload, amount_fields, fit_precision, places_rule, schema_rules


class ExpenseFields(Payload):
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra=schema_rules(places_rule("currency", amount_fields("amount"))),
    )

    type: ExpenseType = "expense"
    amount: PositiveAmount
    currency: CurrencyCode
    category_id: EntityId | None = None
    description: Description = ""
    merchant: ShortText | None = None
    notes: Notes | None = None
    tags: Tags = Field(default_factory=list)
    trip_id: EntityId | None = None

    @model_validator(mode="after")
    def _amount_fits_currency(self) -> Self:
        fit_precision(self)
        return self
