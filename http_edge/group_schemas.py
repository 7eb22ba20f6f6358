"""Request and response models of the group routes that are not payloads or entities."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from bus.entities import Group, GroupExpense, Invite, Settlement
from bus.groups import BalanceDecision, InviteTtl, InviteUses
from bus.limits import MAX_SEQ, AwareDatetime, Day, EntityId, ShortText
from http_edge.schemas import PageQuery, Strict


class GroupListQuery(Strict):
    include_archived: bool = False


class GroupPage(BaseModel):
    items: list[Group]
    next_cursor: str | None = None


class RemoveQuery(Strict):
    balance: BalanceDecision = Field(
        "block", description="A non-zero balance: refuse (block) or spread it (write_off)."
    )


class RoleBody(Strict):
    role: Literal["owner", "admin", "member"]


class LeaveBody(Strict):
    balance: BalanceDecision = "block"


class InviteBody(Strict):
    expires_in_s: InviteTtl = 7 * 24 * 3600
    max_uses: InviteUses = 1


class InviteCreated(Invite):
    token: str = Field(description="Shown once: share it as the link.")
    accept_path: str


class BalancesQuery(Strict):
    as_of: AwareDatetime | None = Field(
        None, description="Balances as they were at this moment (from the event log)."
    )


class ExplainQuery(PageQuery):
    pass


class ExplainItem(BaseModel):
    id: str
    kind: str
    date: str
    description: str
    amount: str | None
    currency: str | None
    balance_currency: str
    paid_share: str
    owed_share: str
    effect: str


class ExplainPage(BaseModel):
    user_id: str
    nets: list[dict[str, str]]
    items: list[ExplainItem]
    next_cursor: str | None


class GroupExpensePage(BaseModel):
    items: list[GroupExpense]
    next_cursor: str | None


class SettlementPage(BaseModel):
    items: list[Settlement]
    next_cursor: str | None


class StatsQuery(Strict):
    date_from: Day | None = Field(None, alias="from")
    date_to: Day | None = Field(None, alias="to")


class GroupStats(BaseModel):
    expenses: int
    totals: list[dict[str, str]]
    members: list[dict[str, str]]
    categories: list[dict[str, str | None]]
    months: list[dict[str, str]]


class ActivityQuery(Strict):
    limit: int = Field(50, ge=1, le=200)
    before: int | None = Field(None, ge=1, le=MAX_SEQ, description="Continue below this `seq`.")


class ActivityPage(BaseModel):
    items: list[dict[str, object]]
    next_before: int | None


class ReminderBody(Strict):
    user_id: EntityId
    note: ShortText | None = None


class Reminder(BaseModel):
    id: str
    group_id: str
    group_name: str
    from_user: str | None
    to_user: str
    note: str | None
    owes: list[dict[str, str]]
    pay: list[dict[str, str]]
    sent_at: str
