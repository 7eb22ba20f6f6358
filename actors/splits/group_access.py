"""Who may act on a group, and the membership records every membership change writes.

A non-member gets ``not_found`` for everything in a group (a stranger learns nothing about it);
admin actions need the ``owner`` or ``admin`` role (``forbidden`` otherwise).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from actors.changes import change_data, next_version
from actors.kernel import Decision, reject
from actors.work import Work
from bus.envelopes import Command
from bus.ids import user_scope
from storage.groups import GroupDoc
from storage.shared import Person
from storage.views import group_entity

ADMINS = ("owner", "admin")


def local_day(moment: datetime, timezone: str) -> date:
    """The day ``moment`` falls on in the group's timezone (a settlement made at 00:30 in Tokyo
    is dated that Tokyo day)."""
    return moment.astimezone(ZoneInfo(timezone)).date()


async def member_group(
    work: Work, command: Command, group_id: str
) -> tuple[GroupDoc | None, Decision | None]:
    """The group if the caller is a member of it; else ``not_found`` (never ``forbidden``: a
    stranger learns nothing about a group, not even that it exists)."""
    group = await work.get(GroupDoc, group_id)
    if group is None or command.actor.user_id not in group.member_ids:
        return None, reject("not_found", "no such group")
    return group, None


async def admin_group(
    work: Work, command: Command, group_id: str, *, writable: bool = True
) -> tuple[GroupDoc | None, Decision | None]:
    group, refused = await member_group(work, command, group_id)
    if group is None:
        return None, refused
    if group.role_of(command.actor.user_id) not in ADMINS:
        return None, reject("forbidden", "only the group's owner or admins can do this")
    if writable and group.archived:
        return None, reject("group_archived", "the group is archived")
    return group, None


def member_entry(user_id: str, role: str, name: str | None, now: Any) -> dict[str, Any]:
    return {"user_id": user_id, "role": role, "name": name, "joined_at": now}


def with_members(group: GroupDoc, members: list[dict[str, Any]], now: Any) -> GroupDoc:
    return next_version(group, now, members=members, member_ids=[m["user_id"] for m in members])


def membership_data(
    group: GroupDoc, user_id: str, role: str | None, **extra: Any
) -> dict[str, Any]:
    """What a membership event says: the group after the change, and whose membership moved."""
    return {**change_data(group_entity(group)), "user_id": user_id, "role": role, **extra}


def join(
    work: Work, group: GroupDoc, user: Person, role: str, how: str, by: str | None
) -> GroupDoc:
    """``user`` joins ``group``: ``by`` is who added them (for an invite: who made it)."""
    members = [*group.members, member_entry(user.id, role, user.name, work.now)]
    joined = with_members(group, members, work.now)
    work.put(joined)
    data = membership_data(joined, user.id, role, how=how, by=by)
    work.emit(group.scope, "group.member_added", data)
    work.emit(user_scope(user.id), "group.member_added", data)
    return joined
