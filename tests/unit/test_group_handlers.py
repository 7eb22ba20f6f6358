"""The splits actor's group handlers, decided on the in-memory unit of work: creating, updating
and archiving a group, and roles. Who may manage members is in ``test_unit_group_rules``;
invites in ``test_unit_group_invite_handlers``; members leaving, being removed and reminded in
``test_unit_group_member_handlers``. No server is started."""

from __future__ import annotations

from actors.splits.groups import (
    archive_group,
    create_group,
    update_group,
)
from actors.splits.membership import set_role
from bus.groups import (
    CreateGroup,
    GroupRef,
    GroupSettings,
    SetRole,
    UpdateGroup,
)
from storage.groups import GroupBalanceDoc, GroupDoc
from tests.support.fake_work import MemoryWork, decide
from tests.support.group_docs import balances, by, equal_bill, group, roles, runtime, spend, user

GROUP_ID = "5f0c6a3e-8a52-4a63-9d7f-0e4a0a1b2c3d"


# ---- create ----------------------------------------------------------------------------------


async def test_creating_a_group_makes_the_caller_its_owner_with_empty_balances(
    documents: None,
) -> None:
    ada = user("ada")
    work = MemoryWork(ada)
    payload = CreateGroup(
        id=GROUP_ID,
        name="Flat",
        currency="CHF",
        timezone="Europe/Zurich",
        settings=GroupSettings(default_split="shares", simplify_debts=False),
    )
    made = await decide(create_group, by(ada, "group.create"), payload, work)
    assert made.accepted
    assert made.entity is not None
    assert (made.entity["id"], made.entity["currency"], made.version) == (GROUP_ID, "CHF", 1)
    assert made.entity["settings"] == {"default_split": "shares", "simplify_debts": False}
    assert made.entity["members"] == [
        {"user_id": ada.id, "role": "owner", "name": "ada", "joined_at": "2026-11-22T12:00:00Z"}
    ]
    stored = work.one(GroupDoc, GROUP_ID)
    assert (stored.scope, stored.member_ids, stored.timezone) == (
        f"group:{GROUP_ID}",
        [ada.id],
        "Europe/Zurich",
    )
    assert work.one(GroupBalanceDoc, GROUP_ID).entries == 0
    assert [(e.scope, e.type, e.seq) for e in work.committed] == [
        (f"group:{GROUP_ID}", "group.created", 1),
        (f"user:{ada.id}", "group.member_added", 1),
    ]
    joined = work.committed[1].data
    assert (joined["user_id"], joined["role"], joined["entity"]["id"]) == (
        ada.id,
        "owner",
        GROUP_ID,
    )


async def test_a_group_id_is_derived_from_the_command_when_the_client_sends_none(
    documents: None,
) -> None:
    ada = user("ada")
    work = MemoryWork(ada)
    sent = by(ada, "group.create")
    made = await decide(create_group, sent, CreateGroup(name="Flat", currency="EUR"), work)
    assert made.entity is not None
    work.one(GroupDoc, str(made.entity["id"]))
    replayed = await decide(
        create_group, sent, CreateGroup(name="Flat", currency="EUR"), work.next()
    )
    assert (replayed.code, replayed.entity) == ("conflict", made.entity)


async def test_creating_a_group_needs_a_caller_and_an_id_nobody_else_holds(
    documents: None,
) -> None:
    ada, eve = user("ada"), user("eve")
    mine = group(ada)
    work = MemoryWork(ada, eve, mine)
    anonymous = await decide(create_group, by(None, "group.create"), _named(mine.id), work)
    assert (anonymous.code, anonymous.message) == ("forbidden", "sign in first")
    again = await decide(create_group, by(ada, "group.create"), _named(mine.id), work)
    assert (again.code, again.version, again.entity and again.entity["name"]) == (
        "conflict",
        1,
        "Trip",
    )
    taken = await decide(create_group, by(eve, "group.create"), _named(mine.id), work)
    assert (taken.code, taken.message, taken.entity) == (
        "validation",
        "this id is already taken",
        None,
    )
    assert [(e.loc, e.msg) for e in taken.errors] == [(["id"], "choose another UUID")]
    assert work.committed == []


def _named(gid: str) -> CreateGroup:
    return CreateGroup(id=gid, name="Other", currency="USD")


# ---- update ----------------------------------------------------------------------------------


async def test_an_admin_updates_only_the_fields_sent_and_the_event_carries_before(
    documents: None,
) -> None:
    ada, bob = user("ada"), user("bob")
    trip = group(ada, (bob, "admin"))
    work = MemoryWork(ada, bob, trip, balances(trip))
    payload = UpdateGroup(group_id=trip.id, name="Ski", currency="CHF")
    updated = await decide(update_group, by(bob, "group.update", expected_version=1), payload, work)
    assert updated.accepted
    assert updated.entity is not None
    assert (updated.entity["name"], updated.entity["currency"], updated.version) == (
        "Ski",
        "CHF",
        2,
    )
    stored = work.one(GroupDoc, trip.id)
    assert (stored.name, stored.currency, stored.timezone, stored.settings) == (
        "Ski",
        "CHF",
        "UTC",
        trip.settings,
    )
    [event] = work.committed
    assert (event.scope, event.type, event.data["version"]) == (trip.scope, "group.updated", 2)
    assert (event.data["before"]["name"], event.data["entity"]["name"]) == ("Trip", "Ski")


async def test_updating_a_group_refuses_strangers_members_archives_and_stale_versions(
    documents: None,
) -> None:
    ada, cy, eve = user("ada"), user("cy"), user("eve")
    trip = group(ada, (cy, "member"))
    shut = group(ada, archived=True)
    work = MemoryWork(ada, cy, eve, trip, shut)
    rename = UpdateGroup(group_id=trip.id, name="Ski")
    stranger = await decide(update_group, by(eve, "group.update"), rename, work)
    assert (stranger.code, stranger.message) == ("not_found", "no such group")
    member = await decide(update_group, by(cy, "group.update"), rename, work)
    assert (member.code, member.message) == (
        "forbidden",
        "only the group's owner or admins can do this",
    )
    archived = await decide(
        update_group, by(ada, "group.update"), UpdateGroup(group_id=shut.id, name="x"), work
    )
    assert (archived.code, archived.message) == ("group_archived", "the group is archived")
    stale = await decide(update_group, by(ada, "group.update", expected_version=7), rename, work)
    assert (stale.code, stale.message) == ("conflict", "version 7 is stale (now 1)")
    assert stale.entity is not None
    assert stale.entity["name"] == "Trip"
    assert work.committed == []
    assert work.one(GroupDoc, trip.id).name == "Trip"


async def test_the_currency_stays_once_the_group_has_entries(documents: None) -> None:
    ada, bob = user("ada"), user("bob")
    trip = group(ada, (bob, "member"))
    work = MemoryWork(ada, bob, trip, balances(trip), runtime=runtime())
    same = UpdateGroup(group_id=trip.id, currency="EUR", name="Ski")
    work = await spend(work, equal_bill(trip, ada, "10.00"), ada)
    renamed = await decide(update_group, by(ada, "group.update"), same, work)
    assert renamed.accepted  # the same currency is no change
    work = work.next()
    moved = await decide(
        update_group, by(ada, "group.update"), UpdateGroup(group_id=trip.id, currency="USD"), work
    )
    message = "the currency cannot change once the group has expenses or settlements"
    assert (moved.code, moved.message) == ("validation", message)
    assert [(e.loc, e.msg) for e in moved.errors] == [(["currency"], message)]
    assert work.one(GroupDoc, trip.id).currency == "EUR"


# ---- archive ---------------------------------------------------------------------------------


async def test_archiving_is_once_and_then_idempotent(documents: None) -> None:
    ada, cy = user("ada"), user("cy")
    trip = group(ada, (cy, "member"))
    work = MemoryWork(ada, cy, trip)
    ref = GroupRef(group_id=trip.id)
    member = await decide(archive_group, by(cy, "group.archive"), ref, work)
    assert member.code == "forbidden"
    stale = await decide(archive_group, by(ada, "group.archive", expected_version=3), ref, work)
    assert stale.code == "conflict"
    done = await decide(archive_group, by(ada, "group.archive", expected_version=1), ref, work)
    assert done.accepted
    assert done.entity is not None
    assert (done.entity["archived"], done.version) == (True, 2)
    assert work.one(GroupDoc, trip.id).archived
    assert [(e.scope, e.type) for e in work.committed] == [(trip.scope, "group.archived")]
    work = work.next()
    again = await decide(archive_group, by(ada, "group.archive"), ref, work)
    assert (again.accepted, again.version) == (True, 2)
    assert len(work.committed) == 1  # nothing new


# ---- roles -----------------------------------------------------------------------------------


async def test_an_admin_promotes_a_member_in_both_scopes(documents: None) -> None:
    ada, bob, cy = user("ada"), user("bob"), user("cy")
    trip = group(ada, (bob, "admin"), (cy, "member"))
    work = MemoryWork(ada, bob, cy, trip)
    raised = await decide(
        set_role,
        by(bob, "group.set_role"),
        SetRole(group_id=trip.id, user_id=cy.id, role="admin"),
        work,
    )
    assert roles(raised.entity) == {ada.id: "owner", bob.id: "admin", cy.id: "admin"}
    assert work.one(GroupDoc, trip.id).role_of(cy.id) == "admin"
    assert [(e.scope, e.type) for e in work.committed] == [
        (trip.scope, "group.role_changed"),
        (f"user:{cy.id}", "group.role_changed"),
    ]
    data = work.committed[0].data
    assert (data["user_id"], data["role"], data["by"]) == (cy.id, "admin", bob.id)


async def test_setting_a_role_refuses_non_members_and_the_owner_stepping_down(
    documents: None,
) -> None:
    ada, bob, eve = user("ada"), user("bob"), user("eve")
    trip = group(ada, (bob, "admin"))
    work = MemoryWork(ada, bob, eve, trip)

    def to(who: str, role: str) -> SetRole:
        return SetRole.model_validate({"group_id": trip.id, "user_id": who, "role": role})

    outsider = await decide(set_role, by(ada, "group.set_role"), to(eve.id, "admin"), work)
    assert (outsider.code, [e.loc for e in outsider.errors]) == ("not_member", [["user_id"]])
    step_down = await decide(set_role, by(ada, "group.set_role"), to(ada.id, "admin"), work)
    assert (step_down.code, step_down.message) == (
        "owner_stays",
        "make another member the owner instead",
    )
    demote_owner = await decide(set_role, by(bob, "group.set_role"), to(ada.id, "member"), work)
    assert (demote_owner.code, demote_owner.message) == (
        "forbidden",
        "only the owner hands ownership on",
    )
    same = await decide(set_role, by(ada, "group.set_role"), to(bob.id, "admin"), work)
    assert (same.accepted, same.version) == (True, 1)
    assert work.committed == []
