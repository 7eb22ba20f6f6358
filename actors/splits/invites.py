"""Handlers of a group's invites: made and revoked by admins, accepted by whoever holds the
token while it is valid.
"""

from __future__ import annotations

from datetime import timedelta

from actors.changes import change_data, new_entity_id, next_version
from actors.kernel import Decision, accept, reject
from actors.splits.group_access import admin_group, join
from actors.work import Work
from bus.envelopes import Command
from bus.groups import MAX_MEMBERS, AcceptInvite, CreateInvite, RevokeInvite
from storage.groups import GroupDoc, InviteDoc
from storage.shared import person
from storage.views import group_entity, invite_entity


async def create_invite(command: Command, p: CreateInvite, work: Work) -> Decision:
    group, refused = await admin_group(work, command, p.group_id)
    if group is None or command.actor.user_id is None:
        return refused or reject("not_found", "no such group")
    if await work.find_ids(InviteDoc, {"token_hash": p.token_hash}, 1):
        return reject("validation", "this invite exists", token_hash="already used")
    invite = InviteDoc(
        id=new_entity_id("invite", command.command_id, None),
        token_hash=p.token_hash,
        group_id=group.id,
        created_by=command.actor.user_id,
        expires_at=work.now + timedelta(seconds=p.expires_in_s),
        max_uses=p.max_uses,
        version=1,
        created_at=work.now,
        updated_at=work.now,
    )
    work.put(invite)
    entity = invite_entity(invite)
    work.emit(group.scope, "invite.created", change_data(entity))
    return accept(entity)


async def accept_invite(command: Command, p: AcceptInvite, work: Work) -> Decision:
    found = await work.find_ids(InviteDoc, {"token_hash": p.token_hash}, 1)
    invite = await work.get(InviteDoc, found[0]) if found else None
    me = command.actor.user_id
    if invite is None or invite.group_id != p.group_id or me is None:
        return reject("not_found", "no such invite")
    problem = None
    if invite.revoked:
        problem = "this invite was revoked"
    elif invite.expires_at <= work.now:
        problem = "this invite has expired"
    elif invite.uses >= invite.max_uses:
        problem = "this invite has been used up"
    if problem is not None:
        return reject("validation", problem, token=problem)
    group = await work.get(GroupDoc, invite.group_id)
    user = await person(work, me)
    if group is None or user is None:
        return reject("not_found", "no such invite")
    if group.archived:
        return reject("group_archived", "the group is archived", token="the group is archived")
    if me in group.member_ids:
        return reject(
            "already_member",
            "already a member",
            group_entity(group),
            token="you are already a member",
        )
    if len(group.members) >= MAX_MEMBERS:
        return reject("group_full", f"a group has at most {MAX_MEMBERS} members")
    work.put(
        next_version(invite, work.now, uses=invite.uses + 1, accepted_by=[*invite.accepted_by, me])
    )
    return accept(group_entity(join(work, group, user, "member", "invite", invite.created_by)))


async def revoke_invite(command: Command, p: RevokeInvite, work: Work) -> Decision:
    group, refused = await admin_group(work, command, p.group_id, writable=False)
    if group is None:
        return refused or reject("not_found", "no such group")
    invite = await work.get(InviteDoc, p.invite_id)
    if invite is None or invite.group_id != group.id:
        return reject("not_found", "no such invite")
    if invite.revoked:
        return accept(invite_entity(invite))
    revoked = next_version(invite, work.now, revoked=True)
    work.put(revoked)
    entity = invite_entity(revoked)
    work.emit(group.scope, "invite.revoked", change_data(entity, invite_entity(invite)))
    return accept(entity)
