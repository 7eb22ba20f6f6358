"""Stored documents, runtimes and events of the accounts and expenses actors, built in memory
for their handler tests (``tests/test_unit_*_handlers.py``): each builder gives a valid,
version-1 document owned by one person, with any field overridden by keyword."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from actors.expenses.runtime import ExpensesRuntime
from bus.envelopes import Event
from bus.fx import DayRates
from bus.ids import user_scope
from bus.settings import Settings
from storage.accounts import Credential, SessionDoc, UserDoc
from storage.ledger import CategoryDoc, ExpenseDoc, TripDoc
from storage.receipts import ReceiptDoc
from storage.staging import StagedEvent
from tests.support.fake_work import NOW


def new_id() -> str:
    return str(uuid.uuid4())


def user_doc(name: str, home_currency: str = "EUR", **fields: Any) -> UserDoc:
    """A registered person (profile version 1)."""
    values: dict[str, Any] = {
        "id": new_id(),
        "email": f"{name}@example.com",
        "email_lower": f"{name}@example.com",
        "name": name,
        "home_currency": home_currency,
        "timezone": "UTC",
        "version": 1,
        "created_at": NOW,
        "updated_at": NOW,
        **fields,
    }
    return UserDoc(**values)


def credential(user_id: str, email: str, status: str = "pending") -> Credential:
    """The credential the edge stores at sign-up, before the profile exists."""
    return Credential(
        id=user_id,
        email_lower=email.lower(),
        password_hash="$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
        status=status,
        created_at=NOW,
    )


def session_doc(user_id: str, **fields: Any) -> SessionDoc:
    """A signed-in device of ``user_id``, not revoked."""
    values: dict[str, Any] = {
        "id": new_id(),
        "user_id": user_id,
        "token_hash": "0" * 64,
        "created_at": NOW,
        "refreshed_at": NOW,
        "expires_at": NOW.replace(year=NOW.year + 1),
        **fields,
    }
    return SessionDoc(**values)


def category_doc(owner: str, name: str = "Coffee", **fields: Any) -> CategoryDoc:
    values: dict[str, Any] = {
        "id": new_id(),
        "owner_id": owner,
        "name": name,
        "version": 1,
        "created_at": NOW,
        "updated_at": NOW,
        **fields,
    }
    return CategoryDoc(**values)


def trip_doc(owner: str, **fields: Any) -> TripDoc:
    values: dict[str, Any] = {
        "id": new_id(),
        "owner_id": owner,
        "name": "Lisbon",
        "start_date": "2026-11-10",
        "end_date": "2026-11-20",
        "currency": "EUR",
        "version": 1,
        "created_at": NOW,
        "updated_at": NOW,
        **fields,
    }
    return TripDoc(**values)


def expense_doc(owner: str, **fields: Any) -> ExpenseDoc:
    """12.50 EUR on 2026-11-20, its home value fixed at 12.50 EUR (rate 1)."""
    values: dict[str, Any] = {
        "id": new_id(),
        "owner_id": owner,
        "scope": user_scope(owner),
        "type": "expense",
        "amount": Decimal("12.50"),
        "currency": "EUR",
        "description": "lunch",
        "date": "2026-11-20",
        "version": 1,
        "created_at": NOW,
        "updated_at": NOW,
        "home_currency": "EUR",
        "home_amount": Decimal("12.50"),
        "rate": Decimal(1),
        "rate_date": "2026-11-20",
        "rate_source": "identity",
        "rate_status": "ok",
        **fields,
    }
    return ExpenseDoc(**values)


def receipt_doc(owner: str, **fields: Any) -> ReceiptDoc:
    """A receipt of ``owner``, pending unless ``status`` says otherwise."""
    values: dict[str, Any] = {
        "id": new_id(),
        "scope": user_scope(owner),
        "owner_id": owner,
        "file_id": new_id(),
        "sha256": uuid.uuid4().hex * 2,
        "content_type": "image/png",
        "size": 1000,
        "width": 400,
        "height": 800,
        "version": 1,
        "created_at": NOW,
        "updated_at": NOW,
        **fields,
    }
    return ReceiptDoc(**values)


def expenses_runtime(
    rates: dict[date, dict[str, str]] | None = None,
    *,
    source: str = "ecb",
    max_age_days: int = 0,
    confidence: float = 0.8,
) -> ExpensesRuntime:
    """The expenses actor's runtime, not started: its rate book holds ``rates`` (units per one
    EUR, by day), as the reader would after loading them from the store."""
    settings = Settings(
        rates_max_age_days=max_age_days,
        rates_stale_after_days=5,
        receipt_auto_apply_confidence=confidence,
    )
    runtime = ExpensesRuntime(settings)
    for day, by_currency in (rates or {}).items():
        parsed = {code: Decimal(text) for code, text in by_currency.items()}
        runtime.reader.book.add(DayRates(day, parsed, source))
    return runtime


def bus_event(scope: str, event_type: str, data: dict[str, Any], seq: int = 1) -> Event:
    """An event as consumers receive it: staged, numbered, logged, then read off the log."""
    staged = StagedEvent(scope, event_type, data, new_id(), NOW, seq=seq)
    return staged.to_record().to_event()


def delivered(staged: StagedEvent) -> Event:
    """An event a handler emitted (and a commit numbered), as it reaches other actors."""
    return staged.to_record().to_event()
