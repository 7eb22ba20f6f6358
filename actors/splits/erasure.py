"""A deleted account in its groups (``user.deleted``).

In a group with others, the person's shares stay on every bill under the label "Former member"
(``GroupDoc.former_members``), so each group still balances and its history still adds up; they
leave the member list, so no new bill can name them, and the invites they made stop working.
An owner's group passes to the longest-standing admin, else the longest-standing member. A group
with no one else is erased whole.
"""

from __future__ import annotations

from typing import Any

from actors.changes import change_data, next_version
from actors.erasure import deleted_person
from actors.splits.group_access import ADMINS, membership_data, with_members
from actors.work import Work
from bus.envelopes import Event
from storage.groups import (
    GroupBalanceDoc,
    GroupBalanceSnapshotDoc,
    GroupDoc,
    GroupEntryDoc,
    InviteDoc,
)
from storage.views import invite_entity

FORMER_MEMBER = "Former member"
MAX_GROUPS = 10_000  # a person's groups, in one transaction
MAX_INVITES = 1000  # live invites one person made in one group


def _successor(members: list[dict[str, Any]]) -> str:
    """Who owns a group after its owner's account is deleted."""
    ranked = sorted(members, key=lambda m: (m["role"] not in ADMINS, m["joined_at"]))
    return str(ranked[0]["user_id"])


def _without(group: GroupDoc, user_id: str, work: Work) -> GroupDoc:
    others = [dict(m) for m in group.members if m["user_id"] != user_id]
    if group.role_of(user_id) == "owner":
        heir = _successor(others)
        for member in others:
            if member["user_id"] == heir:
                member["role"] = "owner"
    former = {"user_id": user_id, "name": FORMER_MEMBER, "left_at": work.now}
    left = with_members(group, others, work.now)
    left.former_members = [*group.former_members, former]
    return left


async def _revoke_invites(work: Work, group: GroupDoc, user_id: str) -> None:
    query = {"group_id": group.id, "created_by": user_id, "revoked": False}
    for ident in await work.find_ids(InviteDoc, query, MAX_INVITES):
        invite = await work.get(InviteDoc, ident)
        if invite is not None and not invite.revoked:
            revoked = next_version(invite, work.now, revoked=True)
            work.put(revoked)
            entity = change_data(invite_entity(revoked), invite_entity(invite))
            work.emit(group.scope, "invite.revoked", entity)


def _erase_group(work: Work, group_id: str) -> None:
    work.erase(GroupEntryDoc, {"group_id": group_id})
    work.erase(GroupBalanceSnapshotDoc, {"group_id": group_id})
    work.erase(InviteDoc, {"group_id": group_id})
    work.erase(GroupBalanceDoc, {"_id": group_id})
    work.erase(GroupDoc, {"_id": group_id})


async def erase_person(event: Event, work: Work) -> None:
    if (user_id := deleted_person(event)) is None:
        return
    for group_id in await work.find_ids(GroupDoc, {"member_ids": user_id}, MAX_GROUPS):
        group = await work.get(GroupDoc, group_id)
        if group is None or user_id not in group.member_ids:
            continue
        if group.member_ids == [user_id]:
            _erase_group(work, group.id)
            continue
        role = group.role_of(user_id)
        left = _without(group, user_id, work)
        work.put(left)
        data = membership_data(left, user_id, role, how="account_deleted", by=None)
        work.emit(group.scope, "group.member_left", data)
        await _revoke_invites(work, group, user_id)
