"""Command payloads, validated at the edge before they become commands, and their registry.

Every command type maps to the actor (domain) that owns it and the pydantic model of its
payload. The edge and the socket server validate against these; actors re-check business rules.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Self

from pydantic import ConfigDict, Field, model_validator

from bus.budgets import CreateBudget, UpdateBudget
from bus.entities import ExpenseType
from bus.expense_fields import ExpenseFields
from bus.fraud import ReviewFlag
from bus.fx import BASE_CURRENCY
from bus.goals import CreateGoal, GoalMovement, UpdateGoal
from bus.groups import (
    AcceptInvite,
    AddMember,
    CreateGroup,
    CreateGroupExpense,
    CreateInvite,
    CreateSettlement,
    GroupEntryRef,
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
    Payload,
    amount_fields,
    fit_precision,
    places_rule,
    refuse_nulls,
    schema_rules,
)
from bus.receipts import FailReceipt, RecordReceipt, RescanReceipt, ScanReceipt
from bus.recurring import AdvanceRecurring, CreateRecurring, RecurringRef, UpdateRecurring
from bus.subjects import command_subject

# ---- accounts -----------------------------------------------------------------------------


class RegisterUser(Payload):
    user_id: EntityId
    email: Email
    name: Name
    home_currency: CurrencyCode
    timezone: Timezone


class UpdateProfile(Payload):
    name: Name | None = None
    home_currency: CurrencyCode | None = None
    timezone: Timezone | None = None


class RevokeSession(Payload):
    session_id: str = Field(max_length=64)
    reason: Literal["logout", "refresh_reuse", "admin"]


# ---- expenses -----------------------------------------------------------------------------


class CreateExpense(ExpenseFields):
    id: EntityId | None = Field(None, description="Client-made UUID for offline creation.")
    date: Day
    occurred_at: AwareDatetime | None = None
    receipt_id: EntityId | None = Field(None, description="The receipt it was made from.")


class UpdateExpense(Payload):
    """Fields present are changed; a nullable field sent as null is cleared (a description
    to ""). Beyond this schema: an ``amount`` sent without ``currency`` has no more decimals
    than the expense's stored currency, and a ``currency`` sent without ``amount`` has at least
    as many as the stored amount uses."""

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


class DeleteById(Payload):
    id: EntityId


class CreateCategory(Payload):
    id: EntityId | None = None
    name: Name
    icon: ShortText | None = None
    color: str | None = Field(None, pattern=r"^#[0-9a-fA-F]{6}$")


class RenameCategory(Payload):
    id: EntityId
    name: Name


class CreateTrip(Payload):
    """A trip from ``start_date`` to ``end_date`` (inclusive).

    Beyond this schema: ``end_date`` is not before ``start_date``."""

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


# ---- currency (operators and the schedule, not clients) -----------------------------------


class RefreshRates(Payload):
    """Fetch reference rates from the configured provider now."""

    trigger: Literal["schedule", "operator"] = "operator"


class SetRates(Payload):
    """An operator's rates for one day, as units per one EUR; they win over the provider's."""

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
    """What the bus knows about one command type."""

    type: str
    domain: str
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
    def subject(self) -> str:
        """``cmd.<domain>.<verb>``: the subject the command is published on."""
        return command_subject(self.domain, self.verb or self.type)


COMMANDS: dict[str, CommandSpec] = {
    spec.type: spec
    for spec in (
        CommandSpec(
            "user.register",
            "accounts",
            RegisterUser,
            creates=True,
            client_allowed=False,
            writes_to=lambda payload: user_scope(str(payload["user_id"])),
        ),
        CommandSpec("user.update", "accounts", UpdateProfile, versioned=True),
        CommandSpec("session.revoke", "accounts", RevokeSession, client_allowed=False),
        CommandSpec("expense.create", "expenses", CreateExpense, creates=True),
        CommandSpec("expense.update", "expenses", UpdateExpense, versioned=True),
        CommandSpec("expense.delete", "expenses", DeleteById, versioned=True),
        CommandSpec("category.create", "expenses", CreateCategory, creates=True),
        CommandSpec("category.rename", "expenses", RenameCategory, versioned=True),
        CommandSpec("category.archive", "expenses", DeleteById, versioned=True),
        CommandSpec("trip.create", "expenses", CreateTrip, creates=True),
        CommandSpec("trip.update", "expenses", UpdateTrip, versioned=True),
        CommandSpec("trip.delete", "expenses", DeleteById, versioned=True),
        CommandSpec("group.create", "splits", CreateGroup, creates=True),
        CommandSpec("group.update", "splits", UpdateGroup, versioned=True),
        CommandSpec("group.archive", "splits", GroupRef, versioned=True),
        CommandSpec("group.add_member", "splits", AddMember),
        CommandSpec("group.remove_member", "splits", RemoveMember),
        CommandSpec("group.leave", "splits", LeaveGroup),
        CommandSpec("group.set_role", "splits", SetRole),
        CommandSpec("group.remind", "splits", Remind),
        # The edge makes invite tokens and hashes them: these two come over HTTP only (a
        # socket could otherwise choose a weak token, or accept with a hash instead of one).
        CommandSpec("invite.create", "splits", CreateInvite, creates=True, client_allowed=False),
        CommandSpec("invite.accept", "splits", AcceptInvite, client_allowed=False),
        CommandSpec("invite.revoke", "splits", RevokeInvite),
        CommandSpec("group_expense.create", "splits", CreateGroupExpense, creates=True),
        CommandSpec("group_expense.update", "splits", UpdateGroupExpense, versioned=True),
        CommandSpec("group_expense.delete", "splits", GroupEntryRef, versioned=True),
        CommandSpec("settlement.create", "splits", CreateSettlement, creates=True),
        CommandSpec("settlement.delete", "splits", GroupEntryRef, versioned=True),
        CommandSpec("budget.create", "budgets", CreateBudget, creates=True),
        CommandSpec("budget.update", "budgets", UpdateBudget, versioned=True),
        CommandSpec("budget.delete", "budgets", DeleteById, versioned=True),
        CommandSpec("goal.create", "budgets", CreateGoal, creates=True),
        CommandSpec("goal.update", "budgets", UpdateGoal, versioned=True),
        CommandSpec("goal.delete", "budgets", DeleteById, versioned=True),
        CommandSpec("goal.contribute", "budgets", GoalMovement, versioned=True),
        CommandSpec("goal.withdraw", "budgets", GoalMovement, versioned=True),
        CommandSpec("recurring.create", "budgets", CreateRecurring, creates=True),
        CommandSpec("recurring.update", "budgets", UpdateRecurring, versioned=True),
        CommandSpec("recurring.delete", "budgets", DeleteById, versioned=True),
        CommandSpec("recurring.pause", "budgets", RecurringRef, versioned=True),
        CommandSpec("recurring.resume", "budgets", RecurringRef, versioned=True),
        # Sent by the scheduler after each occurrence, never by a client.
        CommandSpec("recurring.advance", "budgets", AdvanceRecurring, client_allowed=False),
        CommandSpec("flag.review", "fraud", ReviewFlag, versioned=True, writes_to=_flag_lane),
        # Receipts: recorded by the edge once the image is stored; read and failed by the
        # ocr actor's own pipeline (the edge and the sweeper send the scan).
        CommandSpec(
            "receipt.record",
            "ocr",
            RecordReceipt,
            creates=True,
            client_allowed=False,
            writes_to=_receipt_lane,
        ),
        CommandSpec(
            "receipt.scan",
            "ocr",
            ScanReceipt,
            client_allowed=False,
            verb="scan",
            writes_to=_receipt_lane,
        ),
        CommandSpec(
            "receipt.fail", "ocr", FailReceipt, client_allowed=False, writes_to=_receipt_lane
        ),
        CommandSpec(
            "receipt.rescan", "ocr", RescanReceipt, client_allowed=False, writes_to=_receipt_lane
        ),
        CommandSpec(
            "rates.refresh",
            "currency",
            RefreshRates,
            client_allowed=False,
            verb="refresh_rates",
            writes_to=_rates_scope,
        ),
        CommandSpec(
            "rates.set",
            "currency",
            SetRates,
            client_allowed=False,
            verb="set_rates",
            writes_to=_rates_scope,
        ),
    )
}


def spec_for(command_type: str) -> CommandSpec:
    """The spec of ``command_type``; KeyError if no actor owns it."""
    return COMMANDS[command_type]
