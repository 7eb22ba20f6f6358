"""The splits actor's invite links, decided on the in-memory unit of work: making one,
accepting it (its use counted), and revoking it. The refusals of an expired, used-up or revoked
invite are in ``test_unit_group_rules``. No server is started."""

from __future__ import annotations

from datetime import timedelta

from actors.splits.invites import accept_invite, create_invite, revoke_invite
from bus.groups import MAX_MEMBERS, AcceptInvite, CreateInvite, RevokeInvite
from storage.groups import GroupDoc, InviteDoc
from tests.support.fake_work import NOW, MemoryWork, decide
from tests.support.group_docs import by, group, invite, roles, token_hash, user


async def test_an_admin_makes_an_invite_whose_hash_never_leaves_the_actor(
    documents: None,
) -> None:
    ada, cy = user("ada"), user("cy")
    trip = group(ada, (cy, "member"))
    work = MemoryWork(ada, cy, trip)
    payload = CreateInvite(
        group_id=trip.id, token_hash=token_hash("t"), expires_in_s=3600, max_uses=5
    )
    member = await decide(create_invite, by(cy, "invite.create"), payload, work)
    assert member.code == "forbidden"
    made = await decide(create_invite, by(ada, "invite.create"), payload, work)
    assert made.accepted
    assert made.entity is not None
    assert "token_hash" not in made.entity
    assert (made.entity["max_uses"], made.entity["uses"], made.entity["created_by"]) == (
        5,
        0,
        ada.id,
    )
    assert made.entity["expires_at"] == (NOW + timedelta(hours=1)).isoformat().replace(
        "+00:00", "Z"
    )
    stored = work.one(InviteDoc, str(made.entity["id"]))
    assert (stored.token_hash, stored.group_id) == (token_hash("t"), trip.id)
    [event] = work.committed
    assert (event.scope, event.type) == (trip.scope, "invite.created")
    assert "token_hash" not in event.data["entity"]
    work = work.next()
    twice = await decide(create_invite, by(ada, "invite.create"), payload, work)
    assert (twice.code, twice.message) == ("validation", "this invite exists")
    assert [(e.loc, e.msg) for e in twice.errors] == [(["token_hash"], "already used")]


async def test_accepting_an_invite_counts_its_use_and_the_new_member(documents: None) -> None:
    ada, bob = user("ada"), user("bob")
    trip = group(ada)
    link = invite(trip)
    work = MemoryWork(ada, bob, trip, link)
    joined = await decide(
        accept_invite,
        by(bob, "invite.accept"),
        AcceptInvite(group_id=trip.id, token_hash=link.token_hash),
        work,
    )
    assert roles(joined.entity) == {ada.id: "owner", bob.id: "member"}
    used = work.one(InviteDoc, link.id)
    assert (used.uses, used.accepted_by, used.version) == (1, [bob.id], 2)
    assert work.one(GroupDoc, trip.id).member_ids == [ada.id, bob.id]
    assert {e.data["how"] for e in work.committed} == {"invite"}


async def test_an_invite_is_not_found_for_another_group_and_admits_nobody_to_a_closed_group(
    documents: None,
) -> None:
    ada, bob = user("ada"), user("bob")
    trip, other, shut = group(ada), group(ada), group(ada, archived=True)
    crowd = [user(f"m{n}") for n in range(MAX_MEMBERS - 1)]
    full = group(ada, *((u, "member") for u in crowd))
    links = {g.id: invite(g) for g in (trip, shut, full)}
    work = MemoryWork(ada, bob, trip, other, shut, full, *links.values())

    async def accept(gid: str, token: str) -> tuple[str | None, str | None]:
        sent = AcceptInvite(group_id=gid, token_hash=token)
        decision = await decide(accept_invite, by(bob, "invite.accept"), sent, work)
        return decision.code, decision.message

    assert await accept(trip.id, token_hash("unknown")) == ("not_found", "no such invite")
    assert await accept(other.id, links[trip.id].token_hash) == ("not_found", "no such invite")
    assert await accept(shut.id, links[shut.id].token_hash) == (
        "group_archived",
        "the group is archived",
    )
    assert await accept(full.id, links[full.id].token_hash) == (
        "group_full",
        f"a group has at most {MAX_MEMBERS} members",
    )
    assert work.committed == []
    assert work.one(InviteDoc, links[full.id].id).uses == 0


async def test_revoking_an_invite_is_once_even_in_an_archived_group(documents: None) -> None:
    ada = user("ada")
    trip, other = group(ada, archived=True), group(ada)
    link, elsewhere = invite(trip), invite(other)
    work = MemoryWork(ada, trip, other, link, elsewhere)
    wrong = await decide(
        revoke_invite,
        by(ada, "invite.revoke"),
        RevokeInvite(group_id=trip.id, invite_id=elsewhere.id),
        work,
    )
    assert (wrong.code, wrong.message) == ("not_found", "no such invite")
    ref = RevokeInvite(group_id=trip.id, invite_id=link.id)
    revoked = await decide(revoke_invite, by(ada, "invite.revoke"), ref, work)
    assert revoked.entity is not None
    assert (revoked.entity["revoked"], revoked.version) == (True, 2)
    assert work.one(InviteDoc, link.id).revoked
    [event] = work.committed
    assert (event.scope, event.type, event.data["before"]["revoked"]) == (
        trip.scope,
        "invite.revoked",
        False,
    )
    work = work.next()
    again = await decide(revoke_invite, by(ada, "invite.revoke"), ref, work)
    assert (again.accepted, again.version, len(work.committed)) == (True, 2, 1)
