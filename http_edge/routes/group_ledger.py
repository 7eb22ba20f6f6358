"""A group's money: expenses, settlements, balances (now or at any past moment), the entries
behind one member's balance, statistics, the activity feed and reminders."""

from __future__ import annotations

from aiohttp import web

from bus.entities import GroupBalances, GroupExpense, Settlement
from bus.groups import (
    BalancesQuery as BalancesAsOf,
)
from bus.groups import (
    CreateGroupExpense,
    CreateSettlement,
    DeleteGroupExpense,
    DeleteSettlement,
    Remind,
    UpdateGroupExpense,
)
from bus.subjects import BALANCES_RPC
from http_edge.api import Api
from http_edge.command_routes import changes, creates, deletes
from http_edge.context import settings_of
from http_edge.dispatch import send_as_caller
from http_edge.group_schemas import (
    ActivityPage,
    ActivityQuery,
    BalancesQuery,
    ExplainPage,
    ExplainQuery,
    GroupExpensePage,
    GroupStats,
    Reminder,
    ReminderBody,
    SettlementPage,
    StatsQuery,
)
from http_edge.inputs import body, path_id, query
from http_edge.problems import Problem
from http_edge.queries import ask_actor
from http_edge.responses import entity_or_404
from http_edge.routes.groups import member_group
from http_edge.schemas import PageQuery
from storage.group_reads import (
    TooManyEntries,
    activity,
    balances_of,
    explain,
    get_entry,
    list_entries,
    stats,
)

ROUTES = Api()
"""The operations this module serves; the app factory installs them (``http_edge.app``)."""


async def _entry_page(request: web.Request, kind: str) -> web.Response:
    q = query(request, PageQuery)
    group = await member_group(request)
    items, cursor = await list_entries(group.id, kind, q.limit, q.cursor)
    return web.json_response(
        {"items": [i.model_dump(mode="json") for i in items], "next_cursor": cursor}
    )


# ---- group expenses --------------------------------------------------------------------------


creates(
    ROUTES,
    "/v1/groups/{id}/expenses",
    "Add a group expense: who paid (`paid_by`) and how it is split",
    "group money",
    CreateGroupExpense,
    name="create_group_expense",
    location="/v1/groups/{group_id}/expenses",
    ids={"group_id": "id"},
    body_omit=("group_id",),
    response=GroupExpense,
    errors=(404, 409),
)


@ROUTES.route(
    "GET",
    "/v1/groups/{id}/expenses",
    "A group's expenses, newest first",
    "group money",
    query=PageQuery,
    response=GroupExpensePage,
    errors=(404,),
)
async def list_group_expenses(request: web.Request) -> web.StreamResponse:
    return await _entry_page(request, "expense")


@ROUTES.route(
    "GET",
    "/v1/groups/{id}/expenses/{expense_id}",
    "One group expense",
    "group money",
    response=GroupExpense,
    errors=(404,),
)
async def get_group_expense(request: web.Request) -> web.StreamResponse:
    group = await member_group(request)
    entry = await get_entry(group.id, path_id(request, "expense_id"), "expense")
    return entity_or_404(entry, "expense")


changes(
    ROUTES,
    "/v1/groups/{id}/expenses/{expense_id}",
    "Change a group expense (send `expected_version` or If-Match); balances follow",
    "group money",
    UpdateGroupExpense,
    name="update_group_expense",
    ids={"id": "expense_id", "group_id": "id"},
    response=GroupExpense,
    errors=(404, 409),
)


deletes(
    ROUTES,
    "/v1/groups/{id}/expenses/{expense_id}",
    "Delete a group expense",
    "group money",
    DeleteGroupExpense,
    name="delete_group_expense",
    ids={"group_id": "id", "id": "expense_id"},
    response=GroupExpense,
    errors=(404, 409),
)


# ---- settlements -----------------------------------------------------------------------------


creates(
    ROUTES,
    "/v1/groups/{id}/settlements",
    "Record a payment between members: `{from, to, amount, currency}`, as the balances' plan "
    "names a transfer (or, with `expense_id`, mark a share of it as paid)",
    "group money",
    CreateSettlement,
    name="create_settlement",
    location="/v1/groups/{group_id}/settlements",
    ids={"group_id": "id"},
    description="`from` and `to` are two different members (else 422).",
    body_omit=("group_id",),
    response=Settlement,
    errors=(404, 409),
)


@ROUTES.route(
    "GET",
    "/v1/groups/{id}/settlements",
    "A group's settlements, newest first",
    "group money",
    query=PageQuery,
    response=SettlementPage,
    errors=(404,),
)
async def list_settlements(request: web.Request) -> web.StreamResponse:
    return await _entry_page(request, "settlement")


deletes(
    ROUTES,
    "/v1/groups/{id}/settlements/{settlement_id}",
    "Delete a settlement",
    "group money",
    DeleteSettlement,
    name="delete_settlement",
    ids={"group_id": "id", "id": "settlement_id"},
    response=Settlement,
    errors=(404, 409),
)


# ---- balances --------------------------------------------------------------------------------


@ROUTES.route(
    "GET",
    "/v1/groups/{id}/balances",
    "Each member's net per currency, who owes whom, and the fewest transfers that settle all",
    "group money",
    query=BalancesQuery,
    response=GroupBalances,
    errors=(404, 502, 503),
)
async def group_balances(request: web.Request) -> web.StreamResponse:
    q = query(request, BalancesQuery)
    group = await member_group(request)
    if q.as_of is None:
        return web.json_response((await balances_of(group)).model_dump(mode="json"))
    past = await ask_actor(
        request,
        BALANCES_RPC,
        BalancesAsOf(group_id=group.id, as_of=q.as_of),
        GroupBalances,
        what="past balances",
        timeout_s=settings_of(request).rpc_timeout_s * 3,
    )
    return web.json_response(past.model_dump(mode="json"))


@ROUTES.route(
    "GET",
    "/v1/groups/{id}/balances/{user_id}/explain",
    "The expenses, settlements and write-offs that make up one member's balance",
    "group money",
    query=ExplainQuery,
    response=ExplainPage,
    errors=(404,),
)
async def explain_balance(request: web.Request) -> web.StreamResponse:
    q = query(request, ExplainQuery)
    group = await member_group(request)
    user_id = path_id(request, "user_id")
    items, cursor = await explain(group.id, user_id, q.limit, q.cursor)
    balances = await balances_of(group)
    nets = [
        {"currency": m.currency, "net": str(m.net)}
        for m in balances.members
        if m.user_id == user_id
    ]
    return web.json_response(
        {"user_id": user_id, "nets": nets, "items": items, "next_cursor": cursor}
    )


# ---- statistics, activity, reminders ---------------------------------------------------------


@ROUTES.route(
    "GET",
    "/v1/groups/{id}/stats",
    "Spending per member, category and month",
    "group money",
    query=StatsQuery,
    response=GroupStats,
    errors=(404,),
)
async def group_stats(request: web.Request) -> web.StreamResponse:
    q = query(request, StatsQuery)
    group = await member_group(request)
    try:
        found = await stats(
            group.id,
            q.date_from.isoformat() if q.date_from else None,
            q.date_to.isoformat() if q.date_to else None,
        )
    except TooManyEntries as exc:
        raise Problem(422, "too_many", str(exc)) from exc
    return web.json_response(found)


@ROUTES.route(
    "GET",
    "/v1/groups/{id}/activity",
    "What happened in the group, newest first (its events)",
    "group money",
    query=ActivityQuery,
    response=ActivityPage,
    errors=(404,),
)
async def group_activity(request: web.Request) -> web.StreamResponse:
    q = query(request, ActivityQuery)
    group = await member_group(request)
    items, before = await activity(group.id, q.limit, q.before)
    return web.json_response({"items": items, "next_before": before})


@ROUTES.route(
    "POST",
    "/v1/groups/{id}/reminders",
    "Remind a member who owes; it reaches their devices only",
    "group money",
    body=ReminderBody,
    response=Reminder,
    errors=(404, 409),
    command=True,
)
async def send_reminder(request: web.Request) -> web.StreamResponse:
    """Written out: the body names whom to remind; the command carries the group from the
    path."""
    wanted = await body(request, ReminderBody)
    payload = Remind(group_id=path_id(request), user_id=wanted.user_id, note=wanted.note)
    return await send_as_caller(request, payload)
