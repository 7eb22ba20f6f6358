"""What conversions look like on the wire: the HTTP API's shapes and the currency actor's
request-reply queries (``rpc.currency.convert``, ``rpc.currency.rates``) share these models."""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime
from typing import Annotated, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from bus.limits import Day
from bus.money import Amount, CurrencyCode, PositiveAmount, check_places
from bus.payload import amount_fields, places_rule, schema_rules

MAX_CONVERSIONS = 1000  # per query: a page of expenses, a summary's (currency, day) groups
MAX_SYMBOLS = 200


class Wire(BaseModel):
    model_config = ConfigDict(
        frozen=True, extra="forbid", populate_by_name=True, serialize_by_alias=True
    )


class ConvertRequest(Wire):
    """Convert an amount from one currency to another at the rate of a day (today if absent)."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        populate_by_name=True,
        serialize_by_alias=True,
        json_schema_extra=schema_rules(places_rule("from", amount_fields("amount"))),
    )

    amount: PositiveAmount
    from_currency: CurrencyCode = Field(alias="from")
    to_currency: CurrencyCode = Field(alias="to")
    date: Day | None = Field(None, description="The day whose rate applies; default today (UTC).")

    @model_validator(mode="after")
    def _amount_fits_currency(self) -> Self:
        object.__setattr__(self, "amount", check_places(self.amount, self.from_currency))
        return self


class Conversion(Wire):
    """A converted amount and everything needed to recompute it: ``amount * rate`` rounded
    half-even to the target's minor units."""

    amount: Amount
    from_currency: str = Field(alias="from")
    to_currency: str = Field(alias="to")
    date: date
    converted_amount: Amount
    rate: Amount
    rate_date: dt.date
    rate_age_days: int = Field(
        0, description="How many days `rate_date` is before `date` (weekends make 1 or 2)."
    )
    source: str
    stale: bool = Field(
        description="The rate is older than `rates_stale_after_days` (the latest known, none "
        "newer was published), or its source is failing."
    )


class RateProblem(Wire):
    """Why one conversion could not be made (code ``rate_missing``)."""

    code: str
    message: str


class ConvertBatch(Wire):
    items: list[ConvertRequest] = Field(max_length=MAX_CONVERSIONS)


class ConvertBatchReply(Wire):
    results: list[Conversion | RateProblem]


def _symbols(value: object) -> object:
    """``USD,JPY`` (a query string, or several), or a list; empty means every known currency
    (None), as absent does."""
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list) and all(isinstance(part, str) for part in value):
        value = [code.strip() for part in value for code in part.split(",") if code.strip()]
    return value or None


class RatesQuery(Wire):
    """``GET /v1/currency/rates``: every rate against ``base`` for a day."""

    base: CurrencyCode = "EUR"
    symbols: Annotated[
        Annotated[list[CurrencyCode], Field(max_length=MAX_SYMBOLS)] | None,
        BeforeValidator(_symbols),
        Field(description="Comma separated; absent or empty: every known currency."),
    ] = None
    date: Day | None = Field(None, description="The day; default today (UTC).")


class RateEntry(Wire):
    rate: Amount = Field(description="Units of this currency per one unit of `base`.")
    rate_date: date
    rate_age_days: int = Field(0, description="How many days `rate_date` is before the day.")
    source: str
    stale: bool = Field(description="Older than `rates_stale_after_days`, or its source failing.")


class SourceStatus(Wire):
    name: str
    latest_day: date | None = None
    last_success_at: datetime | None = None
    last_attempt_at: datetime | None = None
    last_error: str | None = None
    stale: bool = False


class RatesTable(Wire):
    base: str
    date: date
    rates: dict[str, RateEntry]
    missing: dict[str, str] = Field(description="Currency -> why it has no rate for the day.")
    sources: list[SourceStatus]


class RatesRefresh(Wire):
    """The outcome of ``rates.refresh``: what the provider gave and what was kept."""

    source: str
    status: str = Field(description="`ok`, or `failed` (last known rates kept, marked stale).")
    error: str | None = None
    days_fetched: int = 0
    days_changed: list[date] = Field(default_factory=list)
    refused: dict[str, str] = Field(
        default_factory=dict, description="`<day> <currency>` -> why the rate was not believed."
    )
    latest_day: date | None = None
    stale: bool


class RatesChanged(Wire):
    """The entity of `rates.updated`: which source changed which days and currencies."""

    source: str
    days: list[date]
    currencies: list[str]


class RatesSet(Wire):
    """The outcome of ``rates.set``: an operator's rates for a day (source `manual`)."""

    day: date
    rates: dict[str, Amount]
    source: str
    note: str | None = None
    version: int
