"""The expenses actor's reactions to other actors' events, run on the in-memory unit of work:
new rates give waiting expenses their home value (`rates.updated`), and a receipt read with
confidence makes or fills its expense (`receipt.scanned`). Each is applied twice where the bus
may redeliver, and must change nothing the second time. No server is started."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from actors.changes import change_data
from actors.expenses.expenses import fill_home_values
from actors.expenses.receipts import apply_scanned
from bus.conversions import RatesChanged
from bus.envelopes import Event
from bus.ids import RATES_SCOPE, derived_id, user_scope
from storage.ledger import ExpenseDoc
from storage.receipt_reads import receipt_entity
from storage.receipts import ReceiptDoc
from tests.support.expense_docs import (
    bus_event,
    expense_doc,
    expenses_runtime,
    new_id,
    receipt_doc,
    user_doc,
)
from tests.support.fake_work import MemoryWork

RATES = {date(2026, 11, 10): {"USD": "1.20"}, date(2026, 11, 20): {"USD": "1.25"}}
MISSING: dict[str, Any] = {
    "home_amount": None,
    "rate": None,
    "rate_date": None,
    "rate_source": None,
    "rate_status": "missing",
}


def _rates_updated(days: list[date], currencies: list[str]) -> Event:
    changed = RatesChanged(source="ecb", days=days, currencies=currencies)
    return bus_event(RATES_SCOPE, "rates.updated", change_data(changed))


async def _react(reaction: Any, event: Event, *docs: Any, runtime: Any = None) -> MemoryWork:
    """Apply ``reaction`` to ``event`` as a batch does (under the event's command id)."""
    work = MemoryWork(
        *docs, runtime=runtime or expenses_runtime(RATES), command_id=event.command_id
    )
    await reaction(event, work)
    work.commit()
    return work


async def test_new_rates_give_waiting_expenses_their_home_value_once(documents: None) -> None:
    ada = user_doc("ada")
    waiting = expense_doc(ada.id, currency="USD", **MISSING)
    home_usd = expense_doc(ada.id, date="2026-11-22", home_currency="USD", **MISSING)
    event = _rates_updated([date(2026, 11, 20)], ["USD"])
    work = await _react(fill_home_values, event, ada, waiting, home_usd)

    converted = work.one(ExpenseDoc, waiting.id)
    assert (converted.home_amount, converted.rate, converted.rate_status) == (
        Decimal("10.00"),
        Decimal("0.8"),
        "ok",
    )
    assert (converted.rate_date, converted.rate_source, converted.version) == (
        "2026-11-20",
        "ecb",
        2,
    )
    into_usd = work.one(ExpenseDoc, home_usd.id)  # its home currency is the one that changed
    assert (into_usd.home_amount, into_usd.rate_status) == (Decimal("15.62"), "ok")
    assert [(e.scope, e.type, e.command_id) for e in work.committed] == [
        (user_scope(ada.id), "expense.converted", event.command_id),
    ] * 2
    by_id = {e.data["entity"]["id"]: e.data for e in work.committed}
    assert by_id[waiting.id]["entity"]["home_amount"] == "10.00"
    assert by_id[waiting.id]["before"]["rate_status"] == "missing"

    work = work.next()
    await fill_home_values(event, work)  # redelivered: nothing is waiting any more
    assert work.commit() == []


async def test_new_rates_leave_alone_what_they_cannot_serve(documents: None) -> None:
    ada = user_doc("ada")
    untouched = [
        expense_doc(ada.id, currency="GBP", **MISSING),  # a currency that did not change
        expense_doc(ada.id, currency="USD", date="2026-11-19", **MISSING),  # before the new day
        expense_doc(ada.id, currency="USD", deleted=True, **MISSING),
        expense_doc(ada.id, currency="USD", home_currency=None, **MISSING),
        expense_doc(ada.id, currency="CHF", **MISSING),  # announced, but not in this book
        expense_doc(ada.id, currency="USD", rate_status="stale"),  # has a value already
    ]
    event = _rates_updated([date(2026, 11, 20)], ["USD", "CHF"])
    work = await _react(fill_home_values, event, ada, *untouched)
    assert work.committed == []
    assert [work.one(ExpenseDoc, doc.id) for doc in untouched] == untouched


@pytest.mark.parametrize(("days", "currencies"), [([], ["USD"]), ([date(2026, 11, 20)], [])])
async def test_rates_updated_naming_no_day_or_no_currency_changes_nothing(
    documents: None, days: list[date], currencies: list[str]
) -> None:
    ada = user_doc("ada")
    waiting = expense_doc(ada.id, currency="USD", **MISSING)
    work = await _react(fill_home_values, _rates_updated(days, currencies), ada, waiting)
    assert work.committed == []
    assert work.one(ExpenseDoc, waiting.id) == waiting


# ---- receipt.scanned ----------------------------------------------------------------------

READ = {"merchant": "Cafe Luna", "date": "2026-11-20", "total": "9.60", "currency": "USD"}
SURE = {"merchant": 0.4, "date": 0.9, "total": 0.8, "currency": 0.95}


def _scanned(owner: str, **fields: Any) -> tuple[ReceiptDoc, Event]:
    """A receipt read by the ocr actor and its `receipt.scanned` event, as that actor emits it."""
    values: dict[str, Any] = {
        "status": "scanned",
        "auto_apply": True,
        "fields": READ,
        "confidence": SURE,
        **fields,
    }
    doc = receipt_doc(owner, **values)
    entity = receipt_entity(doc)
    return doc, bus_event(user_scope(owner), "receipt.scanned", change_data(entity))


async def test_a_confident_receipt_makes_its_expense_once(documents: None) -> None:
    ada = user_doc("ada")
    receipt, event = _scanned(ada.id)
    work = await _react(apply_scanned, event, ada, receipt)

    expense_id = derived_id("receipt-expense", receipt.id)
    made = work.one(ExpenseDoc, expense_id)
    assert (made.owner_id, made.amount, made.currency, made.date) == (
        ada.id,
        Decimal("9.60"),
        "USD",
        "2026-11-20",
    )
    assert (made.merchant, made.description, made.receipt_id) == (
        "Cafe Luna",
        "Cafe Luna",
        receipt.id,
    )
    assert (made.home_currency, made.home_amount, made.rate_status) == (
        "EUR",
        Decimal("7.68"),
        "ok",
    )
    [created] = work.committed
    assert (created.scope, created.type) == (user_scope(ada.id), "expense.created")
    assert created.data["entity"]["id"] == expense_id
    assert created.data["before"] is None
    assert work.one(ReceiptDoc, receipt.id) == receipt  # the ocr actor's record is only read

    work = work.next()
    await apply_scanned(event, work)  # redelivered
    assert work.commit() == []
    assert work.one(ExpenseDoc, expense_id) == made


async def test_a_receipt_uploaded_for_an_expense_fills_it_in(documents: None) -> None:
    ada = user_doc("ada", home_currency="CHF")  # the expense keeps the home it was recorded in
    draft = expense_doc(ada.id, amount=Decimal("1.00"), merchant="Luna", description="coffee")
    unread = {**READ, "merchant": None}
    receipt, event = _scanned(ada.id, expense_id=draft.id, fields=unread)
    work = await _react(apply_scanned, event, ada, draft, receipt)

    filled = work.one(ExpenseDoc, draft.id)
    assert (filled.amount, filled.currency, filled.date, filled.receipt_id) == (
        Decimal("9.60"),
        "USD",
        "2026-11-20",
        receipt.id,
    )
    assert (filled.merchant, filled.description, filled.version) == ("Luna", "coffee", 2)
    assert (filled.home_currency, filled.home_amount) == ("EUR", Decimal("7.68"))
    [updated] = work.committed
    assert (updated.scope, updated.type) == (user_scope(ada.id), "expense.updated")
    assert updated.data["before"]["amount"] == "1.00"
    assert updated.data["entity"]["amount"] == "9.60"


NOT_APPLIED: dict[str, dict[str, Any]] = {
    "uploaded without auto_apply": {"auto_apply": False},
    "total below the confidence asked": {"confidence": {**SURE, "total": 0.79}},
    "no date read": {"fields": {**READ, "date": None}},
    "same image seen before": {"duplicates": [new_id()]},
    "a zero total": {"fields": {**READ, "total": "0.00"}},
    "decimals its currency lacks": {"fields": {**READ, "total": "960.50", "currency": "JPY"}},
    "a currency code that is none": {"fields": {**READ, "currency": "XYZ"}},
    "a code in lower case": {"fields": {**READ, "currency": "usd"}},
}


@pytest.mark.parametrize("case", list(NOT_APPLIED))
async def test_a_receipt_not_read_well_enough_is_left_for_its_owner(
    documents: None, case: str
) -> None:
    ada = user_doc("ada")
    receipt, event = _scanned(ada.id, **NOT_APPLIED[case])
    work = await _react(apply_scanned, event, ada, receipt)
    assert work.committed == []
    assert (ExpenseDoc, derived_id("receipt-expense", receipt.id)) not in work.stored


async def test_a_receipt_for_an_expense_not_the_owners_fills_nothing(documents: None) -> None:
    ada, eve = user_doc("ada"), user_doc("eve")
    hers, deleted = expense_doc(eve.id), expense_doc(ada.id, deleted=True)
    for target in (hers.id, deleted.id, new_id()):
        receipt, event = _scanned(ada.id, expense_id=target)
        work = await _react(apply_scanned, event, ada, eve, hers, deleted, receipt)
        assert work.committed == []
        assert (work.one(ExpenseDoc, hers.id), work.one(ExpenseDoc, deleted.id)) == (
            hers,
            deleted,
        )
        assert (ExpenseDoc, derived_id("receipt-expense", receipt.id)) not in work.stored
