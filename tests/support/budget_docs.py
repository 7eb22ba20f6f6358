"""Stored documents of the budgets, currency and ocr actors, built for handler unit tests on
the in-memory unit of work (``tests.support.fake_work``); every builder takes overrides."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from actors.budgets.runtime import BudgetsRuntime
from actors.currency.runtime import CurrencyRuntime
from bus.envelopes import Event
from bus.fx import DayRates
from bus.ids import group_scope, user_scope
from bus.settings import Settings
from storage.accounts import UserDoc
from storage.budgets import BudgetDoc, BudgetTallyDoc, GoalDoc, RecurringDoc, SpendDoc
from storage.groups import GroupDoc
from storage.ledger import CategoryDoc, TripDoc
from storage.receipts import ReceiptDoc
from tests.support.expense_docs import user_doc
from tests.support.fake_work import NOW


def new_id() -> str:
    return str(uuid.uuid4())


def user(name: str = "ada", **fields: Any) -> UserDoc:
    """A registered person in Berlin (budgets count days in their timezone)."""
    return user_doc(name, **{"timezone": "Europe/Berlin", **fields})


def group(owner: UserDoc, *members: tuple[UserDoc, str], **fields: Any) -> GroupDoc:
    """A group ``owner`` owns, with ``members`` in their roles."""
    everyone = [(owner, "owner"), *members]
    gid = fields.pop("id", new_id())
    values: dict[str, Any] = {
        "id": gid,
        "scope": group_scope(gid),
        "name": "Flat",
        "currency": "EUR",
        "timezone": "UTC",
        "settings": {},
        "members": [
            {"user_id": u.id, "role": r, "name": u.name, "joined_at": NOW} for u, r in everyone
        ],
        "member_ids": [u.id for u, _ in everyone],
        "version": 1,
        "created_at": NOW,
        "updated_at": NOW,
        **fields,
    }
    return GroupDoc(**values)


def category(owner: UserDoc, **fields: Any) -> CategoryDoc:
    values: dict[str, Any] = {
        "id": new_id(),
        "owner_id": owner.id,
        "name": "Food",
        "version": 1,
        "created_at": NOW,
        "updated_at": NOW,
        **fields,
    }
    return CategoryDoc(**values)


def trip(owner: UserDoc, **fields: Any) -> TripDoc:
    values: dict[str, Any] = {
        "id": new_id(),
        "owner_id": owner.id,
        "name": "Rome",
        "start_date": "2026-12-01",
        "end_date": "2026-12-08",
        "currency": "EUR",
        "version": 1,
        "created_at": NOW,
        "updated_at": NOW,
        **fields,
    }
    return TripDoc(**values)


def budget(owner: UserDoc, **fields: Any) -> BudgetDoc:
    """A personal monthly budget of 100 EUR from November 2026 (``scope`` follows
    ``group_id`` when one is given)."""
    group_id = fields.get("group_id")
    values: dict[str, Any] = {
        "id": new_id(),
        "scope": group_scope(group_id) if group_id else user_scope(owner.id),
        "owner_id": owner.id,
        "name": "Groceries",
        "amount": Decimal("100.00"),
        "currency": "EUR",
        "period": "monthly",
        "starts_on": "2026-11-01",
        "timezone": "UTC",
        "thresholds": [50, 80, 100],
        "version": 1,
        "created_at": NOW,
        "updated_at": NOW,
        **fields,
    }
    return BudgetDoc(**values)


def tally(doc: BudgetDoc, periods: dict[str, dict[str, Any]], version: int = 1) -> BudgetTallyDoc:
    return BudgetTallyDoc(
        id=doc.id, scope=doc.scope, periods=periods, version=version, updated_at=NOW
    )


def spend(scope: str, **fields: Any) -> SpendDoc:
    """The budgets actor's record of an applied expense: 30 EUR on 2026-11-20."""
    values: dict[str, Any] = {
        "id": f"expense:{new_id()}",
        "scope": scope,
        "version": 1,
        "counts": True,
        "date": "2026-11-20",
        "amount": Decimal("30.00"),
        "currency": "EUR",
        **fields,
    }
    return SpendDoc(**values)


def goal(owner: UserDoc, **fields: Any) -> GoalDoc:
    """A goal of 1000 EUR with 100 EUR saved."""
    values: dict[str, Any] = {
        "id": new_id(),
        "scope": user_scope(owner.id),
        "owner_id": owner.id,
        "name": "Bike",
        "target_amount": Decimal("1000.00"),
        "currency": "EUR",
        "timezone": "UTC",
        "saved": Decimal("100.00"),
        "version": 1,
        "created_at": NOW,
        "updated_at": NOW,
        **fields,
    }
    return GoalDoc(**values)


def rule(owner: UserDoc, **fields: Any) -> RecurringDoc:
    """A monthly rule on the 1st, started 2026-10-01, waiting for 2026-12-01."""
    values: dict[str, Any] = {
        "id": new_id(),
        "scope": user_scope(owner.id),
        "owner_id": owner.id,
        "template": {"amount": "9.99", "currency": "EUR", "description": "Music"},
        "every": 1,
        "unit": "month",
        "start_date": "2026-10-01",
        "timezone": "UTC",
        "made": 2,
        "last_occurrence": "2026-11-01",
        "next_date": "2026-12-01",
        "version": 1,
        "created_at": NOW,
        "updated_at": NOW,
        **fields,
    }
    return RecurringDoc(**values)


def receipt(owner: UserDoc, **fields: Any) -> ReceiptDoc:
    rid = fields.pop("id", new_id())
    values: dict[str, Any] = {
        "id": rid,
        "scope": user_scope(owner.id),
        "owner_id": owner.id,
        "file_id": rid,
        "sha256": "a" * 64,
        "content_type": "image/png",
        "size": 1234,
        "width": 600,
        "height": 900,
        "version": 1,
        "created_at": NOW,
        "updated_at": NOW,
        **fields,
    }
    return ReceiptDoc(**values)


def expense_event(scope: str, event_type: str = "expense.created", **entity: Any) -> Event:
    """An expense event as the expenses actor publishes it (30 EUR on 2026-11-20)."""
    data: dict[str, Any] = {
        "id": new_id(),
        "type": "expense",
        "amount": "30.00",
        "currency": "EUR",
        "category_id": None,
        "date": "2026-11-20",
        "occurred_at": None,
        "version": 1,
        **entity,
    }
    return Event(
        event_id=new_id(),
        type=event_type,
        command_id=new_id(),
        scope=scope,
        seq=1,
        occurred_at=NOW,
        data={"entity": data, "version": data["version"], "before": None},
    )


def rates(day: date, source: str = "ECB", **per_eur: str) -> DayRates:
    return DayRates(day, {code: Decimal(rate) for code, rate in per_eur.items()}, source)


def budgets_runtime(*days: DayRates) -> BudgetsRuntime:
    """The budgets runtime, not started, its rate book holding ``days``."""
    runtime = BudgetsRuntime(Settings())
    runtime.reader.book.add_all(days)
    return runtime


def currency_runtime(*days: DayRates, **settings: Any) -> CurrencyRuntime:
    """The currency runtime, not started, its rate book holding ``days``."""
    runtime = CurrencyRuntime(Settings(**settings))
    runtime.reader.book.add_all(days)
    return runtime
