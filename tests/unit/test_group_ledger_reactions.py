"""The splits actor's reaction to new rates (entries that waited are converted into the
group's currency), its balance bookkeeping (snapshots, balances of a group made before them) and
what a batch prefetches, on the in-memory unit of work. No server is started."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from actors.changes import new_entity_id
from actors.erasure import USER_DELETED
from actors.splits import SPLITS
from actors.splits.books import SNAPSHOT_EVERY
from actors.splits.entries import create_settlement, fill_group_values
from actors.splits.erasure import erase_person
from bus.envelopes import Command
from bus.groups import AcceptInvite, CreateSettlement, RevokeInvite
from bus.payload import Payload
from storage.accounts import UserDoc
from storage.groups import (
    GroupBalanceDoc,
    GroupBalanceSnapshotDoc,
    GroupDoc,
    GroupEntryDoc,
    InviteDoc,
)
from tests.support.fake_work import MemoryWork, command, decide, reads_of
from tests.support.group_docs import (
    add_rates,
    balances,
    by,
    equal_bill,
    group,
    nets,
    rates_updated,
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


# ---- rates arriving --------------------------------------------------------------------------


async def test_new_rates_convert_waiting_entries_into_the_groups_currency(documents: None) -> None:
    ada, bob, _, trip, work = trip_of_three()
    work = await spend(
        work, equal_bill(trip, ada, "10.00", ada, bob, currency="USD", id=BILL_ID), ada
    )
    work = await spend(work, equal_bill(trip, bob, "300", ada, bob, currency="JPY"), bob)
    payment = _pay(trip, bob, ada, id=PAID_ID, amount="2.00", currency="USD")
    assert (await decide(create_settlement, by(bob, "settlement.create"), payment, work)).accepted
    assert set(nets(work, trip)) == {"USD", "JPY"}
    work = work.next()
    add_rates(work.runtime, (date(2026, 11, 21), {"USD": "1.25"}))

    await fill_group_values(rates_updated([date(2026, 11, 21)], ["USD"]), work)
    work.commit()

    converted = work.committed[-2:]
    assert [(e.scope, e.type) for e in converted] == [
        (trip.scope, "group_expense.converted"),
        (trip.scope, "settlement.converted"),
    ]
    assert [e.data["balances_version"] for e in converted] == [4, 5]
    bill = work.one(GroupEntryDoc, BILL_ID)
    assert (bill.rate_status, bill.group_amount, bill.balance_currency, bill.version) == (
        "ok",
        Decimal("8.00"),
        "EUR",
        2,
    )
    assert nets(work, trip) == {
        "EUR": {ada.id: Decimal("2.40"), bob.id: Decimal("-2.40")},
        "JPY": {ada.id: Decimal(-150), bob.id: Decimal(150)},
    }
    assert work.one(GroupEntryDoc, PAID_ID).rate_status == "ok"


async def test_rates_that_convert_nothing_change_nothing(documents: None) -> None:
    ada, bob, _, trip, work = trip_of_three()
    work = await spend(work, equal_bill(trip, ada, "10.00", ada, bob, currency="USD"), ada)
    await fill_group_values(rates_updated([date(2026, 11, 21)], ["USD"]), work)  # no USD rate yet
    await fill_group_values(rates_updated([], []), work)
    assert (work.commit(), work.staged) == ([], [])
    assert set(nets(work, trip)) == {"USD"}


# ---- bookkeeping -----------------------------------------------------------------------------


async def test_every_few_hundred_balance_versions_a_snapshot_records_its_event(
    documents: None,
) -> None:
    ada, bob, _, trip, work = trip_of_three()
    work.stored[(GroupBalanceDoc, trip.id)] = balances(trip, version=SNAPSHOT_EVERY - 1)
    work = await spend(work, equal_bill(trip, ada, "4.00", ada, bob), ada)
    snapshot = work.one(GroupBalanceSnapshotDoc, f"{trip.id}:{SNAPSHOT_EVERY}")
    event = work.committed[-1]
    assert (snapshot.version, snapshot.seq, snapshot.group_id) == (
        SNAPSHOT_EVERY,
        event.seq,
        trip.id,
    )
    assert snapshot.tally == work.one(GroupBalanceDoc, trip.id).tally
    work = await spend(work, equal_bill(trip, ada, "4.00", ada, bob), ada)
    assert len([k for k in work.stored if k[0] is GroupBalanceSnapshotDoc]) == 1


def _sent(issuer: UserDoc, payload: Payload) -> Command:
    return command(type(payload).COMMAND, issuer.id, payload.model_dump(mode="json", by_alias=True))


def test_a_batch_loads_the_groups_entries_invites_and_callers_its_handlers_declare() -> None:
    ada, bob = user("ada"), user("bob")
    one, other = group(ada, (bob, "member")), group(ada, (bob, "member"))
    bill = _sent(ada, equal_bill(one, ada, "4.00", ada, bob, id=BILL_ID))
    paying = _sent(bob, _pay(other, bob, ada, expense_id=PAID_ID, amount="1.00"))
    invite = str(uuid.uuid4())
    revoking = _sent(ada, RevokeInvite(group_id=one.id, invite_id=invite))
    accepting = _sent(bob, AcceptInvite(group_id=other.id, token_hash="0" * 64))
    loads = reads_of(SPLITS, bill, paying, revoking, accepting)
    assert loads[GroupDoc] == [one.id, other.id]
    assert loads[GroupBalanceDoc] == [one.id, other.id]  # accepting reads the group only
    paid_id = new_entity_id("settlement", paying.command_id, None)  # as the handler derives it
    assert loads[GroupEntryDoc] == [BILL_ID, paid_id, PAID_ID]
    assert (loads[InviteDoc], loads[UserDoc]) == ([invite], [bob.id])  # accepting: the caller
    assert SPLITS.reactions == {"rates.updated": fill_group_values, USER_DELETED: erase_person}


async def test_balances_of_a_group_made_before_balances_start_from_empty(documents: None) -> None:
    ada, bob = user("ada"), user("bob")
    trip = group(ada, (bob, "member"))
    work = MemoryWork(ada, bob, trip, runtime=runtime())  # no GroupBalanceDoc stored
    work = await spend(work, equal_bill(trip, ada, "9.00"), ada)
    stored = work.one(GroupBalanceDoc, trip.id)
    assert (stored.version, stored.entries) == (1, 1)
    assert stored.tally["nets"]["EUR"] == {ada.id: "4.50", bob.id: "-4.50"}
    assert Decimal(stored.plan[0]["amount"]) == Decimal("4.50")
