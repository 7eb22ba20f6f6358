"""Request and response models of the HTTP API that are not command payloads or entities."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from bus.entities import Category, Expense, Trip, User
from bus.limits import Day, Email, EntityId, Name, Timezone, Version
from bus.money import Amount, CurrencyCode

Password = Annotated[str, StringConstraints(min_length=8, max_length=128)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegisterRequest(Strict):
    email: Email
    password: Password
    name: Name
    home_currency: CurrencyCode = "EUR"
    timezone: Timezone = "UTC"


class LoginRequest(Strict):
    email: Email
    password: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    device_id: Annotated[str, StringConstraints(max_length=64)] | None = None


LinkToken = Annotated[
    str,
    StringConstraints(min_length=3, max_length=128, pattern=r"^[A-Za-z0-9-]+\.[A-Za-z0-9_-]+$"),
]
"""The token of an account link (``<id>.<signature>``), as the app takes it from the URL."""


class VerifyEmailRequest(Strict):
    token: LinkToken


class ForgotPasswordRequest(Strict):
    email: Email


class ResetPasswordRequest(Strict):
    token: LinkToken
    password: Password


class ChangePasswordRequest(Strict):
    current_password: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    new_password: Password


class DeleteAccountRequest(Strict):
    current_password: Annotated[str, StringConstraints(min_length=1, max_length=128)]


class ChangeEmailRequest(Strict):
    new_email: Email
    current_password: Annotated[str, StringConstraints(min_length=1, max_length=128)]


class MailRequested(BaseModel):
    detail: str


class RefreshRequest(Strict):
    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class TokenResponse(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    user: User


class ProfilePatch(Strict):
    name: Name | None = None
    home_currency: CurrencyCode | None = None
    timezone: Timezone | None = None


class ExpenseQuery(Strict):
    date_from: Day | None = Field(
        None, alias="from", description="First date (inclusive), yyyy-mm-dd."
    )
    date_to: Day | None = Field(None, alias="to", description="Last date (inclusive), yyyy-mm-dd.")
    category_id: EntityId | None = None
    trip_id: EntityId | None = None
    type: Literal["expense", "income"] | None = None
    q: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = Field(
        None, description="Text in description or merchant (case-insensitive)."
    )
    limit: int = Field(50, ge=1, le=200)
    cursor: Annotated[str, StringConstraints(max_length=200)] | None = None
    display: CurrencyCode | None = Field(
        None, description="Also show each amount in this currency, at its date's rate."
    )

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class DisplayQuery(Strict):
    display: CurrencyCode | None = Field(
        None, description="Also show amounts in this currency, at each expense's date's rate."
    )


class SummaryQuery(Strict):
    date_from: Day | None = Field(None, alias="from", description="First date (inclusive).")
    date_to: Day | None = Field(None, alias="to", description="Last date (inclusive).")
    category_id: EntityId | None = None
    trip_id: EntityId | None = None
    type: Literal["expense", "income"] = "expense"
    display: CurrencyCode | None = Field(
        None, description="The currency of the totals; default the caller's home currency."
    )

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class PageQuery(Strict):
    limit: int = Field(50, ge=1, le=200)
    cursor: Annotated[str, StringConstraints(max_length=200)] | None = None


class CategoryQuery(Strict):
    include_archived: bool = False


class VersionQuery(Strict):
    expected_version: Version | None = Field(
        None, description='The version this change expects; or send `If-Match: "<version>"`.'
    )


class DisplayValue(BaseModel):
    """An amount shown in another currency: converted at the rate of the expense's own date."""

    currency: str
    amount: Amount | None = None
    rate: Amount | None = None
    rate_date: dt.date | None = None
    source: str | None = None
    stale: bool = False
    status: Literal["ok", "missing"]
    reason: str | None = None


class ExpenseView(Expense):
    display: DisplayValue | None = Field(None, description="With `?display=`: the shown value.")


class ExpensePage(BaseModel):
    items: list[ExpenseView]
    next_cursor: str | None


class CurrencyTotal(BaseModel):
    currency: str
    amount: Amount = Field(description="In this currency, as recorded.")
    count: int
    converted: Amount | None = Field(description="In the display currency; null if no rate.")


class CategoryTotal(BaseModel):
    category_id: str | None
    amount: Amount = Field(description="In the display currency.")


class Unconverted(BaseModel):
    currency: str
    date: dt.date
    amount: Amount
    reason: str


class ExpenseSummary(BaseModel):
    """Totals in one currency: each expense converted at its own date's rate and rounded
    half-even (as lists show it), then added up."""

    display_currency: str
    total: Amount
    count: int
    by_currency: list[CurrencyTotal]
    by_category: list[CategoryTotal]
    unconverted: list[Unconverted] = Field(description="Amounts with no rate yet (not in total).")
    stale: bool = Field(description="Some rate used is older than expected.")


class CategoryList(BaseModel):
    items: list[Category]
    next_cursor: str | None = None


class TripPage(BaseModel):
    items: list[Trip]
    next_cursor: str | None


class MoneyLine(BaseModel):
    currency: str
    amount: str


class CategoryLine(MoneyLine):
    category_id: str | None


class TripSummary(BaseModel):
    trip: Trip
    expense_count: int
    totals: list[MoneyLine]
    income: list[MoneyLine]
    by_category: list[CategoryLine]
    display: ExpenseSummary | None = Field(
        None, description="With `?display=`: the trip's expenses totalled in that currency."
    )


class CommandStatus(BaseModel):
    command_id: str
    status: Literal["accepted", "rejected", "pending", "failed"]
    outcome: dict[str, Any] | None = None
    reason: str | None = None


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    checks: dict[str, str] = Field(default_factory=dict)
