"""The splits actor's membership rules, decided on the in-memory unit of work
(``tests.support.fake_work``): invites that expired, ran out or were revoked, and who may do
what. No server is started."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from actors.splits.groups import accept_invite, add_member, remove_member, set_role
from bus.envelopes import ActorRef, Command
from bus.groups import AcceptInvite, AddMember, RemoveMember, SetRole
from storage.accounts import UserDoc
from storage.groups import GroupDoc, InviteDoc
from tests.support.fake_work import MemoryWork, decide

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def _user(name: str) -> UserDoc:
    return UserDoc(
        id=str(uuid.uuid4()),
        email=f"{name}@example.com",
        email_lower=f"{name}@example.com",
        name=name,
        home_currency="EUR",
        timezone="UTC",
        version=1,
        created_at=NOW,
        updated_at=NOW,
    )


def _group(owner: UserDoc, *members: tuple[UserDoc, str]) -> GroupDoc:
    everyone = [(owner, "owner"), *members]
    gid = str(uuid.uuid4())
    return GroupDoc(
        id=gid,
        scope=f"group:{gid}",
        name="Trip",
        currency="EUR",
        timezone="UTC",
        settings={},
        members=[
            {"user_id": u.id, "role": r, "name": u.name, "joined_at": NOW} for u, r in everyone
        ],
        member_ids=[u.id for u, _ in everyone],
        version=1,
        created_at=NOW,
        updated_at=NOW,
    )


def _invite(group: GroupDoc, **fields: Any) -> InviteDoc:
    values: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "token_hash": hashlib.sha256(uuid.uuid4().bytes).hexdigest(),
        "group_id": group.id,
        "created_by": group.member_ids[0],
        "expires_at": NOW + timedelta(days=1),
        "max_uses": 2,
        "version": 1,
        "created_at": NOW,
        "updated_at": NOW,
        **fields,
    }
    return InviteDoc(**values)


def _command(user: UserDoc, command_type: str) -> Command:
    return Command(
        command_id=str(uuid.uuid4()),
        type=command_type,
        actor=ActorRef(user_id=user.id),
        issued_at=NOW,
        body_hash="x",
        payload={},
    )


async def _accept(work: MemoryWork, user: UserDoc, invite: InviteDoc) -> Any:
    payload = AcceptInvite(group_id=invite.group_id, token_hash=invite.token_hash)
    return await decide(accept_invite, _command(user, "invite.accept"), payload, work)


async def test_an_invite_admits_until_it_expires_runs_out_or_is_revoked(documents: None) -> None:
    ada, bob, cy, dan = _user("ada"), _user("bob"), _user("cy"), _user("dan")
    group = _group(ada)
    invite = _invite(group)
    work = MemoryWork(ada, bob, cy, dan, group, invite)
    assert (await _accept(work, bob, invite)).accepted
    assert [e.type for e in work.committed] == ["group.member_added", "group.member_added"]
    assert {e.scope for e in work.committed} == {group.scope, f"user:{bob.id}"}
    again = await _accept(work, bob, invite)
    assert (again.accepted, again.message) == (False, "already a member")
    assert (await _accept(work, cy, invite)).accepted
    used_up = await _accept(work, dan, invite)
    assert (used_up.code, used_up.message) == ("validation", "this invite has been used up")

    expired = _invite(group, expires_at=NOW - timedelta(seconds=1))
    revoked = _invite(group, revoked=True)
    work = MemoryWork(ada, dan, group, expired, revoked)
    assert (await _accept(work, dan, expired)).message == "this invite has expired"
    assert (await _accept(work, dan, revoked)).message == "this invite was revoked"
    assert work.committed == []  # nothing written by a refusal


async def test_only_admins_manage_members_and_only_the_owner_hands_ownership_on(
    documents: None,
) -> None:
    ada, bob, cy, eve = _user("ada"), _user("bob"), _user("cy"), _user("eve")
    group = _group(ada, (bob, "admin"), (cy, "member"))
    work = MemoryWork(ada, bob, cy, eve, group)
    add = AddMember(group_id=group.id, email=eve.email)
    refused = await decide(add_member, _command(cy, "group.add_member"), add, work)
    assert refused.code == "forbidden"
    stranger = await decide(add_member, _command(eve, "group.add_member"), add, work)
    assert stranger.code == "not_found"
    crown = SetRole(group_id=group.id, user_id=cy.id, role="owner")
    assert (
        await decide(set_role, _command(bob, "group.set_role"), crown, work)
    ).code == "forbidden"
    handed = await decide(set_role, _command(ada, "group.set_role"), crown, work)
    assert handed.accepted
    roles = {m["user_id"]: m["role"] for m in handed.entity["members"]}  # type: ignore[index]
    assert roles == {ada.id: "admin", bob.id: "admin", cy.id: "owner"}
    kick = RemoveMember(group_id=group.id, user_id=cy.id)
    assert (
        await decide(remove_member, _command(bob, "group.remove_member"), kick, work)
    ).code == "forbidden"
