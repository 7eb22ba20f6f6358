"""Beanie documents of personal money: expenses, categories and trips (the expenses actor's)."""

from __future__ import annotations

from datetime import datetime

import pymongo
from beanie import Document
from beanie.odm.custom_types import DecimalAnnotation
from pydantic import Field
from pymongo import IndexModel


class ExpenseDoc(Document):
    id: str = Field(alias="_id")  # type: ignore[assignment]
    owner_id: str
    scope: str
    type: str
    amount: DecimalAnnotation
    currency: str
    category_id: str | None = None
    description: str = ""
    merchant: str | None = None
    date: str  # ISO yyyy-mm-dd: sorts and ranges as text
    occurred_at: datetime | None = None
    occurred_offset_min: int | None = None  # the UTC offset the device gave, in minutes
    notes: str | None = None
    tags: list[str] = Field(default_factory=list)
    trip_id: str | None = None
    version: int
    created_at: datetime
    updated_at: datetime
    made_at: datetime | None = None
    receipt_id: str | None = None
    deleted: bool = False
    # Its value in the owner's home currency, fixed at the expense's date (rate_status "ok"),
    # or not yet known ("missing": no rate for the pair on that day; filled when one arrives).
    home_currency: str | None = None
    home_amount: DecimalAnnotation | None = None
    rate: DecimalAnnotation | None = None
    rate_date: str | None = None
    rate_source: str | None = None
    rate_status: str = "missing"

    class Settings:
        name = "expenses"
        indexes = [
            IndexModel(
                [
                    ("owner_id", pymongo.ASCENDING),
                    ("date", pymongo.DESCENDING),
                    ("_id", pymongo.DESCENDING),
                ]
            ),
            IndexModel([("owner_id", pymongo.ASCENDING), ("trip_id", pymongo.ASCENDING)]),
            IndexModel([("rate_status", pymongo.ASCENDING), ("currency", pymongo.ASCENDING)]),
        ]


class CategoryDoc(Document):
    id: str = Field(alias="_id")  # type: ignore[assignment]
    owner_id: str
    name: str
    icon: str | None = None
    color: str | None = None
    archived: bool = False
    is_default: bool = False
    version: int
    created_at: datetime
    updated_at: datetime

    class Settings:
        name = "categories"
        indexes = [IndexModel([("owner_id", pymongo.ASCENDING), ("name", pymongo.ASCENDING)])]


class TripDoc(Document):
    id: str = Field(alias="_id")  # type: ignore[assignment]
    owner_id: str
    name: str
    destination: str | None = None
    start_date: str
    end_date: str
    currency: str
    version: int
    created_at: datetime
    updated_at: datetime
    deleted: bool = False

    class Settings:
        name = "trips"
        indexes = [
            IndexModel([("owner_id", pymongo.ASCENDING), ("start_date", pymongo.DESCENDING)])
        ]
