"""The entities as clients see them: API responses and the `entity` of event data."""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bus.money import Amount


class Entity(BaseModel):
    """Base of client-visible entities (JSON: snake_case, decimals as strings)."""

    model_config = ConfigDict(extra="forbid")


class User(Entity):
    id: str
    email: str
    email_verified: bool = Field(
        False,
        description="Whether the address was confirmed (the link mailed at sign-up, or a new one "
        "from POST /v1/me/email/verification). An unconfirmed account works all the same.",
    )
    pending_email: str | None = Field(
        None,
        description="A new address asked for (POST /v1/me/email), waiting for the link mailed "
        "to it; the account keeps `email` until then.",
    )
    name: str
    home_currency: str
    timezone: str
    version: int
    created_at: datetime
    updated_at: datetime


ExpenseType = Literal["expense", "income"]
RateStatus = Literal["ok", "stale", "missing"]
"""ok: at the rate of its date; stale: at the latest known rate, older than
`rates_stale_after_days` (none newer was known); missing: no rate yet."""


class Expense(Entity):
    id: str
    type: ExpenseType
    amount: Amount
    currency: str
    category_id: str | None = None
    description: str = ""
    merchant: str | None = None
    date: date
    occurred_at: datetime | None = Field(None, description="With its original UTC offset.")
    notes: str | None = None
    tags: list[str] = Field(default_factory=list)
    trip_id: str | None = None
    version: int
    created_at: datetime
    updated_at: datetime
    made_at: datetime | None = Field(None, description="When the device made it, as it said.")
    receipt_id: str | None = Field(None, description="The receipt it was made from or filled by.")
    home_currency: str | None = Field(None, description="The owner's home currency when recorded.")
    home_amount: Amount | None = Field(
        None, description="`amount` in `home_currency` at the expense's date; null if no rate yet."
    )
    rate: Amount | None = Field(None, description="home_amount = amount * rate, half-even.")
    rate_date: dt.date | None = None
    rate_source: str | None = None
    rate_status: RateStatus = "missing"


class Category(Entity):
    id: str
    name: str
    icon: str | None = None
    color: str | None = None
    archived: bool = False
    is_default: bool = False
    version: int
    created_at: datetime
    updated_at: datetime


class Trip(Entity):
    id: str
    name: str
    destination: str | None = None
    start_date: date
    end_date: date
    currency: str
    version: int
    created_at: datetime
    updated_at: datetime


class Session(Entity):
    """A signed-in device session (refresh-token family); revoking it closes its sockets."""

    id: str
    user_id: str
    revoked: bool
    reason: str | None = None
    version: int


class DeviceSession(Entity):
    """One device signed in to the account, as its owner sees it in a list of devices."""

    id: str
    device_id: str | None = Field(None, description="The device's `X-Device-Id` at sign-in.")
    created_at: datetime = Field(description="When the device signed in.")
    refreshed_at: datetime = Field(description="When it last renewed its sign-in.")
    expires_at: datetime
    current: bool = Field(description="This is the session the request came from.")


# ---- shared groups (the splits actor's) -----------------------------------------------------

GroupRole = Literal["owner", "admin", "member"]
EntryKind = Literal["expense", "settlement", "write_off"]


class GroupMember(Entity):
    user_id: str
    role: GroupRole
    name: str | None = None
    joined_at: datetime


class FormerMember(Entity):
    """Someone whose account was deleted: their shares of the group's bills stay, under this
    label, so the group still balances; they take no part in new ones."""

    user_id: str
    name: str
    left_at: datetime


class Group(Entity):
    id: str
    name: str
    description: str = ""
    currency: str
    timezone: str
    settings: dict[str, object]
    members: list[GroupMember]
    former_members: list[FormerMember] = []
    archived: bool = False
    version: int
    created_at: datetime
    updated_at: datetime


class Invite(Entity):
    """An invite link's record; the token itself is shown once, to its creator."""

    id: str
    group_id: str
    created_by: str
    expires_at: datetime
    max_uses: int
    uses: int
    revoked: bool = False
    version: int
    created_at: datetime


class EntryShare(Entity):
    user_id: str
    paid_share: Amount
    owed_share: Amount


class GroupEntry(Entity):
    """What every entry of a group's ledger shows: its effect on the balances.

    ``balance_shares`` are in ``balance_currency``: the group's currency, or the entry's own
    currency while no rate converts it (it is then its own balance line)."""

    id: str
    group_id: str
    kind: EntryKind
    date: date
    group_currency: str
    group_amount: Amount | None = Field(None, description="Null while no rate exists yet.")
    rate: Amount | None = None
    rate_date: dt.date | None = None
    rate_source: str | None = None
    rate_status: RateStatus = "ok"
    balance_currency: str
    balance_shares: list[EntryShare]
    created_by: str
    version: int
    deleted: bool = False
    created_at: datetime
    updated_at: datetime


class GroupPayer(Entity):
    user_id: str
    amount: Amount


class GroupExpense(GroupEntry):
    kind: EntryKind = "expense"
    amount: Amount
    currency: str
    description: str = ""
    category: str | None = None
    notes: str | None = None
    paid_by: list[GroupPayer]
    split: dict[str, object]
    shares: list[EntryShare] = Field(description="paid_share and owed_share in `currency`.")


class Settlement(GroupEntry):
    kind: EntryKind = "settlement"
    from_user: str
    to_user: str
    amount: Amount
    currency: str
    note: str | None = None
    expense_id: str | None = Field(None, description="The bill whose share this pays, if any.")


class WriteOff(GroupEntry):
    """A leaving or removed member's balance spread over the others, by decision."""

    kind: EntryKind = "write_off"
    user_id: str
    reason: Literal["left", "removed"]


class MemberNet(Entity):
    user_id: str
    currency: str
    net: Amount = Field(description="Positive: is owed money; negative: owes.")


class Debt(Entity):
    model_config = ConfigDict(extra="forbid", serialize_by_alias=True, validate_by_name=True)

    from_user: str = Field(alias="from")
    to_user: str = Field(alias="to")
    amount: Amount
    currency: str


class GroupBalances(Entity):
    group_id: str
    currency: str
    members: list[MemberNet]
    debts: list[Debt] = Field(description="Who owes whom, pair by pair, from the bills.")
    plan: list[Debt] = Field(description="The fewest transfers that settle everyone.")
    simplify_debts: bool
    version: int = Field(description="Moves on with every entry that changes balances.")
    as_of: datetime | None = None
    updated_at: datetime | None = None
