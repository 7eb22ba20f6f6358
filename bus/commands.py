"""Command payloads, validated at the edge before they become commands, and their registry.

Every command type maps to the actor (domain) that owns it and the pydantic model of its
payload. The edge and the socket server validate against these; actors re-check business rules.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import ConfigDict, Field, model_validator

from bus.budgets import CreateBudget, DeleteBudget, UpdateBudget
from bus.entities import ExpenseType
from bus.expense_fields import ExpenseFields
from bus.fraud import ReviewFlag
from bus.fx import BASE_CURRENCY
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
from bus.limits import (
    NULL_CLEARS,
    AwareDatetime,
    Day,
    Description,
    Email,
    EntityId,
    Name,
    Notes,
    ShortText,
    Tags,
    Timezone,
    Unset,
)
from bus.money import (
    Amount,
    CurrencyCode,
    MoneyError,
    PositiveAmount,
    check_rate,
)
from bus.payload import (
    DeleteById,
    Payload,
    amount_fields,
    fit_precision,
    places_rule,
    refuse_nulls,
    schema_rules,
)
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

# ---- accounts -----------------------------------------------------------------------------


class RegisterUser(Payload):
    COMMAND: ClassVar[str] = "user.register"
    ACTOR: ClassVar[str] = "accounts"

    user_id: EntityId
    email: Email
    name: Name
    home_currency: CurrencyCode
    timezone: Timezone


class UpdateProfile(Payload):
    COMMAND: ClassVar[str] = "user.update"
    ACTOR: ClassVar[str] = "accounts"

    name: Name | None = None
    home_currency: CurrencyCode | None = None
    timezone: Timezone | None = None


class RevokeSession(Payload):
    COMMAND: ClassVar[str] = "session.revoke"
    ACTOR: ClassVar[str] = "accounts"

    session_id: str = Field(max_length=64)
    reason: Literal["logout", "refresh_reuse", "admin"]


# ---- expenses -----------------------------------------------------------------------------


class CreateExpense(ExpenseFields):
    COMMAND: ClassVar[str] = "expense.create"
    ACTOR: ClassVar[str] = "expenses"

    id: EntityId | None = Field(None, description="Client-made UUID for offline creation.")
    date: Day
    occurred_at: AwareDatetime | None = None
    receipt_id: EntityId | None = Field(None, description="The receipt it was made from.")


class UpdateExpense(Payload):
    """Fields present are changed; a nullable field sent as null is cleared (a description
    to ""). Beyond this schema: an ``amount`` sent without ``currency`` has no more decimals
    than the expense's stored currency, and a ``currency`` sent without ``amount`` has at least
    as many as the stored amount uses."""

    COMMAND: ClassVar[str] = "expense.update"
    ACTOR: ClassVar[str] = "expenses"

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra=schema_rules(places_rule("currency", amount_fields("amount"))),
    )

    id: EntityId
    type: ExpenseType | Unset = None
    amount: PositiveAmount | Unset = None
    currency: CurrencyCode | Unset = None
    category_id: EntityId | None = None
    description: Annotated[Description | None, NULL_CLEARS] = None
    merchant: ShortText | None = None
    date: Day | Unset = None
    occurred_at: AwareDatetime | None = None
    notes: Notes | None = None
    tags: Tags | Unset = None
    trip_id: EntityId | None = None
    receipt_id: EntityId | None = None

    @model_validator(mode="after")
    def _amount_fits_currency(self) -> Self:
        fit_precision(self)
        refuse_nulls(self, "type", "amount", "currency", "date", "description", "tags")
        return self


class CreateCategory(Payload):
    COMMAND: ClassVar[str] = "category.create"
    ACTOR: ClassVar[str] = "expenses"

    id: EntityId | None = None
    name: Name
    icon: ShortText | None = None
    color: str | None = Field(None, pattern=r"^#[0-9a-fA-F]{6}$")


class RenameCategory(Payload):
    COMMAND: ClassVar[str] = "category.rename"
    ACTOR: ClassVar[str] = "expenses"

    id: EntityId
    name: Name


class CreateTrip(Payload):
    """A trip from ``start_date`` to ``end_date`` (inclusive).

    Beyond this schema: ``end_date`` is not before ``start_date``."""

    COMMAND: ClassVar[str] = "trip.create"
    ACTOR: ClassVar[str] = "expenses"

    id: EntityId | None = None
    name: Name
    destination: ShortText | None = None
    start_date: Day
    end_date: Day
    currency: CurrencyCode

    @model_validator(mode="after")
    def _dates_in_order(self) -> Self:
        if self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        return self


class UpdateTrip(Payload):
    """Fields present are changed. Beyond this schema: ``end_date`` is not before
    ``start_date`` (as sent, or as stored)."""

    COMMAND: ClassVar[str] = "trip.update"
    ACTOR: ClassVar[str] = "expenses"

    id: EntityId
    name: Name | Unset = None
    destination: ShortText | None = None
    start_date: Day | Unset = None
    end_date: Day | Unset = None
    currency: CurrencyCode | Unset = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> Self:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        refuse_nulls(self, "name", "start_date", "end_date", "currency")
        return self


class DeleteExpense(DeleteById):
    """A personal expense to delete."""

    COMMAND: ClassVar[str] = "expense.delete"
    ACTOR: ClassVar[str] = "expenses"


class ArchiveCategory(DeleteById):
    """A category to archive (its expenses keep it)."""

    COMMAND: ClassVar[str] = "category.archive"
    ACTOR: ClassVar[str] = "expenses"


class DeleteTrip(DeleteById):
    """A trip to delete."""

    COMMAND: ClassVar[str] = "trip.delete"
    ACTOR: ClassVar[str] = "expenses"


# ---- currency (operators and the schedule, not clients) -----------------------------------


class RefreshRates(Payload):
    """Fetch reference rates from the configured provider now."""

    COMMAND: ClassVar[str] = "rates.refresh"
    ACTOR: ClassVar[str] = "currency"

    trigger: Literal["schedule", "operator"] = "operator"


class SetRates(Payload):
    """An operator's rates for one day, as units per one EUR; they win over the provider's."""

    COMMAND: ClassVar[str] = "rates.set"
    ACTOR: ClassVar[str] = "currency"

    day: Day
    rates: Annotated[dict[CurrencyCode, Amount], Field(min_length=1, max_length=200)]
    force: bool = Field(False, description="Accept a rate far from the last known one.")
    note: ShortText | None = None

    @model_validator(mode="after")
    def _sane_rates(self) -> Self:
        for code, rate in self.rates.items():
            if code == BASE_CURRENCY:
                raise ValueError(f"{BASE_CURRENCY} is the base; its rate is always 1")
            try:
                check_rate(rate)
            except MoneyError as exc:
                raise ValueError(f"{code}: {exc}") from exc
        return self


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
