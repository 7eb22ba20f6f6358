"""The command table: every command type, the actor that owns it (both named by its payload class),
and how it is applied. The payload classes live with their domain (``bus.account_commands``,
``bus.expense_commands``, ``bus.rate_commands``, ``bus.budgets``, ``bus.groups`` ...)."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bus.account_commands import (
    DeleteAccount,
    EndOtherSessions,
    NoteNewDevice,
    PasswordChanged,
    RegisterUser,
    RequestEmailChange,
    RequestPasswordReset,
    RequestVerification,
    RevokeSession,
    UpdateProfile,
    VerifyEmail,
)
from bus.budgets import CreateBudget, DeleteBudget, UpdateBudget
from bus.expense_commands import (
    ArchiveCategory,
    CreateCategory,
    CreateExpense,
    CreateTrip,
    DeleteExpense,
    DeleteTrip,
    RenameCategory,
    UpdateExpense,
    UpdateTrip,
)
from bus.fraud import ReviewFlag
from bus.goals import ContributeToGoal, CreateGoal, DeleteGoal, UpdateGoal, WithdrawFromGoal
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
from bus.ids import RATES_SCOPE, user_scope
from bus.notification_preferences import SetNotificationPreferences
from bus.notifications import ArchiveNotification, ReadNotifications
from bus.payload import (
    Payload,
)
from bus.push_devices import RegisterPushDevice, RemovePushDevice
from bus.rate_commands import RefreshRates, SetRates
from bus.receipts import FailReceipt, RecordReceipt, RescanReceipt, ScanReceipt
from bus.recurring import (
    AdvanceRecurring,
    CreateRecurring,
    DeleteRecurring,
    PauseRecurring,
    ResumeRecurring,
    UpdateRecurring,
)
from bus.subjects import command_subject

# ---- registry -----------------------------------------------------------------------------


def _rates_scope(payload: Mapping[str, Any]) -> str:
    return RATES_SCOPE


def _flag_lane(payload: Mapping[str, Any]) -> str:
    return f"flag:{payload['id']}"


def _receipt_lane(payload: Mapping[str, Any]) -> str:
    """One receipt's commands (its record, then its scan) are applied in order in one lane."""
    return f"receipt:{payload['id']}"


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """What the bus knows about one command type: its payload class (which names the type and
    the actor that owns it) and how it is applied."""

    payload: builtins.type[Payload]
    creates: bool = False
    versioned: bool = False
    client_allowed: bool = True
    verb: str | None = None  # the subject's last token, when it is not the type's own
    writes_to: Callable[[Mapping[str, Any]], str] | None = None
    """The key of the lane the command is applied in, from its payload, when it is not the
    issuer's own scope: the scope its effects go to, or (receipts) the one entity whose
    commands must be applied in order (actors serialise a key's commands in one lane)."""

    @property
    def type(self) -> str:
        return self.payload.COMMAND

    @property
    def domain(self) -> str:
        """The actor that owns the command."""
        return self.payload.ACTOR

    @property
    def subject(self) -> str:
        """``cmd.<domain>.<verb>``: the subject the command is published on."""
        return command_subject(self.domain, self.verb or self.type)


COMMANDS: dict[str, CommandSpec] = {
    spec.type: spec
    for spec in (
        CommandSpec(
            RegisterUser,
            creates=True,
            client_allowed=False,
            writes_to=lambda payload: user_scope(str(payload["user_id"])),
        ),
        CommandSpec(UpdateProfile, versioned=True),
        CommandSpec(RevokeSession, client_allowed=False),
        # The account flows come over HTTP only: the edge checks links and passwords, and
        # limits how much mail each may cause.
        CommandSpec(RequestVerification, client_allowed=False),
        CommandSpec(VerifyEmail, client_allowed=False),
        CommandSpec(RequestEmailChange, client_allowed=False),
        CommandSpec(
            RequestPasswordReset,
            client_allowed=False,
            writes_to=lambda payload: user_scope(str(payload["user_id"])),
        ),
        CommandSpec(PasswordChanged, client_allowed=False),
        CommandSpec(NoteNewDevice, client_allowed=False),
        CommandSpec(DeleteAccount, client_allowed=False),
        CommandSpec(EndOtherSessions, client_allowed=False),
        CommandSpec(CreateExpense, creates=True),
        CommandSpec(UpdateExpense, versioned=True),
        CommandSpec(DeleteExpense, versioned=True),
        CommandSpec(CreateCategory, creates=True),
        CommandSpec(RenameCategory, versioned=True),
        CommandSpec(ArchiveCategory, versioned=True),
        CommandSpec(CreateTrip, creates=True),
        CommandSpec(UpdateTrip, versioned=True),
        CommandSpec(DeleteTrip, versioned=True),
        CommandSpec(CreateGroup, creates=True),
        CommandSpec(UpdateGroup, versioned=True),
        CommandSpec(GroupRef, versioned=True),
        CommandSpec(AddMember),
        CommandSpec(RemoveMember),
        CommandSpec(LeaveGroup),
        CommandSpec(SetRole),
        CommandSpec(Remind),
        # The edge makes invite tokens and hashes them: these two come over HTTP only (a
        # socket could otherwise choose a weak token, or accept with a hash instead of one).
        CommandSpec(CreateInvite, creates=True, client_allowed=False),
        CommandSpec(AcceptInvite, client_allowed=False),
        CommandSpec(RevokeInvite),
        CommandSpec(CreateGroupExpense, creates=True),
        CommandSpec(UpdateGroupExpense, versioned=True),
        CommandSpec(DeleteGroupExpense, versioned=True),
        CommandSpec(CreateSettlement, creates=True),
        CommandSpec(DeleteSettlement, versioned=True),
        CommandSpec(CreateBudget, creates=True),
        CommandSpec(UpdateBudget, versioned=True),
        CommandSpec(DeleteBudget, versioned=True),
        CommandSpec(CreateGoal, creates=True),
        CommandSpec(UpdateGoal, versioned=True),
        CommandSpec(DeleteGoal, versioned=True),
        CommandSpec(ContributeToGoal, versioned=True),
        CommandSpec(WithdrawFromGoal, versioned=True),
        CommandSpec(CreateRecurring, creates=True),
        CommandSpec(UpdateRecurring, versioned=True),
        CommandSpec(DeleteRecurring, versioned=True),
        CommandSpec(PauseRecurring, versioned=True),
        CommandSpec(ResumeRecurring, versioned=True),
        # Sent by the scheduler after each occurrence, never by a client.
        CommandSpec(AdvanceRecurring, client_allowed=False),
        CommandSpec(ReviewFlag, versioned=True, writes_to=_flag_lane),
        CommandSpec(ReadNotifications),
        CommandSpec(ArchiveNotification),
        CommandSpec(SetNotificationPreferences),
        CommandSpec(RegisterPushDevice, creates=True),
        CommandSpec(RemovePushDevice),
        # Receipts: recorded by the edge once the image is stored; read and failed by the
        # ocr actor's own pipeline (the edge and the sweeper send the scan).
        CommandSpec(
            RecordReceipt,
            creates=True,
            client_allowed=False,
            writes_to=_receipt_lane,
        ),
        CommandSpec(
            ScanReceipt,
            client_allowed=False,
            verb="scan",
            writes_to=_receipt_lane,
        ),
        CommandSpec(FailReceipt, client_allowed=False, writes_to=_receipt_lane),
        CommandSpec(RescanReceipt, client_allowed=False, writes_to=_receipt_lane),
        CommandSpec(
            RefreshRates,
            client_allowed=False,
            verb="refresh_rates",
            writes_to=_rates_scope,
        ),
        CommandSpec(
            SetRates,
            client_allowed=False,
            verb="set_rates",
            writes_to=_rates_scope,
        ),
    )
}


def spec_of(payload: Payload) -> CommandSpec:
    """The spec of the command ``payload`` is the body of (its class names it); KeyError for
    a payload class that is not a command's."""
    spec = COMMANDS[type(payload).COMMAND]
    if spec.payload is not type(payload):
        raise KeyError(f"{type(payload).__name__} is not the payload class of {spec.type}")
    return spec


def spec_for(command_type: str) -> CommandSpec:
    """The spec of ``command_type``; KeyError if no actor owns it."""
    return COMMANDS[command_type]
