"""The expenses actor's expense changes (update, delete), decided on the in-memory unit of
work with the actor's runtime holding a small rate book: only what is sent changes, the home
value is fixed again in the home currency it was recorded in, deleted expenses stay as
tombstones, and versions are checked. No server is started."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from actors.expenses.expenses import delete_expense, update_expense
from bus.expense_commands import DeleteExpense, UpdateExpense
from storage.ledger import ExpenseDoc
from tests.support.expense_docs import expense_doc, expenses_runtime, new_id, user_doc
from tests.support.fake_work import NOW, MemoryWork, command, decide

RATES = {date(2026, 11, 20): {"USD": "1.25", "JPY": "160"}}  # units per one EUR
DAY = date(2026, 11, 20)


def _work(*docs: Any) -> MemoryWork:
    return MemoryWork(*docs, runtime=expenses_runtime(RATES))


async def test_update_changes_what_is_sent_and_refixes_the_value_in_the_recorded_home_currency(
    documents: None,
) -> None:
    ada = user_doc("ada", home_currency="JPY")  # moved home since the expense was recorded
    lunch = expense_doc(ada.id, notes="old", category_id=new_id())
    later = NOW + timedelta(hours=1)
    work = MemoryWork(ada, lunch, runtime=expenses_runtime(RATES), now=later)
    change = UpdateExpense(
        id=lunch.id, amount=Decimal("25.00"), currency="USD", notes="team", category_id=None
    )
    decision = await decide(
        update_expense, command("expense.update", ada.id, expected_version=1), change, work
    )

    assert decision.accepted
    assert decision.version == 2
    stored = work.one(ExpenseDoc, lunch.id)
    assert (stored.amount, stored.currency, stored.notes, stored.category_id) == (
        Decimal("25.00"),
        "USD",
        "team",
        None,
    )
    assert (stored.home_currency, stored.home_amount, stored.rate_status) == (
        "EUR",
        Decimal("20.00"),
        "ok",
    )
    assert (stored.description, stored.date, stored.updated_at) == ("lunch", "2026-11-20", later)
    [event] = work.committed
    assert (event.scope, event.type) == (f"user:{ada.id}", "expense.updated")
    assert event.data["entity"] == decision.entity
    assert (event.data["before"]["amount"], event.data["before"]["version"]) == ("12.50", 1)


async def test_update_of_other_fields_keeps_the_fixed_home_value(documents: None) -> None:
    ada = user_doc("ada")
    waiting = expense_doc(
        ada.id, currency="USD", home_amount=None, rate=None, rate_date=None, rate_status="missing"
    )
    work = _work(ada, waiting)
    moment = datetime(2026, 11, 20, 8, 0, tzinfo=timezone(timedelta(hours=-5)))
    change = UpdateExpense(id=waiting.id, description=None, occurred_at=moment, tags=["x"])
    decision = await decide(update_expense, command("expense.update", ada.id), change, work)
    assert decision.accepted
    stored = work.one(ExpenseDoc, waiting.id)
    assert (stored.description, stored.tags, stored.occurred_offset_min) == ("", ["x"], -300)
    assert (stored.rate_status, stored.home_amount) == ("missing", None)  # not re-read here

    work = work.next()
    moved = UpdateExpense(id=waiting.id, date=DAY + timedelta(days=1))
    dated = await decide(update_expense, command("expense.update", ada.id), moved, work)
    assert dated.entity is not None
    assert (dated.entity["rate_status"], dated.entity["home_amount"]) == ("ok", "10.00")
    assert dated.entity["date"] == "2026-11-21"
    assert dated.version == 3


@pytest.mark.parametrize(
    ("stored", "change", "reason"),
    [
        (
            {"amount": Decimal(1500), "currency": "JPY"},
            {"amount": Decimal("12.5")},
            "JPY has 0 decimal places; got 12.5",
        ),
        ({}, {"currency": "JPY"}, "JPY has 0 decimal places; got 12.50"),
    ],
)
async def test_update_refuses_an_amount_with_more_decimals_than_its_currency(
    documents: None, stored: dict[str, Any], change: dict[str, Any], reason: str
) -> None:
    ada = user_doc("ada")
    doc = expense_doc(ada.id, **stored)
    work = _work(ada, doc)
    refused = await decide(
        update_expense, command("expense.update", ada.id), UpdateExpense(id=doc.id, **change), work
    )
    assert (refused.code, refused.message) == ("validation", reason)
    assert [(e.loc, e.msg) for e in refused.errors] == [(["amount"], reason)]
    assert work.one(ExpenseDoc, doc.id) == doc
    assert work.committed == []


async def test_update_and_delete_of_an_expense_not_there_for_the_issuer_is_not_found(
    documents: None,
) -> None:
    ada, eve = user_doc("ada"), user_doc("eve")
    hers, gone = expense_doc(eve.id), expense_doc(ada.id, deleted=True, version=2)
    work = _work(ada, eve, hers, gone)
    for target in (hers.id, gone.id, new_id()):
        updated = await decide(
            update_expense,
            command("expense.update", ada.id),
            UpdateExpense(id=target, notes="mine now"),
            work,
        )
        deleted = await decide(
            delete_expense, command("expense.delete", ada.id), DeleteExpense(id=target), work
        )
        for refused in (updated, deleted):
            assert (refused.code, refused.message, refused.entity) == (
                "not_found",
                "no such expense",
                None,
            )
    assert work.committed == []
    assert (work.one(ExpenseDoc, hers.id), work.one(ExpenseDoc, gone.id)) == (hers, gone)


async def test_a_stale_version_is_a_conflict_carrying_the_current_expense(
    documents: None,
) -> None:
    ada = user_doc("ada")
    doc = expense_doc(ada.id, version=4)
    work = _work(ada, doc)
    updated = await decide(
        update_expense,
        command("expense.update", ada.id, expected_version=3),
        UpdateExpense(id=doc.id, notes="late"),
        work,
    )
    deleted = await decide(
        delete_expense,
        command("expense.delete", ada.id, expected_version=3),
        DeleteExpense(id=doc.id),
        work,
    )
    for conflict in (updated, deleted):
        assert (conflict.code, conflict.message) == ("conflict", "version 3 is stale (now 4)")
        assert conflict.entity is not None
        assert conflict.version == 4
        assert (conflict.entity["id"], conflict.entity["notes"]) == (doc.id, None)
    assert work.one(ExpenseDoc, doc.id) == doc
    assert work.committed == []


async def test_delete_leaves_a_tombstone_and_the_state_before(documents: None) -> None:
    ada = user_doc("ada")
    doc = expense_doc(ada.id)
    work = _work(ada, doc)
    decision = await decide(
        delete_expense,
        command("expense.delete", ada.id, expected_version=1),
        DeleteExpense(id=doc.id),
        work,
    )
    assert decision.accepted
    assert decision.version == 2
    assert decision.entity is not None
    assert decision.entity["id"] == doc.id
    stored = work.one(ExpenseDoc, doc.id)
    assert (stored.deleted, stored.version, stored.amount) == (True, 2, Decimal("12.50"))
    [event] = work.committed
    assert (event.scope, event.type) == (f"user:{ada.id}", "expense.deleted")
    assert event.data["entity"] == decision.entity
    assert event.data["before"]["version"] == 1

    work = work.next()
    again = await decide(
        delete_expense, command("expense.delete", ada.id), DeleteExpense(id=doc.id), work
    )
    assert again.code == "not_found"
    assert len(work.committed) == 1
