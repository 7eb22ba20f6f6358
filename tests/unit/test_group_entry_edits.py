"""The splits actor's group expense edits and deletions, decided on the in-memory unit of work:
the old bill leaves the balances and the new one enters them in the same command; a bill that
keeps a member who has left may change only where it does not move their share. No server is
started."""

from __future__ import annotations

from decimal import Decimal

from actors.splits.entries import (
    delete_group_expense,
    update_group_expense,
)
from bus.groups import GroupEntryRef, Payer, Split, UpdateGroupExpense
from storage.groups import GroupBalanceDoc, GroupDoc, GroupEntryDoc
from tests.support.fake_work import MemoryWork, decide
from tests.support.group_docs import (
    by,
    equal_bill,
    field_errors,
    nets,
    runtime,
    spend,
    trip_of_three,
    user,
)

BILL_ID = "0d1c5a8e-3b7f-4f6a-9c2d-1e2f3a4b5c6d"


# ---- update ----------------------------------------------------------------------------------


async def test_an_edit_takes_the_old_bill_out_of_the_balances_and_puts_the_new_one_in(
    documents: None,
) -> None:
    ada, bob, cy, trip, work = trip_of_three()
    work = await spend(work, equal_bill(trip, ada, "30.00", ada, bob, cy, id=BILL_ID), ada)
    change = UpdateGroupExpense(
        id=BILL_ID,
        group_id=trip.id,
        amount=Decimal("20.00"),
        paid_by=[Payer(user_id=bob.id, amount=Decimal("20.00"))],
        split=Split(method="equal", members=[ada.id, bob.id]),
    )
    edited = await decide(
        update_group_expense, by(cy, "group_expense.update", expected_version=1), change, work
    )
    assert edited.accepted
    assert edited.version == 2
    assert nets(work, trip) == {"EUR": {ada.id: Decimal(-10), bob.id: Decimal(10)}}
    stored = work.one(GroupEntryDoc, BILL_ID)
    assert (stored.amount, stored.involved, stored.created_by) == (
        Decimal("20.00"),
        sorted([ada.id, bob.id]),
        ada.id,
    )
    book = work.one(GroupBalanceDoc, trip.id)
    assert (book.version, book.entries) == (2, 1)
    event = work.committed[-1]
    assert (event.type, event.data["balances_version"]) == ("group_expense.updated", 2)
    assert (event.data["before"]["amount"], event.data["entity"]["amount"]) == ("30.00", "20.00")


async def test_an_edit_of_the_description_alone_keeps_the_shares(documents: None) -> None:
    ada, bob, _, trip, work = trip_of_three()
    work = await spend(work, equal_bill(trip, ada, "8.00", ada, bob, id=BILL_ID), ada)
    change = UpdateGroupExpense(id=BILL_ID, group_id=trip.id, description="Taxi")
    edited = await decide(update_group_expense, by(bob, "group_expense.update"), change, work)
    assert edited.entity is not None
    assert edited.entity["description"] == "Taxi"
    assert nets(work, trip) == {"EUR": {ada.id: Decimal(4), bob.id: Decimal(-4)}}


async def test_an_edit_is_refused_for_missing_stale_and_badly_shaped_bills(
    documents: None,
) -> None:
    ada, bob, _cy, trip, work = trip_of_three()
    eve = user("eve")
    work = MemoryWork(*work.stored.values(), eve, runtime=runtime())
    work = await spend(work, equal_bill(trip, ada, "10.50", ada, bob, id=BILL_ID), ada)

    async def edit(
        expected: int | None = None, **changes: object
    ) -> tuple[str | None, str | None, list[tuple[str, str]]]:
        change = UpdateGroupExpense.model_validate({"id": BILL_ID, "group_id": trip.id, **changes})
        sent = by(ada, "group_expense.update", expected_version=expected)
        decision = await decide(update_group_expense, sent, change, work)
        return decision.code, decision.message, field_errors(decision.errors)

    unknown = UpdateGroupExpense(id=trip.id, group_id=trip.id, description="x")
    missing = await decide(update_group_expense, by(ada, "group_expense.update"), unknown, work)
    assert (missing.code, missing.message) == ("not_found", "no such expense")
    stale = await edit(expected=4, description="x")
    assert stale[:2] == ("conflict", "version 4 is stale (now 1)")
    yen = await edit(currency="JPY")
    assert yen[0] == "validation"
    assert yen[2]
    assert yen[2][0][0] == "amount"
    outsider = await edit(split={"method": "equal", "members": [ada.id, eve.id]})
    assert outsider == (
        "not_member",
        "payers and participants must be members",
        [("split.members.1", "not a member of this group")],
    )
    uneven = await edit(amount="12.00")  # the payer still paid 10.50
    assert uneven[0] == "validation"
    assert uneven[2][0][0] == "paid_by"
    assert work.one(GroupEntryDoc, BILL_ID).version == 1
    assert nets(work, trip) == {"EUR": {ada.id: Decimal("5.25"), bob.id: Decimal("-5.25")}}


async def test_a_bill_keeping_a_former_member_edits_only_without_moving_their_share(
    documents: None,
) -> None:
    ada, _bob, cy, trip, work = trip_of_three()
    work = await spend(work, equal_bill(trip, ada, "9.00", id=BILL_ID), ada)
    left = trip.model_copy(
        update={"members": trip.members[:2], "member_ids": trip.member_ids[:2]}
    )  # cy left (with a write-off) after the bill
    work.stored[(GroupDoc, trip.id)] = left
    renamed = await decide(
        update_group_expense,
        by(ada, "group_expense.update"),
        UpdateGroupExpense(id=BILL_ID, group_id=trip.id, description="Hotel"),
        work,
    )
    assert renamed.accepted
    work = work.next()
    raised = await decide(
        update_group_expense,
        by(ada, "group_expense.update"),
        UpdateGroupExpense(
            id=BILL_ID,
            group_id=trip.id,
            amount=Decimal("12.00"),
            paid_by=[Payer(user_id=ada.id, amount=Decimal("12.00"))],
        ),
        work,
    )
    assert (raised.code, raised.message) == (
        "member_left",
        f"{cy.id} has left the group: their share of this bill cannot change",
    )
    gone = await decide(
        delete_group_expense,
        by(ada, "group_expense.delete"),
        GroupEntryRef(id=BILL_ID, group_id=trip.id),
        work,
    )
    assert gone.code == "member_left"
    assert work.one(GroupEntryDoc, BILL_ID).amount == Decimal("9.00")


# ---- delete ----------------------------------------------------------------------------------


async def test_deleting_a_bill_leaves_a_tombstone_and_undoes_its_balances(
    documents: None,
) -> None:
    ada, bob, _, trip, work = trip_of_three()
    work = await spend(work, equal_bill(trip, ada, "6.00", ada, bob, id=BILL_ID), ada)
    ref = GroupEntryRef(id=BILL_ID, group_id=trip.id)
    stale = await decide(
        delete_group_expense, by(bob, "group_expense.delete", expected_version=2), ref, work
    )
    assert (stale.code, stale.entity and stale.entity["deleted"]) == ("conflict", False)
    gone = await decide(
        delete_group_expense, by(bob, "group_expense.delete", expected_version=1), ref, work
    )
    assert gone.entity is not None
    assert (gone.entity["deleted"], gone.version) == (True, 2)
    assert work.one(GroupEntryDoc, BILL_ID).deleted
    assert nets(work, trip) == {}
    book = work.one(GroupBalanceDoc, trip.id)
    assert (book.version, book.entries, book.plan) == (2, 0, [])
    event = work.committed[-1]
    assert (event.type, event.data["balances_version"], event.data["before"]["deleted"]) == (
        "group_expense.deleted",
        2,
        False,
    )
    work = work.next()
    twice = await decide(delete_group_expense, by(bob, "group_expense.delete"), ref, work)
    assert (twice.code, twice.message) == ("not_found", "no such expense")
    changed = UpdateGroupExpense(id=BILL_ID, group_id=trip.id, description="x")
    edited = await decide(update_group_expense, by(bob, "group_expense.update"), changed, work)
    assert edited.code == "not_found"
