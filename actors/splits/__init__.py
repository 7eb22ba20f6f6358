"""The splits actor: shared groups, their members and invites, group expenses, settlements and
balances (pure rules in ``shares``, ``balances``, ``bills`` and ``history``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from beanie import Document

from actors.changes import new_entity_id
from actors.handling import handlers, on
from actors.kernel import ActorDefinition
from actors.splits.entries import (
    create_group_expense,
    create_settlement,
    delete_group_expense,
    delete_settlement,
    fill_group_values,
    update_group_expense,
)
from actors.splits.groups import (
    accept_invite,
    add_member,
    archive_group,
    create_group,
    create_invite,
    leave_group,
    remind,
    remove_member,
    revoke_invite,
    set_role,
    update_group,
)
from actors.splits.runtime import SplitsRuntime
from bus.envelopes import Command
from bus.groups import (
    AcceptInvite,
    AddMember,
    CreateGroup,
    CreateGroupExpense,
    CreateInvite,
    CreateSettlement,
    DeleteGroupExpense,
    DeleteSettlement,
    GroupRef,
    LeaveGroup,
    Remind,
    RemoveMember,
    RevokeInvite,
    SetRole,
    UpdateGroup,
    UpdateGroupExpense,
)
from storage.group_reads import ENTRY_EVENTS
from storage.groups import GroupBalanceDoc, GroupDoc, GroupEntryDoc, InviteDoc
from storage.shared import people


def prefetch(commands: Sequence[Command]) -> Mapping[type[Document], list[str]]:
    """Load the groups, balances, entries and invites a batch touches, a query per kind."""
    groups: list[str] = []
    entries: list[str] = []
    invites: list[str] = []
    for command in commands:
        payload = command.payload
        if isinstance(payload.get("group_id"), str):
            groups.append(payload["group_id"])
        given = payload.get("id") if isinstance(payload.get("id"), str) else None
        entity = command.type.partition(".")[0]
        if entity in ("group_expense", "settlement"):
            entries.append(new_entity_id(entity, command.command_id, given))
        if isinstance(payload.get("expense_id"), str):
            entries.append(payload["expense_id"])
        if isinstance(payload.get("invite_id"), str):
            invites.append(payload["invite_id"])
    users = [c.actor.user_id for c in commands if c.actor.user_id is not None]
    return {
        GroupDoc: groups,
        GroupBalanceDoc: groups,
        GroupEntryDoc: entries,
        InviteDoc: invites,
        **people(users),
    }


SPLITS = ActorDefinition(
    name="splits",
    reads_rates=True,
    handlers=handlers(
        on(CreateGroup, create_group),
        on(UpdateGroup, update_group),
        on(GroupRef, archive_group),
        on(AddMember, add_member),
        on(RemoveMember, remove_member),
        on(LeaveGroup, leave_group),
        on(SetRole, set_role),
        on(Remind, remind),
        on(CreateInvite, create_invite),
        on(AcceptInvite, accept_invite),
        on(RevokeInvite, revoke_invite),
        on(CreateGroupExpense, create_group_expense),
        on(UpdateGroupExpense, update_group_expense),
        on(DeleteGroupExpense, delete_group_expense),
        on(CreateSettlement, create_settlement),
        on(DeleteSettlement, delete_settlement),
    ),
    reactions={"rates.updated": fill_group_values},
    prefetch=prefetch,
    runtime=SplitsRuntime,
    emits=(
        "group.created",
        "group.updated",
        "group.archived",
        "group.member_added",
        "group.member_removed",
        "group.member_left",
        "group.role_changed",
        "invite.created",
        "invite.revoked",
        "reminder.sent",
        *ENTRY_EVENTS,
    ),
)
