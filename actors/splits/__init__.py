"""The splits actor: shared groups, their members and invites, group expenses, settlements and
balances (pure rules in ``shares``, ``balances``, ``bills`` and ``history``)."""

from __future__ import annotations

from actors.erasure import USER_DELETED
from actors.handling import handlers, on
from actors.kernel import ActorDefinition
from actors.reads import caller, own, ref
from actors.splits.entries import (
    create_group_expense,
    create_settlement,
    delete_group_expense,
    delete_settlement,
    fill_group_values,
    update_group_expense,
)
from actors.splits.erasure import erase_person
from actors.splits.groups import archive_group, create_group, update_group
from actors.splits.invites import accept_invite, create_invite, revoke_invite
from actors.splits.membership import add_member, leave_group, remove_member, set_role
from actors.splits.reminders import remind
from actors.splits.runtime import SplitsRuntime
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

_GROUP = (ref(GroupDoc, "group_id"), ref(GroupBalanceDoc, "group_id"))
"""The group a command is about and its balances."""
_BILL = (*_GROUP, own(GroupEntryDoc, "group_expense"))
_SETTLEMENT = (*_GROUP, own(GroupEntryDoc, "settlement"))

SPLITS = ActorDefinition(
    name="splits",
    reads_rates=True,
    handlers=handlers(
        on(CreateGroup, create_group, reads=(own(GroupDoc, "group"), caller())),
        on(UpdateGroup, update_group, reads=_GROUP),
        on(GroupRef, archive_group, reads=_GROUP),
        on(AddMember, add_member, reads=_GROUP),
        on(RemoveMember, remove_member, reads=_GROUP),
        on(LeaveGroup, leave_group, reads=_GROUP),
        on(SetRole, set_role, reads=_GROUP),
        on(Remind, remind, reads=_GROUP),
        on(CreateInvite, create_invite, reads=(ref(GroupDoc, "group_id"),)),
        on(AcceptInvite, accept_invite, reads=(ref(GroupDoc, "group_id"), caller())),
        on(RevokeInvite, revoke_invite, reads=(*_GROUP, ref(InviteDoc, "invite_id"))),
        on(CreateGroupExpense, create_group_expense, reads=_BILL),
        on(UpdateGroupExpense, update_group_expense, reads=_BILL),
        on(DeleteGroupExpense, delete_group_expense, reads=_BILL),
        on(
            CreateSettlement,
            create_settlement,
            reads=(*_SETTLEMENT, ref(GroupEntryDoc, "expense_id")),
        ),
        on(DeleteSettlement, delete_settlement, reads=_SETTLEMENT),
    ),
    reactions={"rates.updated": fill_group_values, USER_DELETED: erase_person},
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
