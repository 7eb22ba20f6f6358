"""The currency actor's command payloads (operators and the schedule, not clients)."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal, Self

from pydantic import Field, model_validator

from bus.fx import BASE_CURRENCY
from bus.limits import (
    Day,
    ShortText,
)
from bus.money import (
    Amount,
    CurrencyCode,
    MoneyError,
    check_rate,
)
from bus.payload import (
    Payload,
)


class RefreshRates(Payload):
    """Fetch reference rates from the configured provider now."""

    COMMAND: ClassVar[str] = "rates.refresh"
    ACTOR: ClassVar[str] = "currency"

    trigger: Literal["schedule", "operator"] = "operator"


class SetRates(Payload):
    """An operator's rates for one day, as units per one EUR; they win over the provider's."""

    COMMAND: ClassVar[str] = "rates.set"
    ACTOR: ClassVar[str] = "currency"

    day: Day
    rates: Annotated[dict[CurrencyCode, Amount], Field(min_length=1, max_length=200)]
    force: bool = Field(False, description="Accept a rate far from the last known one.")
    note: ShortText | None = None

    @model_validator(mode="after")
    def _sane_rates(self) -> Self:
        for code, rate in self.rates.items():
            if code == BASE_CURRENCY:
                raise ValueError(f"{BASE_CURRENCY} is the base; its rate is always 1")
            try:
                check_rate(rate)
            except MoneyError as exc:
                raise ValueError(f"{code}: {exc}") from exc
        return self
