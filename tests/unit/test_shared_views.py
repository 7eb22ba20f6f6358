"""What one actor may read of another's data (``storage.shared``): frozen views, read through
a handler's reader, so nothing read can be staged back. On the in-memory Work; no server."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from storage.accounts import UserDoc
from storage.budgets import BudgetDoc
from storage.ledger import CategoryDoc, ExpenseDoc
from storage.shared import (
    Owned,
    budget_ids_in,
    budget_limit,
    category_of,
    entry_state,
    group_roles,
    person,
    person_by_email,
    prefetched,
    receipt_read,
    trip_dates,
)
from tests.support import budget_docs as docs
from tests.support.expense_docs import expense_doc, receipt_doc, trip_doc
from tests.support.fake_work import MemoryWork


async def test_a_person_by_id_or_by_email_in_any_case(documents: None) -> None:
    ada = docs.user("ada", timezone="Europe/Lisbon")
    work = MemoryWork(ada)
    seen = await person(work, ada.id)
    assert seen is not None
    assert (seen.id, seen.name, seen.home_currency, seen.timezone) == (
        ada.id,
        ada.name,
        ada.home_currency,
        "Europe/Lisbon",
    )
    assert await person_by_email(work, ada.email.upper()) == seen
    assert await person(work, "nobody") is None
    assert await person_by_email(work, "nobody@example.com") is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        seen.timezone = "UTC"  # type: ignore[misc]


async def test_a_groups_roles_and_members(documents: None) -> None:
    ada, bob, cy = docs.user("ada"), docs.user("bob"), docs.user("cy")
    trip = docs.group(ada, (bob, "admin"), (cy, "member"))
    roles = await group_roles(MemoryWork(trip), trip.id)
    assert roles is not None
    assert (roles.role_of(ada.id), roles.role_of(bob.id), roles.role_of(cy.id)) == (
        "owner",
        "admin",
        "member",
    )
    assert roles.role_of("stranger") is None
    assert roles.role_of(None) is None
    assert sorted(roles.member_ids) == sorted([ada.id, bob.id, cy.id])
    assert await group_roles(MemoryWork(), trip.id) is None


async def test_whose_a_category_trip_or_receipt_is_and_whether_it_is_live(
    documents: None,
) -> None:
    ada = docs.user("ada")
    kept, archived = docs.category(ada, name="Pets"), docs.category(ada, archived=True)
    trip, gone = trip_doc(ada.id), trip_doc(ada.id, deleted=True)
    receipt = receipt_doc(ada.id)
    work = MemoryWork(kept, archived, trip, gone, receipt)
    assert await category_of(work, kept.id) == Owned(kept.id, ada.id, True, "Pets")
    found = await category_of(work, archived.id)
    assert found is not None
    assert not found.live
    dates = await trip_dates(work, trip.id)
    assert dates is not None
    assert (dates.owner_id, dates.live, dates.currency) == (ada.id, True, trip.currency)
    assert (dates.start_date, dates.end_date) == (
        date.fromisoformat(trip.start_date),
        date.fromisoformat(trip.end_date),
    )
    gone_dates = await trip_dates(work, gone.id)
    assert gone_dates is not None
    assert not gone_dates.live
    read = await receipt_read(work, receipt.id)
    assert read is not None
    assert (read.id, read.owner_id) == (receipt.id, ada.id)
    assert await category_of(work, "none") is None
    assert await trip_dates(work, "none") is None
    assert await receipt_read(work, "none") is None


async def test_an_entrys_version_and_whether_it_was_deleted(documents: None) -> None:
    ada = docs.user("ada")
    live, deleted = expense_doc(ada.id, version=3), expense_doc(ada.id, version=4, deleted=True)
    work = MemoryWork(live, deleted)
    assert await entry_state(work, "expense", live.id) == (3, False)
    assert await entry_state(work, "expense", deleted.id) == (4, True)
    assert await entry_state(work, "group_expense", live.id) is None  # another kind of entry
    assert await entry_state(work, "expense", "none") is None


async def test_a_budgets_limit_and_the_live_budgets_of_some_scopes(documents: None) -> None:
    ada, bob = docs.user("ada"), docs.user("bob")
    food = docs.budget(ada, amount=Decimal("300.00"), category_ids=["c1", "c2"])
    gone = docs.budget(ada, deleted=True)
    his = docs.budget(bob)
    work = MemoryWork(food, gone, his)
    limit = await budget_limit(work, food.id)
    assert limit is not None
    assert (limit.scope, limit.amount, limit.currency, limit.category_ids) == (
        food.scope,
        Decimal("300.00"),
        food.currency,
        frozenset({"c1", "c2"}),
    )
    assert await budget_limit(work, gone.id) is None
    assert await budget_ids_in(work, [food.scope], 10) == [food.id]
    assert sorted(await budget_ids_in(work, [food.scope, his.scope], 10)) == sorted(
        [food.id, his.id]
    )
    assert len(await budget_ids_in(work, [food.scope, his.scope], 1)) == 1


def test_a_prefetch_names_only_what_it_wants() -> None:
    assert prefetched(people=["u1"], expenses=["e1", "e2"]) == {
        UserDoc: ["u1"],
        ExpenseDoc: ["e1", "e2"],
    }
    assert prefetched() == {}
    assert CategoryDoc not in prefetched(people=["u1"])
    assert BudgetDoc not in prefetched(categories=["c"])  # budgets are read by query
