"""The entities as clients see them: API responses and the `entity` of event data."""

from __future__ import annotations

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
