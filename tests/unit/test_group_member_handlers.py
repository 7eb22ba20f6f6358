"""The splits actor's membership handlers, decided on the in-memory unit of work: adding a
member, removing one, leaving (with an open balance blocked or written off) and reminders.
Who may manage members is in ``test_unit_group_rules``. No server is started."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from actors.splits.membership import add_member, leave_group, remove_member
from actors.splits.reminders import remind
from bus.groups import MAX_MEMBERS, AddMember, LeaveGroup, Remind, RemoveMember
from storage.accounts import UserDoc
from storage.groups import GroupBalanceDoc, GroupDoc, GroupEntryDoc
from tests.support.fake_work import MemoryWork, decide
from tests.support.group_docs import balances, by, equal_bill, group, nets, runtime, spend, user


def _people() -> tuple[UserDoc, UserDoc, UserDoc]:
    return user("ada"), user("bob"), user("cy")


# ---- add -------------------------------------------------------------------------------------


async def test_an_admin_adds_a_person_by_email_in_any_case(documents: None) -> None:
    ada, bob, cy = _people()
    trip = group(ada, (bob, "member"))
    work = MemoryWork(ada, bob, cy, trip)
    payload = AddMember(group_id=trip.id, email="CY@Example.com", role="admin")
    added = await decide(add_member, by(ada, "group.add_member"), payload, work)
    assert added.accepted
    assert added.version == 2
    assert work.one(GroupDoc, trip.id).role_of(cy.id) == "admin"
    assert [(e.scope, e.type) for e in work.committed] == [
        (trip.scope, "group.member_added"),
        (f"user:{cy.id}", "group.member_added"),
    ]
    data = work.committed[1].data
    assert (data["user_id"], data["role"], data["how"], data["entity"]["id"]) == (
        cy.id,
        "admin",
        "added",
        trip.id,
    )


async def test_adding_refuses_unknown_emails_members_full_and_archived_groups(
    documents: None,
) -> None:
    ada, bob, cy = _people()
    trip = group(ada, (bob, "member"))
    full = group(ada, *((user(f"m{n}"), "member") for n in range(MAX_MEMBERS - 1)))
    shut = group(ada, archived=True)
    work = MemoryWork(ada, bob, cy, trip, full, shut)

    async def add(gid: str, email: str) -> tuple[str | None, str | None, list[str]]:
        payload = AddMember(group_id=gid, email=email)
        decision = await decide(add_member, by(ada, "group.add_member"), payload, work)
        return decision.code, decision.message, [e.msg for e in decision.errors]

    assert await add(trip.id, "nobody@example.com") == (
        "not_found",
        "no account has this email",
        ["no account has this email"],
    )
    assert await add(trip.id, bob.email) == (
        "already_member",
        "already a member",
        ["already a member of this group"],
    )
    assert await add(full.id, cy.email) == (
        "group_full",
        f"a group has at most {MAX_MEMBERS} members",
        [],
    )
    assert await add(shut.id, cy.email) == ("group_archived", "the group is archived", [])
    assert work.committed == []


# ---- remove ----------------------------------------------------------------------------------


async def test_removing_a_settled_member_emits_in_both_scopes(documents: None) -> None:
    ada, bob, cy = _people()
    trip = group(ada, (bob, "admin"), (cy, "member"))
    work = MemoryWork(ada, bob, cy, trip, balances(trip))
    removed = await decide(
        remove_member,
        by(bob, "group.remove_member"),
        RemoveMember(group_id=trip.id, user_id=cy.id),
        work,
    )
    assert removed.accepted
    assert removed.version == 2
    assert work.one(GroupDoc, trip.id).member_ids == [ada.id, bob.id]
    assert [(e.scope, e.type) for e in work.committed] == [
        (trip.scope, "group.member_removed"),
        (f"user:{cy.id}", "group.member_removed"),
    ]
    data = work.committed[0].data
    assert (data["user_id"], data["role"], data["how"], data["by"]) == (
        cy.id,
        "member",
        "removed",
        bob.id,
    )


async def test_removing_refuses_non_members_oneself_and_the_owner(documents: None) -> None:
    ada, bob, cy = _people()
    trip = group(ada, (bob, "admin"))
    work = MemoryWork(ada, bob, cy, trip, balances(trip))

    async def remove(who: UserDoc) -> tuple[str | None, str | None]:
        payload = RemoveMember(group_id=trip.id, user_id=who.id)
        decision = await decide(remove_member, by(bob, "group.remove_member"), payload, work)
        return decision.code, decision.message

    assert await remove(cy) == ("not_member", "not a member")
    assert await remove(bob) == ("use_leave", "to leave a group, leave it")
    assert await remove(ada) == ("forbidden", "the owner cannot be removed")
    assert work.committed == []


async def test_an_open_balance_blocks_removal_unless_written_off(documents: None) -> None:
    ada, bob, cy = _people()
    trip = group(ada, (bob, "member"), (cy, "member"))
    work = MemoryWork(ada, bob, cy, trip, balances(trip), runtime=runtime())
    work = await spend(work, equal_bill(trip, cy, "30.00"), cy)  # cy +20, ada -10, bob -10
    kick = RemoveMember(group_id=trip.id, user_id=cy.id)
    blocked = await decide(remove_member, by(ada, "group.remove_member"), kick, work)
    assert (blocked.code, [e.loc for e in blocked.errors]) == ("balance_open", [["balance"]])
    assert blocked.message is not None
    assert "+20.00 EUR" in blocked.message
    assert cy.id in work.one(GroupDoc, trip.id).member_ids

    forgive = RemoveMember(group_id=trip.id, user_id=cy.id, balance="write_off")
    work = work.next()
    done = await decide(remove_member, by(ada, "group.remove_member"), forgive, work)
    assert done.accepted
    assert [e.type for e in work.committed[1:]] == [
        "write_off.created",
        "group.member_removed",
        "group.member_removed",
    ]
    written = work.committed[1].data["entity"]
    assert (written["user_id"], written["reason"], written["balance_currency"]) == (
        cy.id,
        "removed",
        "EUR",
    )
    assert {
        s["user_id"]: (s["paid_share"], s["owed_share"]) for s in written["balance_shares"]
    } == {
        cy.id: ("0.00", "20.00"),  # written as every share is, in the currency's units
        ada.id: ("10.00", "0.00"),
        bob.id: ("10.00", "0.00"),
    }
    assert nets(work, trip) == {}  # cy gave up what was owed; nobody owes anyone now
    entry = work.one(GroupEntryDoc, str(written["id"]))
    assert (entry.kind, entry.created_by, entry.involved) == (
        "write_off",
        ada.id,
        sorted([ada.id, bob.id, cy.id]),
    )
    assert work.one(GroupBalanceDoc, trip.id).entries == 2


# ---- leave -----------------------------------------------------------------------------------


async def test_a_debtor_leaves_by_spreading_the_debt_over_the_others(documents: None) -> None:
    ada, bob, cy = _people()
    trip = group(ada, (bob, "member"), (cy, "member"), timezone="Asia/Tokyo")
    work = MemoryWork(ada, bob, cy, trip, balances(trip), runtime=runtime())
    work = await spend(work, equal_bill(trip, ada, "10.00", ada, cy), ada)  # cy owes ada 5.00
    blocked = await decide(leave_group, by(cy, "group.leave"), LeaveGroup(group_id=trip.id), work)
    assert blocked.code == "balance_open"
    work = work.next()
    payload = LeaveGroup(group_id=trip.id, balance="write_off")
    left = await decide(leave_group, by(cy, "group.leave"), payload, work)
    assert left.accepted
    assert work.one(GroupDoc, trip.id).member_ids == [ada.id, bob.id]
    written, *membership = work.committed[1:]
    assert (written.type, written.data["entity"]["reason"]) == ("write_off.created", "left")
    assert written.data["entity"]["date"] == "2026-11-22"  # 21:00 in Tokyo
    assert [(e.scope, e.type) for e in membership] == [
        (trip.scope, "group.member_left"),
        (f"user:{cy.id}", "group.member_left"),
    ]
    assert membership[0].data["by"] == cy.id
    assert nets(work, trip) == {"EUR": {ada.id: Decimal("2.50"), bob.id: Decimal("-2.50")}}


async def test_a_member_whose_entry_waits_for_a_rate_cannot_leave_yet(documents: None) -> None:
    ada, bob, _ = _people()
    trip = group(ada, (bob, "member"))
    work = MemoryWork(ada, bob, trip, balances(trip), runtime=runtime())  # no USD rate
    work = await spend(work, equal_bill(trip, ada, "8.00", currency="USD"), ada)
    payload = LeaveGroup(group_id=trip.id, balance="write_off")
    waiting = await decide(leave_group, by(bob, "group.leave"), payload, work)
    assert waiting.code == "balance_open"
    assert waiting.message is not None
    assert "waits for an exchange rate" in waiting.message
    assert bob.id in work.one(GroupDoc, trip.id).member_ids


async def test_leaving_refuses_strangers_archives_and_the_owner(documents: None) -> None:
    ada, bob, cy = _people()
    trip = group(ada, (bob, "member"))
    alone = group(ada)
    shut = group(ada, (bob, "member"), archived=True)
    work = MemoryWork(ada, bob, cy, trip, alone, shut, balances(trip))

    async def leave(who: UserDoc, gid: str) -> tuple[str | None, str | None]:
        decision = await decide(leave_group, by(who, "group.leave"), LeaveGroup(group_id=gid), work)
        return decision.code, decision.message

    assert await leave(cy, trip.id) == ("not_found", "no such group")
    assert await leave(bob, shut.id) == ("group_archived", "the group is archived")
    assert await leave(ada, trip.id) == (
        "owner_stays",
        "the owner hands ownership to another member before leaving",
    )
    assert await leave(ada, alone.id) == (
        "last_member",
        "the last member does not leave a group: archive it",
    )
    assert work.committed == []


# ---- reminders -------------------------------------------------------------------------------


async def test_a_reminder_goes_only_to_the_debtor_with_what_to_pay(documents: None) -> None:
    ada, bob, cy = _people()
    trip = group(ada, (bob, "member"), (cy, "member"))
    work = MemoryWork(ada, bob, cy, trip, balances(trip), runtime=runtime())
    work = await spend(work, equal_bill(trip, ada, "9.00", ada, bob), ada)
    before = dict(work.stored)
    payload = Remind(group_id=trip.id, user_id=bob.id, note="before Friday")
    sent = await decide(remind, by(cy, "group.remind"), payload, work)
    assert sent.accepted
    assert sent.entity is not None
    assert (sent.entity["from_user"], sent.entity["to_user"], sent.entity["note"]) == (
        cy.id,
        bob.id,
        "before Friday",
    )
    assert sent.entity["owes"] == [{"currency": "EUR", "amount": "4.50"}]
    assert sent.entity["pay"] == [{"to": ada.id, "amount": "4.50", "currency": "EUR"}]
    event = work.committed[-1]
    assert (event.scope, event.type, event.data["entity"]) == (
        f"user:{bob.id}",
        "reminder.sent",
        sent.entity,
    )
    assert work.stored == before  # a reminder changes nothing stored


async def test_reminding_refuses_strangers_non_members_and_those_who_owe_nothing(
    documents: None,
) -> None:
    ada, bob, cy = _people()
    trip = group(ada, (bob, "member"))
    work = MemoryWork(ada, bob, cy, trip, balances(trip), runtime=runtime())
    work = await spend(work, equal_bill(trip, ada, "9.00", day=date(2026, 11, 20)), ada)
    count = len(work.committed)

    async def nudge(sender: UserDoc, who: UserDoc) -> tuple[str | None, str | None]:
        payload = Remind(group_id=trip.id, user_id=who.id)
        decision = await decide(remind, by(sender, "group.remind"), payload, work)
        return decision.code, decision.message

    assert await nudge(cy, bob) == ("not_found", "no such group")
    assert await nudge(ada, cy) == ("not_member", "not a member")
    assert await nudge(bob, ada) == ("nothing_owed", "this member owes nothing")
    assert len(work.committed) == count
