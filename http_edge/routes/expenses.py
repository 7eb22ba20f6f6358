"""Personal expenses: create, read, list with filters, update and delete."""

from __future__ import annotations

from aiohttp import web

from bus.commands import CreateExpense, DeleteExpense, UpdateExpense
from bus.entities import Expense
from http_edge.api import Api
from http_edge.context import principal_of
from http_edge.dispatch import delete_by_id, send_as_caller
from http_edge.display import summarize, with_display
from http_edge.inputs import body, path_id, query, versioned_body
from http_edge.responses import entity_or_404
from http_edge.schemas import (
    DisplayQuery,
    ExpensePage,
    ExpenseQuery,
    ExpenseSummary,
    ExpenseView,
    SummaryQuery,
    VersionQuery,
)
from storage.accounts import UserDoc
from storage.queries import ExpenseFilter, expense_amounts, get_expense, list_expenses

ROUTES = Api()
"""The operations this module serves; the app factory installs them (``http_edge.app``)."""


@ROUTES.route(
    "POST",
    "/v1/expenses",
    "Record an expense or income",
    "expenses",
    body=CreateExpense,
    response=Expense,
    status=201,
    errors=(404, 409),
    command=True,
)
async def create_expense(request: web.Request) -> web.StreamResponse:
    payload = await body(request, CreateExpense)
    return await send_as_caller(request, payload, location="/v1/expenses")


@ROUTES.route(
    "GET",
    "/v1/expenses",
    "List expenses, newest first, with filters and a cursor",
    "expenses",
    query=ExpenseQuery,
    response=ExpensePage,
)
async def expenses_list(request: web.Request) -> web.StreamResponse:
    q = query(request, ExpenseQuery)
    filters = ExpenseFilter(q.date_from, q.date_to, q.category_id, q.trip_id, q.type, q.q)
    items, cursor = await list_expenses(principal_of(request).user_id, filters, q.limit, q.cursor)
    shown = await with_display(request, items, q.display)
    return web.json_response({"items": shown, "next_cursor": cursor})


@ROUTES.route(
    "GET",
    "/v1/expenses/summary",
    "Totals in one currency (default: your home currency), per currency and category",
    "expenses",
    query=SummaryQuery,
    response=ExpenseSummary,
    errors=(503,),
)
async def expenses_summary(request: web.Request) -> web.StreamResponse:
    q = query(request, SummaryQuery)
    owner = principal_of(request).user_id
    filters = ExpenseFilter(q.date_from, q.date_to, q.category_id, q.trip_id, q.type)
    if q.display is None:
        user = await UserDoc.get(owner)
        display = user.home_currency if user is not None else "EUR"
    else:
        display = q.display
    summary = await summarize(request, await expense_amounts(owner, filters), display)
    return web.json_response(summary.model_dump(mode="json"))


@ROUTES.route(
    "GET",
    "/v1/expenses/{id}",
    "One expense",
    "expenses",
    query=DisplayQuery,
    response=ExpenseView,
    errors=(404,),
)
async def expense_get(request: web.Request) -> web.StreamResponse:
    q = query(request, DisplayQuery)
    expense = await get_expense(principal_of(request).user_id, path_id(request))
    if expense is None or q.display is None:
        return entity_or_404(expense, "expense")
    [shown] = await with_display(request, [expense], q.display)
    return entity_or_404(expense, "expense", shown)


@ROUTES.route(
    "PATCH",
    "/v1/expenses/{id}",
    "Change an expense (send `expected_version` or If-Match)",
    "expenses",
    body=UpdateExpense,
    body_omit=("id",),
    versioned=True,
    response=Expense,
    errors=(404, 409),
    command=True,
    headers=("If-Match",),
)
async def expense_update(request: web.Request) -> web.StreamResponse:
    expense_id = path_id(request)
    payload, version = await versioned_body(request, UpdateExpense, id=expense_id)
    return await send_as_caller(request, payload, version)


@ROUTES.route(
    "DELETE",
    "/v1/expenses/{id}",
    "Delete an expense",
    "expenses",
    query=VersionQuery,
    response=Expense,
    errors=(404, 409),
    command=True,
    headers=("If-Match",),
)
async def expense_delete(request: web.Request) -> web.StreamResponse:
    return await delete_by_id(request, DeleteExpense)
