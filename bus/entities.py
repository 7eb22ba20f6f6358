"""The entities as clients see them: API responses and the `entity` of event data."""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bus.money import Amount


class Entity(BaseModel):
    """Base of client-visible entities (JSON: snake_case, decimals as strings)."""

    model_config = ConfigDict(extra="forbid")


class User(Entity):
    id: str
    email: str
    name: str
    home_currency: str
    timezone: str
    version: int
    created_at: datetime
    updated_at: datetime


ExpenseType = Literal["expense", "income"]
RateStatus = Literal["ok", "missing"]


class Expense(Entity):
    id: str
    type: ExpenseType
    amount: Amount
    currency: str
    category_id: str | None = None
    description: str = ""
    merchant: str | None = None
    date: date
    occurred_at: datetime | None = Field(None, description="With its original UTC offset.")
    notes: str | None = None
    tags: list[str] = Field(default_factory=list)
    trip_id: str | None = None
    version: int
    created_at: datetime
    updated_at: datetime
    made_at: datetime | None = Field(None, description="When the device made it, as it said.")
    home_currency: str | None = Field(None, description="The owner's home currency when recorded.")
    home_amount: Amount | None = Field(
        None, description="`amount` in `home_currency` at the expense's date; null if no rate yet."
    )
    rate: Amount | None = Field(None, description="home_amount = amount * rate, half-even.")
    rate_date: dt.date | None = None
    rate_source: str | None = None
    rate_status: RateStatus = "missing"


class Category(Entity):
    id: str
    name: str
    icon: str | None = None
    color: str | None = None
    archived: bool = False
    is_default: bool = False
    version: int
    created_at: datetime
    updated_at: datetime


class Trip(Entity):
    id: str
    name: str
    destination: str | None = None
    start_date: date
    end_date: date
    currency: str
    version: int
    created_at: datetime
    updated_at: datetime


class Session(Entity):
    """A signed-in device session (refresh-token family); revoking it closes its sockets."""

    id: str
    user_id: str
    revoked: bool
    reason: str | None = None
    version: int
