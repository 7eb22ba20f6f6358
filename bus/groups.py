"""Command payloads of shared groups: groups, members, invites, group expenses, settlements.

The ``splits`` actor owns them. Shapes follow DESIGN.md: a group expense carries
``paid_by: [{user_id, amount}]`` and ``split: {method, members | shares}``; whether the numbers
add up is a rule of the actor (it answers with a field error saying by how much).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from bus.limits import Day, Description, Email, EntityId, Name, Notes, ShortText, Timezone
from bus.money import MAX_AMOUNT, Amount, CurrencyCode, PositiveAmount
from bus.payload import Payload, fit_precision

MAX_MEMBERS = 200
"""Members of one group (and so payers or participants of one bill)."""

SplitMethod = Literal["equal", "exact", "percent", "shares", "adjustment"]
Role = Literal["owner", "admin", "member"]
BalanceDecision = Literal["block", "write_off"]
"""What leaving or removing a member with a non-zero balance does: refuse (``block``), or
spread their balance over the remaining members (``write_off``, recorded as its own entry)."""

INVITE_MAX_TTL_S = 30 * 24 * 3600
INVITE_MAX_USES = 1000


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class GroupSettings(_Strict):
    default_split: SplitMethod = "equal"
    simplify_debts: bool = Field(True, description="Show the fewest-transfers plan first.")


class Payer(_Strict):
    user_id: EntityId
    amount: PositiveAmount


def _bounded(value: Decimal) -> Decimal:
    if abs(value) > MAX_AMOUNT:
        raise ValueError(f"at most {MAX_AMOUNT} in size")
    return value


class ShareValue(_Strict):
    user_id: EntityId
    value: Annotated[Amount, AfterValidator(_bounded)] = Field(
        description="exact: the amount; percent: the percentage; shares: the weight; "
        "adjustment: the +/- on an equal part."
    )


class Split(_Strict):
    method: SplitMethod
    members: Annotated[list[EntityId], Field(min_length=1, max_length=MAX_MEMBERS)] | None = None
    shares: Annotated[list[ShareValue], Field(min_length=1, max_length=MAX_MEMBERS)] | None = None

    @model_validator(mode="after")
    def _right_list(self) -> Self:
        if self.method == "equal":
            if self.members is None or self.shares is not None:
                raise ValueError("an equal split takes `members` (and no `shares`)")
        elif self.shares is None or self.members is not None:
            raise ValueError(f"a {self.method} split takes `shares` (and no `members`)")
        return self


# ---- groups and membership ------------------------------------------------------------------


class CreateGroup(Payload):
    id: EntityId | None = None
    name: Name
    description: Description = ""
    currency: CurrencyCode
    timezone: Timezone = "UTC"
    settings: GroupSettings = Field(default_factory=GroupSettings)


class UpdateGroup(Payload):
    group_id: EntityId
    name: Name | None = None
    description: Description | None = None
    currency: CurrencyCode | None = None
    timezone: Timezone | None = None
    settings: GroupSettings | None = None

    @model_validator(mode="after")
    def _not_null(self) -> Self:
        for name in self.model_fields_set - {"group_id"}:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class GroupRef(Payload):
    group_id: EntityId


class AddMember(Payload):
    group_id: EntityId
    email: Email
    role: Literal["admin", "member"] = "member"


class RemoveMember(Payload):
    group_id: EntityId
    user_id: EntityId
    balance: BalanceDecision = "block"


class LeaveGroup(Payload):
    group_id: EntityId
    balance: BalanceDecision = "block"


class SetRole(Payload):
    group_id: EntityId
    user_id: EntityId
    role: Role


class CreateInvite(Payload):
    """The edge makes the token and sends only its hash: no secret enters a command."""

    group_id: EntityId
    token_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    expires_in_s: int = Field(7 * 24 * 3600, ge=60, le=INVITE_MAX_TTL_S)
    max_uses: int = Field(1, ge=1, le=INVITE_MAX_USES)


class AcceptInvite(Payload):
    group_id: EntityId
    token_hash: str = Field(pattern=r"^[0-9a-f]{64}$")


class RevokeInvite(Payload):
    group_id: EntityId
    invite_id: EntityId


class Remind(Payload):
    group_id: EntityId
    user_id: EntityId = Field(description="The member who owes.")
    note: ShortText | None = None


# ---- group expenses and settlements ---------------------------------------------------------


class CreateGroupExpense(Payload):
    id: EntityId | None = None
    group_id: EntityId
    amount: PositiveAmount
    currency: CurrencyCode
    description: Description = ""
    category: ShortText | None = None
    date: Day
    notes: Notes | None = None
    paid_by: Annotated[list[Payer], Field(min_length=1, max_length=MAX_MEMBERS)]
    split: Split | None = Field(
        None, description="Omitted: the group's default split, `equal` among all its members."
    )

    @model_validator(mode="after")
    def _amount_fits_currency(self) -> Self:
        fit_precision(self)
        return self


class UpdateGroupExpense(Payload):
    """Fields present are changed; the bill is then re-derived as a whole (so a new amount
    usually comes with new ``paid_by`` and, for exact splits, new ``split``)."""

    id: EntityId
    group_id: EntityId
    amount: PositiveAmount | None = None
    currency: CurrencyCode | None = None
    description: Description | None = None
    category: ShortText | None = None
    date: Day | None = None
    notes: Notes | None = None
    paid_by: Annotated[list[Payer], Field(min_length=1, max_length=MAX_MEMBERS)] | None = None
    split: Split | None = None

    @model_validator(mode="after")
    def _not_null(self) -> Self:
        for name in ("amount", "currency", "description", "date", "paid_by", "split"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class GroupEntryRef(Payload):
    id: EntityId
    group_id: EntityId


class CreateSettlement(Payload):
    """A payment from one member to another. With ``expense_id`` it marks ``from_user``'s
    share of that expense as paid: ``to_user`` and ``amount`` default to what the bill says
    ``from_user`` owes (to its payer)."""

    id: EntityId | None = None
    group_id: EntityId
    from_user: EntityId
    to_user: EntityId | None = None
    amount: PositiveAmount | None = None
    currency: CurrencyCode | None = None
    date: Day | None = None
    note: ShortText | None = None
    expense_id: EntityId | None = None

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if self.expense_id is None and (
            self.to_user is None or self.amount is None or self.currency is None
        ):
            raise ValueError("to_user, amount and currency are required without expense_id")
        if self.to_user is not None and self.to_user == self.from_user:
            raise ValueError("from_user and to_user are the same member")
        fit_precision(self)
        return self


# ---- queries the splits actor answers ------------------------------------------------------


class BalancesQuery(_Strict):
    """Balances of a group as they were at ``as_of`` (from its event log)."""

    group_id: EntityId
    as_of: datetime
