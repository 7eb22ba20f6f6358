"""Personal expenses: create, read, list with filters, update and delete."""

from __future__ import annotations

from aiohttp import web

from bus.entities import Expense
from bus.expense_commands import CreateExpense, DeleteExpense, UpdateExpense
from http_edge.api import Api
from http_edge.command_routes import changes, creates, deletes
from http_edge.context import principal_of
from http_edge.display import summarize, with_display
from http_edge.inputs import path_id, query
from http_edge.responses import entity_or_404
from http_edge.schemas import (
    DisplayQuery,
    ExpensePage,
    ExpenseQuery,
    ExpenseSummary,
    ExpenseView,
    SummaryQuery,
)
from storage.accounts import UserDoc
from storage.queries import ExpenseFilter, expense_amounts, get_expense, list_expenses

ROUTES = Api()
"""The operations this module serves; the app factory installs them (``http_edge.app``)."""


creates(
    ROUTES,
    "/v1/expenses",
    "Record an expense or income",
    "expenses",
    CreateExpense,
    name="create_expense",
    location="/v1/expenses",
    response=Expense,
    errors=(404, 409),
)


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


changes(
    ROUTES,
    "/v1/expenses/{id}",
    "Change an expense (send `expected_version` or If-Match)",
    "expenses",
    UpdateExpense,
    name="expense_update",
    response=Expense,
    errors=(404, 409),
)


deletes(
    ROUTES,
    "/v1/expenses/{id}",
    "Delete an expense",
    "expenses",
    DeleteExpense,
    name="expense_delete",
    response=Expense,
    errors=(404, 409),
)
