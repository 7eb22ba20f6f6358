"""Handlers of a group's members: added, removed, leaving, and their roles. Only the owner hands
ownership on, and the owner cannot leave or be removed while others remain.
"""

from __future__ import annotations

from actors.kernel import Decision, accept, reject
from actors.splits.departures import depart
from actors.splits.group_access import (
    admin_group,
    join,
    member_group,
    membership_data,
    with_members,
)
from actors.work import Work
from bus.envelopes import Command
from bus.groups import MAX_MEMBERS, AddMember, LeaveGroup, RemoveMember, SetRole
from bus.ids import user_scope
from storage.shared import person_by_email
from storage.views import group_entity


async def add_member(command: Command, p: AddMember, work: Work) -> Decision:
    group, refused = await admin_group(work, command, p.group_id)
    if group is None:
        return refused or reject("not_found", "no such group")
    user = await person_by_email(work, p.email)
    if user is None:
        return reject("not_found", "no account has this email", email="no account has this email")
    if user.id in group.member_ids:
        return reject(
            "already_member",
            "already a member",
            group_entity(group),
            email="already a member of this group",
        )
    if len(group.members) >= MAX_MEMBERS:
        return reject("group_full", f"a group has at most {MAX_MEMBERS} members")
    return accept(group_entity(join(work, group, user, p.role, "added", command.actor.user_id)))


async def remove_member(command: Command, p: RemoveMember, work: Work) -> Decision:
    group, refused = await admin_group(work, command, p.group_id)
    if group is None:
        return refused or reject("not_found", "no such group")
    if p.user_id not in group.member_ids:
        return reject("not_member", "not a member", user_id="not a member of this group")
    if p.user_id == command.actor.user_id:
        return reject("use_leave", "to leave a group, leave it", user_id="use leave")
    if group.role_of(p.user_id) == "owner":
        return reject("forbidden", "the owner cannot be removed")
    return await depart(work, command, group, p.user_id, p.balance, "removed")


async def leave_group(command: Command, p: LeaveGroup, work: Work) -> Decision:
    group, refused = await member_group(work, command, p.group_id)
    if group is None or command.actor.user_id is None:
        return refused or reject("not_found", "no such group")
    me = command.actor.user_id
    if group.archived:
        return reject("group_archived", "the group is archived")
    if group.role_of(me) == "owner":
        if len(group.members) > 1:
            message = "the owner hands ownership to another member before leaving"
            return reject("owner_stays", message, group_entity(group), role=message)
        message = "the last member does not leave a group: archive it"
        return reject("last_member", message, group_entity(group), role=message)
    return await depart(work, command, group, me, p.balance, "left")


async def set_role(command: Command, p: SetRole, work: Work) -> Decision:
    group, refused = await admin_group(work, command, p.group_id)
    if group is None or command.actor.user_id is None:
        return refused or reject("not_found", "no such group")
    me = command.actor.user_id
    if p.user_id not in group.member_ids:
        return reject("not_member", "not a member", user_id="not a member of this group")
    current = group.role_of(p.user_id)
    if (p.role == "owner" or current == "owner") and group.role_of(me) != "owner":
        return reject("forbidden", "only the owner hands ownership on")
    if current == "owner" and p.role != "owner":
        return reject("owner_stays", "make another member the owner instead", role="owner stays")
    if current == p.role:
        return accept(group_entity(group))
    members = []
    for m in group.members:
        if m["user_id"] == p.user_id:
            m = {**m, "role": p.role}
        elif p.role == "owner" and m["role"] == "owner":
            m = {**m, "role": "admin"}  # the old owner stays on as an admin
        members.append(m)
    changed = with_members(group, members, work.now)
    work.put(changed)
    data = membership_data(changed, p.user_id, p.role, by=me)
    work.emit(group.scope, "group.role_changed", data)
    work.emit(user_scope(p.user_id), "group.role_changed", data)
    return accept(group_entity(changed))
