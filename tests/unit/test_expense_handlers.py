"""The expenses actor's expense creation, decided on the in-memory unit of work with the
actor's runtime holding a small rate book: the home value fixed at the expense's date, client
ids, and references (category, trip, receipt) that must be the owner's, on create and on update
alike. No server is started."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from actors.changes import new_entity_id
from actors.expenses.expenses import create_expense, update_expense
from bus.expense_commands import CreateExpense, UpdateExpense
from storage.ledger import ExpenseDoc
from storage.receipts import ReceiptDoc
from tests.support.expense_docs import (
    category_doc,
    expense_doc,
    expenses_runtime,
    new_id,
    receipt_doc,
    trip_doc,
    user_doc,
)
from tests.support.fake_work import MemoryWork, command, decide

RATES = {date(2026, 11, 20): {"USD": "1.25", "JPY": "160"}}  # units per one EUR
DAY = date(2026, 11, 20)
UTC_PLUS_1 = timezone(timedelta(hours=1))


def _create(**fields: Any) -> CreateExpense:
    values: dict[str, Any] = {"amount": Decimal("12.50"), "currency": "USD", "date": DAY}
    return CreateExpense(**{**values, **fields})


def _work(*docs: Any) -> MemoryWork:
    return MemoryWork(*docs, runtime=expenses_runtime(RATES))


async def test_create_fixes_the_home_value_at_its_date_and_announces_the_expense(
    documents: None,
) -> None:
    ada = user_doc("ada")
    coffee, lisbon = category_doc(ada.id), trip_doc(ada.id)
    work = _work(ada, coffee, lisbon)
    made = datetime(2026, 11, 20, 9, 30, tzinfo=UTC_PLUS_1)
    sent = command("expense.create", ada.id).model_copy(update={"made_at": made})
    payload = _create(category_id=coffee.id, trip_id=lisbon.id, tags=["work"], occurred_at=made)
    decision = await decide(create_expense, sent, payload, work)

    assert decision.accepted
    assert decision.version == 1
    expense_id = new_entity_id("expense", sent.command_id, None)
    entity = decision.entity
    assert entity is not None
    assert entity["id"] == expense_id
    assert (entity["amount"], entity["currency"], entity["date"]) == ("12.50", "USD", "2026-11-20")
    assert (entity["category_id"], entity["trip_id"], entity["tags"]) == (
        coffee.id,
        lisbon.id,
        ["work"],
    )
    assert (entity["home_currency"], entity["home_amount"], entity["rate"]) == (
        "EUR",
        "10.00",
        "0.8",
    )
    assert (entity["rate_date"], entity["rate_source"], entity["rate_status"]) == (
        "2026-11-20",
        "ecb",
        "ok",
    )
    stored = work.one(ExpenseDoc, expense_id)
    assert (stored.owner_id, stored.scope, stored.version) == (ada.id, f"user:{ada.id}", 1)
    assert (stored.made_at, stored.occurred_offset_min) == (made, 60)
    [event] = work.committed
    assert (event.scope, event.type, event.seq) == (f"user:{ada.id}", "expense.created", 1)
    assert event.data == {"entity": entity, "version": 1, "before": None}


async def test_a_home_value_is_stale_or_missing_when_the_book_cannot_serve_the_date(
    documents: None,
) -> None:
    ada = user_doc("ada")
    work = _work(ada)
    late = await decide(
        create_expense, command("expense.create", ada.id), _create(date=DAY + timedelta(8)), work
    )
    assert late.entity is not None
    assert (late.entity["rate_status"], late.entity["rate_date"], late.entity["home_amount"]) == (
        "stale",
        "2026-11-20",
        "10.00",
    )
    work = work.next()
    unknown = await decide(
        create_expense, command("expense.create", ada.id), _create(currency="GBP"), work
    )
    assert unknown.accepted
    assert unknown.entity is not None
    assert (unknown.entity["home_currency"], unknown.entity["rate_status"]) == ("EUR", "missing")
    assert (unknown.entity["home_amount"], unknown.entity["rate"]) == (None, None)


async def test_without_a_profile_the_expense_is_valued_in_its_own_currency(
    documents: None,
) -> None:
    owner = new_id()
    work = _work()
    decision = await decide(create_expense, command("expense.create", owner), _create(), work)
    assert decision.entity is not None
    assert (decision.entity["home_currency"], decision.entity["home_amount"]) == ("USD", "12.50")
    assert decision.entity["rate_source"] == "identity"


async def test_create_with_a_client_id_and_its_replay(documents: None) -> None:
    ada, eve = user_doc("ada"), user_doc("eve")
    chosen = new_id()
    work = _work(ada, eve)
    first = await decide(
        create_expense, command("expense.create", ada.id), _create(id=chosen), work
    )
    assert first.accepted
    assert work.one(ExpenseDoc, chosen).owner_id == ada.id

    replay = await decide(
        create_expense,
        command("expense.create", ada.id),
        _create(id=chosen, amount=Decimal(99)),
        work,
    )
    assert (replay.code, replay.message) == ("conflict", "an expense with this id exists")
    assert replay.entity == first.entity

    taken = await decide(
        create_expense, command("expense.create", eve.id), _create(id=chosen), work
    )
    assert (taken.code, taken.message, taken.entity) == (
        "validation",
        "this id is already taken",
        None,
    )
    assert [(e.loc, e.msg) for e in taken.errors] == [(["id"], "choose another UUID")]
    assert work.one(ExpenseDoc, chosen).amount == Decimal("12.50")
    assert len(work.committed) == 1


async def test_create_needs_a_signed_in_issuer(documents: None) -> None:
    work = _work()
    refused = await decide(create_expense, command("expense.create", None), _create(), work)
    assert (refused.code, refused.message) == ("forbidden", "sign in first")
    assert work.stored == {}
    assert work.committed == []


def _references(owner: str, other: str) -> dict[str, Any]:
    """Stored references, by name, that an expense of ``owner`` may not point at."""
    return {
        "category of someone else": category_doc(other),
        "archived category": category_doc(owner, archived=True),
        "trip of someone else": trip_doc(other),
        "deleted trip": trip_doc(owner, deleted=True),
        "receipt of someone else": receipt_doc(other),
    }


BAD_REFS = [
    (
        "category_id",
        "category of someone else",
        "not_found",
        "unknown category",
        "no such category",
    ),
    ("category_id", None, "not_found", "unknown category", "no such category"),
    (
        "category_id",
        "archived category",
        "category_archived",
        "category is archived",
        "category is archived",
    ),
    ("trip_id", "trip of someone else", "not_found", "unknown trip", "no such trip"),
    ("trip_id", "deleted trip", "not_found", "unknown trip", "no such trip"),
    ("trip_id", None, "not_found", "unknown trip", "no such trip"),
    ("receipt_id", "receipt of someone else", "not_found", "unknown receipt", "no such receipt"),
    ("receipt_id", None, "not_found", "unknown receipt", "no such receipt"),
]


@pytest.mark.parametrize(("field", "stored", "code", "message", "why"), BAD_REFS)
async def test_create_and_update_refuse_a_reference_the_owner_cannot_use(
    documents: None, field: str, stored: str | None, code: str, message: str, why: str
) -> None:
    ada, eve = user_doc("ada"), user_doc("eve")
    refs = _references(ada.id, eve.id)
    mine = expense_doc(ada.id)
    work = _work(ada, eve, mine, *refs.values())
    target = str(refs[stored].id) if stored is not None else new_id()

    created = await decide(
        create_expense, command("expense.create", ada.id), _create(**{field: target}), work
    )
    changed = await decide(
        update_expense,
        command("expense.update", ada.id),
        UpdateExpense(id=mine.id, **{field: target}),
        work,
    )
    for refused in (created, changed):
        assert (refused.accepted, refused.code, refused.message) == (False, code, message)
        assert [(e.loc, e.msg) for e in refused.errors] == [([field], why)]
    assert work.committed == []
    assert work.one(ExpenseDoc, mine.id) == mine


async def test_a_receipt_of_the_owner_is_linked(documents: None) -> None:
    ada = user_doc("ada")
    receipt = receipt_doc(ada.id, status="scanned")
    work = _work(ada, receipt)
    decision = await decide(
        create_expense, command("expense.create", ada.id), _create(receipt_id=receipt.id), work
    )
    assert decision.entity is not None
    assert decision.entity["receipt_id"] == receipt.id
    assert work.one(ReceiptDoc, receipt.id) == receipt  # the ocr actor's record is only read
