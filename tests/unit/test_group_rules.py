"""The splits actor's membership rules, decided on the in-memory unit of work
(``tests.support.fake_work``): invites that expired, ran out or were revoked, and who may do
what. No server is started."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from actors.splits.invites import accept_invite
from actors.splits.membership import add_member, remove_member, set_role
from bus.groups import AcceptInvite, AddMember, RemoveMember, SetRole
from storage.accounts import UserDoc
from storage.groups import InviteDoc
from tests.support import group_docs as docs
from tests.support.fake_work import NOW, MemoryWork, decide


async def _accept(work: MemoryWork, user: UserDoc, invite: InviteDoc) -> Any:
    payload = AcceptInvite(group_id=invite.group_id, token_hash=invite.token_hash)
    return await decide(accept_invite, docs.by(user, "invite.accept"), payload, work)


async def test_an_invite_admits_until_it_expires_runs_out_or_is_revoked(documents: None) -> None:
    ada, bob, cy, dan = docs.user("ada"), docs.user("bob"), docs.user("cy"), docs.user("dan")
    group = docs.group(ada)
    invite = docs.invite(group)
    work = MemoryWork(ada, bob, cy, dan, group, invite)
    assert (await _accept(work, bob, invite)).accepted
    assert [e.type for e in work.committed] == ["group.member_added", "group.member_added"]
    assert {e.scope for e in work.committed} == {group.scope, f"user:{bob.id}"}
    again = await _accept(work, bob, invite)
    assert (again.accepted, again.message) == (False, "already a member")
    assert (await _accept(work, cy, invite)).accepted
    used_up = await _accept(work, dan, invite)
    assert (used_up.code, used_up.message) == ("validation", "this invite has been used up")

    expired = docs.invite(group, expires_at=NOW - timedelta(seconds=1))
    revoked = docs.invite(group, revoked=True)
    work = MemoryWork(ada, dan, group, expired, revoked)
    assert (await _accept(work, dan, expired)).message == "this invite has expired"
    assert (await _accept(work, dan, revoked)).message == "this invite was revoked"
    assert work.committed == []  # nothing written by a refusal


async def test_only_admins_manage_members_and_only_the_owner_hands_ownership_on(
    documents: None,
) -> None:
    ada, bob, cy, eve = docs.user("ada"), docs.user("bob"), docs.user("cy"), docs.user("eve")
    group = docs.group(ada, (bob, "admin"), (cy, "member"))
    work = MemoryWork(ada, bob, cy, eve, group)
    add = AddMember(group_id=group.id, email=eve.email)
    refused = await decide(add_member, docs.by(cy, "group.add_member"), add, work)
    assert refused.code == "forbidden"
    stranger = await decide(add_member, docs.by(eve, "group.add_member"), add, work)
    assert stranger.code == "not_found"
    crown = SetRole(group_id=group.id, user_id=cy.id, role="owner")
    assert (await decide(set_role, docs.by(bob, "group.set_role"), crown, work)).code == "forbidden"
    handed = await decide(set_role, docs.by(ada, "group.set_role"), crown, work)
    assert handed.accepted
    roles = {m["user_id"]: m["role"] for m in handed.entity["members"]}  # type: ignore[index]
    assert roles == {ada.id: "admin", bob.id: "admin", cy.id: "owner"}
    kick = RemoveMember(group_id=group.id, user_id=cy.id)
    assert (
        await decide(remove_member, docs.by(bob, "group.remove_member"), kick, work)
    ).code == "forbidden"
