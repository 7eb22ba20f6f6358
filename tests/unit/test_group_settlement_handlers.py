"""The splits actor's settlements (create, delete), decided on the in-memory unit of work: a
payment between two members, or the share of one bill marked as paid. No server is started."""

from __future__ import annotations

from decimal import Decimal

from actors.splits.entries import create_settlement, delete_settlement
from bus.groups import CreateSettlement, GroupEntryRef, Payer
from storage.accounts import UserDoc
from storage.groups import (
    GroupBalanceDoc,
    GroupDoc,
    GroupEntryDoc,
)
from tests.support.fake_work import MemoryWork, decide
from tests.support.group_docs import (
    by,
    equal_bill,
    group,
    nets,
    runtime,
    spend,
    trip_of_three,
    user,
)

BILL_ID = "0d1c5a8e-3b7f-4f6a-9c2d-1e2f3a4b5c6d"
PAID_ID = "7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d"


def _pay(
    trip: GroupDoc, frm: UserDoc, to: UserDoc | None = None, **fields: object
) -> CreateSettlement:
    values: dict[str, object] = {"group_id": trip.id, "from": frm.id, **fields}
    if to is not None:
        values["to"] = to.id
    return CreateSettlement.model_validate(values)


async def _settle(
    work: MemoryWork, who: UserDoc, payment: CreateSettlement
) -> tuple[str | None, str | None]:
    decision = await decide(create_settlement, by(who, "settlement.create"), payment, work)
    return decision.code, decision.message


# ---- create ----------------------------------------------------------------------------------


async def test_a_payment_is_dated_in_the_groups_day_and_settles_the_balance(
    documents: None,
) -> None:
    ada, bob, _, trip, work = trip_of_three(timezone="Pacific/Auckland")
    work = await spend(work, equal_bill(trip, ada, "10.00", ada, bob), ada)
    payment = _pay(trip, bob, ada, id=PAID_ID, amount="5.00", currency="EUR", note="cash")
    made = await decide(create_settlement, by(bob, "settlement.create"), payment, work)
    assert made.accepted
    assert made.entity is not None
    assert (made.entity["from_user"], made.entity["to_user"], made.entity["amount"]) == (
        bob.id,
        ada.id,
        "5.00",
    )
    assert made.entity["date"] == "2026-11-23"  # 01:00 the next day in Auckland
    assert nets(work, trip) == {}
    stored = work.one(GroupEntryDoc, PAID_ID)
    assert (stored.kind, stored.note, stored.involved) == (
        "settlement",
        "cash",
        sorted([ada.id, bob.id]),
    )
    event = work.committed[-1]
    assert (event.scope, event.type, event.data["balances_version"]) == (
        trip.scope,
        "settlement.created",
        2,
    )
    assert work.one(GroupBalanceDoc, trip.id).entries == 2


async def test_paying_a_bill_defaults_to_its_payer_and_the_share_owed_once(
    documents: None,
) -> None:
    ada, bob, cy, trip, work = trip_of_three()
    work = await spend(work, equal_bill(trip, ada, "9.00", id=BILL_ID), ada)
    made = await decide(
        create_settlement, by(bob, "settlement.create"), _pay(trip, bob, expense_id=BILL_ID), work
    )
    assert made.entity is not None
    assert (made.entity["to_user"], made.entity["amount"], made.entity["expense_id"]) == (
        ada.id,
        "3.00",
        BILL_ID,
    )
    assert nets(work, trip) == {"EUR": {ada.id: Decimal(3), cy.id: Decimal(-3)}}
    work = work.next()
    again = await decide(
        create_settlement, by(bob, "settlement.create"), _pay(trip, bob, expense_id=BILL_ID), work
    )
    assert (again.code, again.message) == (
        "already_paid",
        f"this share is already marked as paid (settlement {made.entity['id']})",
    )
    assert await _settle(work, ada, _pay(trip, ada, expense_id=BILL_ID)) == (
        "nothing_owed",
        "this member owes nothing on that expense",
    )
    assert await _settle(work, bob, _pay(trip, bob, expense_id=trip.id)) == (
        "not_found",
        "no such expense",
    )


async def test_a_bill_with_two_payers_needs_to_say_which_one_is_paid(documents: None) -> None:
    ada, bob, cy, trip, work = trip_of_three()
    bill = equal_bill(trip, ada, "12.00", id=BILL_ID).model_copy(
        update={
            "paid_by": [
                Payer(user_id=ada.id, amount=Decimal("6.00")),
                Payer(user_id=bob.id, amount=Decimal("6.00")),
            ]
        }
    )
    work = await spend(work, bill, ada)
    code, message = await _settle(work, cy, _pay(trip, cy, expense_id=BILL_ID))
    assert (code, message) == (
        "validation",
        "this bill has several payers: say which one this pays (to_user)",
    )
    made = await decide(
        create_settlement,
        by(cy, "settlement.create"),
        _pay(trip, cy, bob, expense_id=BILL_ID),
        work,
    )
    assert made.entity is not None
    assert (made.entity["to_user"], made.entity["amount"]) == (
        bob.id,
        "2.00",
    )


async def test_a_payment_is_refused_to_third_parties_outsiders_and_wrong_decimals(
    documents: None,
) -> None:
    ada, bob, cy, trip, work = trip_of_three()
    eve = user("eve")
    shut = group(ada, (bob, "member"), archived=True)
    work = MemoryWork(*work.stored.values(), eve, shut, runtime=runtime())
    work = await spend(
        work, equal_bill(trip, ada, "900", ada, bob, currency="JPY", id=BILL_ID), ada
    )
    euros = {"amount": "5.00", "currency": "EUR"}
    assert await _settle(work, cy, _pay(trip, bob, ada, **euros)) == (
        "forbidden",
        "only the two members involved, or an admin, record a payment",
    )
    assert await _settle(work, eve, _pay(trip, bob, ada, **euros)) == ("not_found", "no such group")
    assert await _settle(work, ada, _pay(shut, bob, ada, **euros)) == (
        "group_archived",
        "the group is archived",
    )
    outsider = await decide(
        create_settlement, by(ada, "settlement.create"), _pay(trip, eve, ada, **euros), work
    )
    assert (outsider.code, [(e.loc, e.msg) for e in outsider.errors]) == (
        "not_member",
        [(["from_user"], "not a member of this group")],
    )
    odd = await decide(
        create_settlement,
        by(bob, "settlement.create"),
        _pay(trip, bob, expense_id=BILL_ID, amount="1.5"),  # yen have no decimals
        work,
    )
    assert (odd.code, [e.loc for e in odd.errors]) == ("validation", [["amount"]])
    assert [e.type for e in work.committed] == ["group_expense.created"]


async def test_an_admin_records_a_payment_between_two_others(documents: None) -> None:
    ada, bob, cy, trip, work = trip_of_three()
    payment = _pay(trip, bob, cy, amount="4.00", currency="EUR")
    made = await decide(create_settlement, by(ada, "settlement.create"), payment, work)
    assert made.entity is not None
    assert made.entity["created_by"] == ada.id
    assert nets(work, trip) == {"EUR": {bob.id: Decimal(4), cy.id: Decimal(-4)}}


async def test_a_settlement_id_is_a_conflict_in_its_group(documents: None) -> None:
    ada, bob, _, trip, work = trip_of_three()
    payment = _pay(trip, bob, ada, id=PAID_ID, amount="4.00", currency="EUR")
    assert (await decide(create_settlement, by(bob, "settlement.create"), payment, work)).accepted
    work = work.next()
    again = await decide(create_settlement, by(bob, "settlement.create"), payment, work)
    assert (again.code, again.version) == ("conflict", 1)
    assert work.one(GroupBalanceDoc, trip.id).version == 1


# ---- delete ----------------------------------------------------------------------------------


async def test_deleting_a_settlement_reopens_the_debt(documents: None) -> None:
    ada, bob, _, trip, work = trip_of_three()
    work = await spend(work, equal_bill(trip, ada, "10.00", ada, bob, id=BILL_ID), ada)
    payment = _pay(trip, bob, ada, id=PAID_ID, amount="5.00", currency="EUR")
    assert (await decide(create_settlement, by(bob, "settlement.create"), payment, work)).accepted
    work = work.next()
    wrong_kind = await decide(
        delete_settlement,
        by(bob, "settlement.delete"),
        GroupEntryRef(id=BILL_ID, group_id=trip.id),
        work,
    )
    assert (wrong_kind.code, wrong_kind.message) == ("not_found", "no such settlement")
    gone = await decide(
        delete_settlement,
        by(bob, "settlement.delete", expected_version=1),
        GroupEntryRef(id=PAID_ID, group_id=trip.id),
        work,
    )
    assert gone.entity is not None
    assert gone.entity["deleted"]
    assert nets(work, trip) == {"EUR": {ada.id: Decimal(5), bob.id: Decimal(-5)}}
    assert work.committed[-1].type == "settlement.deleted"
    assert work.one(GroupBalanceDoc, trip.id).entries == 1


async def test_a_share_paid_twice_in_one_batch_is_refused_the_second_time(
    documents: None,
) -> None:
    """Two devices mark the same share as paid and both commands land in one batch: the second
    sees the first's staged settlement (a query would not), and the debt is paid once."""
    ada, bob, cy, trip, work = trip_of_three()
    work = await spend(work, equal_bill(trip, ada, "9.00", id=BILL_ID), ada)
    share = _pay(trip, bob, expense_id=BILL_ID)
    first = await create_settlement(by(bob, "settlement.create"), share, work)
    assert first.accepted  # staged, not yet written: the batch goes on
    second = await create_settlement(by(bob, "settlement.create"), share, work)
    assert first.entity is not None
    assert (second.code, second.message) == (
        "already_paid",
        f"this share is already marked as paid (settlement {first.entity['id']})",
    )
    work.commit()
    assert nets(work, trip) == {"EUR": {ada.id: Decimal(3), cy.id: Decimal(-3)}}
