"""The splits actor's group expense creation, decided on the in-memory unit of work: a bill
moves the group's balances in the same command, and every refusal leaves entries and balances
as they were. Edits and deletions are in ``test_unit_group_entry_edits``; settlements in
``test_unit_group_settlement_handlers``. No server is started."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from actors.splits.entries import (
    create_group_expense,
)
from bus.groups import Payer, ShareValue, Split
from storage.groups import GroupBalanceDoc, GroupEntryDoc
from tests.support.fake_work import MemoryWork, decide
from tests.support.group_docs import (
    balances,
    by,
    equal_bill,
    field_errors,
    group,
    nets,
    runtime,
    spend,
    trip_of_three,
    user,
)

BILL_ID = "0d1c5a8e-3b7f-4f6a-9c2d-1e2f3a4b5c6d"


# ---- create ----------------------------------------------------------------------------------


async def test_a_bill_is_stored_with_its_shares_and_moves_the_balances(documents: None) -> None:
    ada, bob, cy, trip, work = trip_of_three()
    bill = equal_bill(trip, ada, "100.00", id=BILL_ID, description="Dinner", category="food")
    made = await decide(create_group_expense, by(bob, "group_expense.create"), bill, work)
    assert made.accepted
    assert made.entity is not None
    assert (made.entity["id"], made.entity["created_by"], made.entity["group_amount"]) == (
        BILL_ID,
        bob.id,
        "100.00",
    )
    owed = {s["user_id"]: s["owed_share"] for s in made.entity["shares"]}
    first = min(ada.id, bob.id, cy.id)  # the remainder cent goes to the lowest id
    assert owed == {u: "33.34" if u == first else "33.33" for u in (ada.id, bob.id, cy.id)}
    stored = work.one(GroupEntryDoc, BILL_ID)
    assert (stored.kind, stored.description, stored.involved) == (
        "expense",
        "Dinner",
        sorted([ada.id, bob.id, cy.id]),
    )
    assert stored.split == {"method": "equal", "members": [ada.id, bob.id, cy.id]}
    book = work.one(GroupBalanceDoc, trip.id)
    assert (book.version, book.entries, book.changed_by) == (1, 1, work.command_id)
    assert sum(nets(work, trip)["EUR"].values()) == 0
    assert nets(work, trip)["EUR"][ada.id] == Decimal("100.00") - Decimal(owed[ada.id])
    [event] = work.committed
    assert (event.scope, event.type, event.seq) == (trip.scope, "group_expense.created", 1)
    assert (event.data["balances_version"], event.data["before"]) == (1, None)
    assert event.data["entity"] == made.entity


async def test_a_bill_in_another_currency_is_valued_at_its_days_rate(documents: None) -> None:
    ada, bob, _, trip, _ = trip_of_three()
    work = MemoryWork(
        ada, bob, trip, balances(trip), runtime=runtime((date(2026, 11, 20), {"USD": "1.25"}))
    )
    bill = equal_bill(trip, ada, "10.00", ada, bob, currency="USD")
    made = await decide(create_group_expense, by(ada, "group_expense.create"), bill, work)
    assert made.entity is not None
    assert (made.entity["group_amount"], made.entity["rate_date"], made.entity["rate_status"]) == (
        "8.00",
        "2026-11-20",
        "ok",
    )
    assert nets(work, trip) == {"EUR": {ada.id: Decimal("4.00"), bob.id: Decimal("-4.00")}}


async def test_a_bill_without_a_rate_counts_in_its_own_currency(documents: None) -> None:
    ada, bob, _, trip, work = trip_of_three()
    bill = equal_bill(trip, ada, "1000", ada, bob, currency="JPY")
    made = await decide(create_group_expense, by(ada, "group_expense.create"), bill, work)
    assert made.entity is not None
    assert (made.entity["rate_status"], made.entity["group_amount"]) == ("missing", None)
    assert made.entity["balance_currency"] == "JPY"
    assert nets(work, trip) == {"JPY": {ada.id: Decimal(500), bob.id: Decimal(-500)}}


async def test_a_bill_without_a_split_follows_the_groups_default(documents: None) -> None:
    ada, bob, cy, trip, work = trip_of_three(settings={"default_split": "shares"})
    refused = await decide(
        create_group_expense, by(ada, "group_expense.create"), equal_bill(trip, ada, "9.00"), work
    )
    message = "this group's default split is shares: send `split` with its shares"
    assert (refused.code, refused.message, field_errors(refused.errors)) == (
        "split_required",
        message,
        [("split", message)],
    )
    weighted = Split(
        method="shares",
        shares=[
            ShareValue(user_id=bob.id, value=Decimal(2)),
            ShareValue(user_id=cy.id, value=Decimal(1)),
        ],
    )
    bill = equal_bill(trip, ada, "9.00").model_copy(update={"split": weighted})
    made = await decide(create_group_expense, by(ada, "group_expense.create"), bill, work)
    assert made.accepted
    assert nets(work, trip)["EUR"] == {ada.id: Decimal(9), bob.id: Decimal(-6), cy.id: Decimal(-3)}


async def test_a_bill_is_refused_to_strangers_archives_and_non_member_parties(
    documents: None,
) -> None:
    ada, bob, _cy, trip, work = trip_of_three()
    eve = user("eve")
    shut = group(ada, (bob, "member"), archived=True)
    work = MemoryWork(*work.stored.values(), eve, shut, runtime=runtime())
    stranger = await decide(
        create_group_expense, by(eve, "group_expense.create"), equal_bill(trip, ada, "5.00"), work
    )
    assert (stranger.code, stranger.message) == ("not_found", "no such group")
    closed = await decide(
        create_group_expense, by(ada, "group_expense.create"), equal_bill(shut, ada, "5.00"), work
    )
    assert (closed.code, closed.message) == ("group_archived", "the group is archived")
    outsiders = await decide(
        create_group_expense,
        by(ada, "group_expense.create"),
        equal_bill(trip, eve, "5.00", ada, eve),
        work,
    )
    assert (outsiders.code, outsiders.message) == (
        "not_member",
        "payers and participants must be members",
    )
    assert field_errors(outsiders.errors) == [
        ("paid_by.0.user_id", "not a member of this group"),
        ("split.members.1", "not a member of this group"),
    ]
    assert work.committed == []
    assert nets(work, trip) == {}


async def test_a_bill_whose_payers_do_not_add_up_is_refused_on_its_field(documents: None) -> None:
    ada, _bob, _, trip, work = trip_of_three()
    short = equal_bill(trip, ada, "10.00").model_copy(
        update={"paid_by": [Payer(user_id=ada.id, amount=Decimal("9.00"))]}
    )
    refused = await decide(create_group_expense, by(ada, "group_expense.create"), short, work)
    assert refused.code == "validation"
    [(field, message)] = field_errors(refused.errors)
    assert field == "paid_by"
    assert message == refused.message
    assert "1.00" in message
    assert work.committed == []


async def test_a_bill_id_is_a_conflict_in_its_group_and_taken_in_another(documents: None) -> None:
    ada, bob, _, trip, work = trip_of_three()
    other = group(ada, (bob, "member"))
    work = MemoryWork(*work.stored.values(), other, balances(other), runtime=runtime())
    work = await spend(work, equal_bill(trip, ada, "5.00", id=BILL_ID), ada)
    again = await decide(
        create_group_expense,
        by(ada, "group_expense.create"),
        equal_bill(trip, ada, "7.00", id=BILL_ID),
        work,
    )
    assert (again.code, again.version) == ("conflict", 1)
    assert again.entity is not None
    assert again.entity["group_amount"] == "5.00"
    elsewhere = await decide(
        create_group_expense,
        by(ada, "group_expense.create"),
        equal_bill(other, ada, "7.00", id=BILL_ID),
        work,
    )
    assert (elsewhere.code, elsewhere.message, elsewhere.entity) == (
        "validation",
        "this id is already taken",
        None,
    )
    assert work.one(GroupEntryDoc, BILL_ID).amount == Decimal("5.00")
    assert work.one(GroupBalanceDoc, trip.id).version == 1
