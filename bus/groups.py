"""Command payloads of shared groups: groups, members, invites, group expenses, settlements.

The ``splits`` actor owns them. Shapes follow DESIGN.md: a group expense carries
``paid_by: [{user_id, amount}]`` and ``split: {method, members | shares}``; whether the numbers
add up is a rule of the actor (it answers with a field error saying by how much).
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StrictBool,
    model_validator,
)

from bus.limits import (
    JSON_INTEGER,
    NULL_CLEARS,
    AwareDatetime,
    Day,
    Description,
    Email,
    EntityId,
    Name,
    Notes,
    ShortText,
    Timezone,
    Unset,
)
from bus.money import CurrencyCode, MoneyError, PositiveAmount, SignedAmount, check_places
from bus.payload import (
    Payload,
    amount_fields,
    fit_precision,
    places_rule,
    refuse_nulls,
    schema_rules,
)

MAX_MEMBERS = 200
"""Members of one group (and so payers or participants of one bill)."""

SplitMethod = Literal["equal", "exact", "percent", "shares", "adjustment"]
Role = Literal["owner", "admin", "member"]
BalanceDecision = Literal["block", "write_off"]
"""What leaving or removing a member with a non-zero balance does: refuse (``block``), or
spread their balance over the remaining members (``write_off``, recorded as its own entry)."""

INVITE_MAX_TTL_S = 30 * 24 * 3600
INVITE_MAX_USES = 1000
InviteTtl = Annotated[int, Strict(), Field(ge=60, le=INVITE_MAX_TTL_S), JSON_INTEGER]
"""Seconds an invite link stays valid (a JSON integer)."""
InviteUses = Annotated[int, Strict(), Field(ge=1, le=INVITE_MAX_USES), JSON_INTEGER]
"""How many people one invite link admits."""


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class GroupSettings(_Strict):
    default_split: SplitMethod = "equal"
    simplify_debts: StrictBool = Field(True, description="Show the fewest-transfers plan first.")


class Payer(_Strict):
    user_id: EntityId
    amount: PositiveAmount


class ShareValue(_Strict):
    user_id: EntityId
    value: SignedAmount = Field(
        description="exact: the amount; percent: the percentage; shares: the weight; "
        "adjustment: the +/- on an equal part."
    )


def _split_schema(schema: dict[str, Any]) -> None:
    """One shape per method, as :meth:`Split._right_list` and the splits actor decide:
    ``equal`` takes ``members``, every other method ``shares`` (never both); exact amounts,
    percentages and weights are not negative (an adjustment may be)."""
    props = schema.pop("properties")
    schema.pop("required", None)
    schema.pop("additionalProperties", None)

    def bare(prop: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in prop.items() if k != "default"}

    def shape(method: dict[str, Any], name: str, listed: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {"method": method, name: listed},
            "required": ["method", name],
            "additionalProperties": False,
        }

    shares = bare(props["shares"])
    not_negative = {"properties": {"value": {"pattern": "^[^-]"}}}
    unsigned = {**shares, "items": {"allOf": [shares["items"], not_negative]}}
    schema["oneOf"] = [
        shape({"const": "equal"}, "members", bare(props["members"])),
        shape({"enum": ["exact", "percent", "shares"]}, "shares", unsigned),
        shape({"const": "adjustment"}, "shares", shares),
    ]


class Split(_Strict):
    """``equal`` among ``members``; or by ``shares`` (``exact``, ``percent``, ``shares``,
    ``adjustment``). Whether the shares add up (to the amount, or to 100 percent) is the splits
    actor's rule: a JSON Schema cannot sum."""

    model_config = ConfigDict(json_schema_extra=_split_schema)

    method: SplitMethod
    members: Annotated[list[EntityId], Field(min_length=1, max_length=MAX_MEMBERS)] | Unset = None
    shares: Annotated[list[ShareValue], Field(min_length=1, max_length=MAX_MEMBERS)] | Unset = None

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
    COMMAND: ClassVar[str] = "group.create"
    ACTOR: ClassVar[str] = "splits"

    id: EntityId | None = None
    name: Name
    description: Description = ""
    currency: CurrencyCode
    timezone: Timezone = "UTC"
    settings: GroupSettings = Field(default_factory=GroupSettings)


class UpdateGroup(Payload):
    COMMAND: ClassVar[str] = "group.update"
    ACTOR: ClassVar[str] = "splits"

    group_id: EntityId
    name: Name | Unset = None
    description: Annotated[Description | None, NULL_CLEARS] = None
    currency: CurrencyCode | Unset = None
    timezone: Timezone | Unset = None
    settings: GroupSettings | Unset = None

    @model_validator(mode="after")
    def _not_null(self) -> Self:
        refuse_nulls(self, *sorted(self.model_fields_set - {"group_id"}))
        return self


class GroupRef(Payload):
    COMMAND: ClassVar[str] = "group.archive"
    ACTOR: ClassVar[str] = "splits"

    group_id: EntityId


class AddMember(Payload):
    COMMAND: ClassVar[str] = "group.add_member"
    ACTOR: ClassVar[str] = "splits"

    group_id: EntityId
    email: Email
    role: Literal["admin", "member"] = "member"


class RemoveMember(Payload):
    COMMAND: ClassVar[str] = "group.remove_member"
    ACTOR: ClassVar[str] = "splits"

    group_id: EntityId
    user_id: EntityId
    balance: BalanceDecision = "block"


class LeaveGroup(Payload):
    COMMAND: ClassVar[str] = "group.leave"
    ACTOR: ClassVar[str] = "splits"

    group_id: EntityId
    balance: BalanceDecision = "block"


class SetRole(Payload):
    COMMAND: ClassVar[str] = "group.set_role"
    ACTOR: ClassVar[str] = "splits"

    group_id: EntityId
    user_id: EntityId
    role: Role


class CreateInvite(Payload):
    """The edge makes the token and sends only its hash: no secret enters a command."""

    COMMAND: ClassVar[str] = "invite.create"
    ACTOR: ClassVar[str] = "splits"

    group_id: EntityId
    token_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    expires_in_s: InviteTtl = 7 * 24 * 3600
    max_uses: InviteUses = 1


class AcceptInvite(Payload):
    COMMAND: ClassVar[str] = "invite.accept"
    ACTOR: ClassVar[str] = "splits"

    group_id: EntityId
    token_hash: str = Field(pattern=r"^[0-9a-f]{64}$")


class RevokeInvite(Payload):
    COMMAND: ClassVar[str] = "invite.revoke"
    ACTOR: ClassVar[str] = "splits"

    group_id: EntityId
    invite_id: EntityId


class Remind(Payload):
    COMMAND: ClassVar[str] = "group.remind"
    ACTOR: ClassVar[str] = "splits"

    group_id: EntityId
    user_id: EntityId = Field(description="The member who owes.")
    note: ShortText | None = None


# ---- group expenses and settlements ---------------------------------------------------------


_BILL_SCHEMA = schema_rules(places_rule("currency", amount_fields("amount")))
"""The bill's ``amount`` fits its currency in the schema; payers' amounts and exact shares do too
in the code (a schema rule on each item made generators filter most bills out; the items must
also add up to the amount, which no schema says)."""


class CreateGroupExpense(Payload):
    """A bill of the group. Beyond this schema (the splits actor's rules): the payers'
    amounts add up to ``amount``, so do ``exact`` shares (``percent`` ones to 100), each in the
    bill's currency's decimals, and every payer and participant is a member (else 404
    ``not_member``)."""

    COMMAND: ClassVar[str] = "group_expense.create"
    ACTOR: ClassVar[str] = "splits"

    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_extra=_BILL_SCHEMA)

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
        _parts_fit(self.currency, self.paid_by, self.split)
        return self


def _parts_fit(currency: str | None, paid_by: list[Payer] | None, split: Split | None) -> None:
    """Payers' amounts and exact or adjusted shares are money in the bill's currency: no more
    decimals than it has, as written (the sums are the splits actor's rule)."""
    if currency is None:
        return
    values = [payer.amount for payer in paid_by or ()]
    if split is not None and split.method in ("exact", "adjustment"):
        values += [share.value for share in split.shares or ()]
    try:
        for value in values:
            check_places(value, currency)
    except MoneyError as exc:
        raise ValueError(str(exc)) from exc


class UpdateGroupExpense(Payload):
    """Fields present are changed; the bill is then re-derived as a whole (so a new amount
    usually comes with new ``paid_by`` and, for exact splits, new ``split``). Beyond this
    schema: amounts sent without ``currency`` fit the bill's stored currency."""

    COMMAND: ClassVar[str] = "group_expense.update"
    ACTOR: ClassVar[str] = "splits"

    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_extra=_BILL_SCHEMA)

    id: EntityId
    group_id: EntityId
    amount: PositiveAmount | Unset = None
    currency: CurrencyCode | Unset = None
    description: Annotated[Description | None, NULL_CLEARS] = None
    category: ShortText | None = None
    date: Day | Unset = None
    notes: Notes | None = None
    paid_by: Annotated[list[Payer], Field(min_length=1, max_length=MAX_MEMBERS)] | Unset = None
    split: Split | Unset = None

    @model_validator(mode="after")
    def _not_null(self) -> Self:
        refuse_nulls(self, "amount", "currency", "description", "date", "paid_by", "split")
        fit_precision(self)
        _parts_fit(self.currency, self.paid_by, self.split)
        return self


class GroupEntryRef(Payload):
    id: EntityId
    group_id: EntityId


def _settlement_schema(schema: dict[str, Any]) -> None:
    """Without ``expense_id``, ``to``, ``amount`` and ``currency`` are required (not null)."""
    schema["if"] = {"properties": {"expense_id": {"type": "string"}}, "required": ["expense_id"]}
    schema["else"] = {
        "properties": {name: {"type": "string"} for name in ("to", "amount", "currency")},
        "required": ["to", "amount", "currency"],
    }


class CreateSettlement(Payload):
    """A payment from one member to another, named as the balances' plan names a transfer
    (``from``, ``to``, ``amount``, ``currency``: a transfer of the plan is a valid body as it
    is); ``from_user`` and ``to_user`` are accepted for the same fields. With ``expense_id``
    it marks ``from``'s share of that expense as paid: ``to`` and ``amount`` default to what
    the bill says ``from`` owes (to its payer).

    Beyond this schema: ``from`` and ``to`` are two different members."""

    COMMAND: ClassVar[str] = "settlement.create"
    ACTOR: ClassVar[str] = "splits"

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra=schema_rules(
            _settlement_schema, places_rule("currency", amount_fields("amount"))
        ),
    )

    id: EntityId | None = None
    group_id: EntityId
    from_user: EntityId = Field(
        validation_alias=AliasChoices("from", "from_user"), description="The member who pays."
    )
    to_user: EntityId | None = Field(
        None,
        validation_alias=AliasChoices("to", "to_user"),
        description="The member paid; with `expense_id`, default the bill's payer.",
    )
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
            raise ValueError("to, amount and currency are required without expense_id")
        if self.to_user is not None and self.to_user == self.from_user:
            raise ValueError("from and to are the same member")
        fit_precision(self)
        return self


# ---- queries the splits actor answers ------------------------------------------------------


class BalancesQuery(_Strict):
    """Balances of a group as they were at ``as_of`` (from its event log)."""

    group_id: EntityId
    as_of: AwareDatetime


class DeleteGroupExpense(GroupEntryRef):
    """A group bill to delete."""

    COMMAND: ClassVar[str] = "group_expense.delete"
    ACTOR: ClassVar[str] = "splits"


class DeleteSettlement(GroupEntryRef):
    """A settlement to delete."""

    COMMAND: ClassVar[str] = "settlement.delete"
    ACTOR: ClassVar[str] = "splits"
