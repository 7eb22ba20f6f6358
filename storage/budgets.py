"""Beanie documents of budgets, goals and recurring rules (the budgets actor's).

A budget's definition (``BudgetDoc``, versioned by its people) and its running tally
(``BudgetTallyDoc``: spending per period and the alerts already sent) are separate documents,
so spending moving on never makes a client's ``expected_version`` stale. ``SpendDoc`` is the
actor's own record of every expense it has applied (the latest version seen), from which a new
or changed budget is counted and against which a later version is applied exactly once.
Amounts inside dictionaries are decimal strings; top-level amounts are Decimal128.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pymongo
from beanie import Document
from beanie.odm.custom_types import DecimalAnnotation
from pydantic import Field
from pymongo import IndexModel


class BudgetDoc(Document):
    id: str = Field(alias="_id")  # type: ignore[assignment]
    scope: str  # user:<owner> or group:<id>: whose spending it counts, where its events go
    owner_id: str
    group_id: str | None = None
    name: str
    amount: DecimalAnnotation
    currency: str
    period: str
    starts_on: str  # ISO day: the first period's first day
    ends_on: str | None = None
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

    class Settings:
        name = "budgets"
        indexes = [IndexModel([("scope", pymongo.ASCENDING), ("created_at", pymongo.ASCENDING)])]


class BudgetTallyDoc(Document):
    """Spending per period, keyed by the period's first day:
    ``{spent: "12.30", counted: 3, awaiting: 0, fired: [50, 80], exceeded: false}``."""

    id: str = Field(alias="_id")  # type: ignore[assignment]  # the budget's id
    scope: str
    periods: dict[str, dict[str, Any]] = Field(default_factory=dict)
    version: int  # internal: moves with every change (optimistic concurrency)
    updated_at: datetime

    class Settings:
        name = "budget_tallies"


class SpendDoc(Document):
    """The latest version of one expense (personal or group) the budgets actor has applied."""

    id: str = Field(alias="_id")  # type: ignore[assignment]  # "<kind>:<entity id>"
    scope: str
    version: int
    counts: bool  # an expense that is not deleted (income never counts)
    date: str  # ISO day as recorded
    occurred_at: str | None = None  # ISO with the device's UTC offset, as the event gave it
    category: str | None = None  # category id (personal) or folded label (group)
    amount: DecimalAnnotation
    currency: str
    value: DecimalAnnotation | None = None  # in value_currency (home or group currency)
    value_currency: str | None = None
    conversions: dict[str, str | None] = Field(default_factory=dict)  # pinned: currency -> amount
    awaiting: bool = False  # a pinned conversion had no rate: rates.updated looks again

    class Settings:
        name = "budget_spends"
        indexes = [
            IndexModel([("scope", pymongo.ASCENDING), ("date", pymongo.ASCENDING)]),
            IndexModel([("awaiting", pymongo.ASCENDING), ("date", pymongo.ASCENDING)]),
        ]


class BudgetScopeDoc(Document):
    """One per scope with spending: every expense event and every budget change of the scope
    moves its version, so a budget counted afresh and an expense applied at the same moment
    conflict (and one retries) instead of each missing the other."""

    id: str = Field(alias="_id")  # type: ignore[assignment]  # the scope
    version: int
    updated_at: datetime

    class Settings:
        name = "budget_scopes"


class BudgetRebuildDoc(Document):
    """Scratch output of ``ledgerbus rebuild budgets``: each budget recounted from the log."""

    id: str = Field(alias="_id")  # type: ignore[assignment]
    run_id: str
    periods: dict[str, dict[str, Any]]
    made_at: datetime

    class Settings:
        name = "budget_rebuild"


class GoalDoc(Document):
    id: str = Field(alias="_id")  # type: ignore[assignment]
    scope: str
    owner_id: str
    name: str
    target_amount: DecimalAnnotation
    currency: str
    target_date: str | None = None
    timezone: str
    saved: DecimalAnnotation
    achieved_at: datetime | None = None
    version: int
    deleted: bool = False
    created_at: datetime
    updated_at: datetime

    class Settings:
        name = "goals"
        indexes = [IndexModel([("scope", pymongo.ASCENDING), ("created_at", pymongo.ASCENDING)])]


class RecurringDoc(Document):
    id: str = Field(alias="_id")  # type: ignore[assignment]
    scope: str
    owner_id: str
    template: dict[str, Any]  # an expense.create payload without id and date
    every: int
    unit: str
    day_of_month: int | None = None
    month_end: str = "clamp"
    start_date: str
    end_date: str | None = None
    max_count: int | None = None  # `count` of the rule (a Document has its own count())
    timezone: str
    made: int = 0
    last_occurrence: str | None = None
    next_date: str | None = None  # None once it has ended
    paused: bool = False
    last_error: str | None = None
    version: int
    deleted: bool = False
    created_at: datetime
    updated_at: datetime

    class Settings:
        name = "recurring_rules"
        indexes = [
            IndexModel([("scope", pymongo.ASCENDING), ("created_at", pymongo.ASCENDING)]),
            IndexModel([("next_date", pymongo.ASCENDING)]),
        ]
