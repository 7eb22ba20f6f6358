"""Personal expenses: create, read, list with filters, update and delete."""

from __future__ import annotations

from aiohttp import web

from bus.commands import CreateExpense, DeleteById, UpdateExpense
from bus.entities import Expense
from bus.limits import EntityId
from http_edge.context import principal_of
from http_edge.dispatch import send_as_caller
from http_edge.display import summarize, with_display
from http_edge.inputs import body, expected_version, query, versioned_body
from http_edge.problems import Problem
from http_edge.responses import entity_or_404
from http_edge.routes import API
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
from storage.queries import BadCursor, ExpenseFilter, get_expense, list_expenses

WRITE_HEADERS = ("Idempotency-Key", "Prefer", "X-Device-Id")


def path_id(request: web.Request, name: str = "id") -> str:
    """A path id that must be a UUID; anything else cannot exist (404)."""
    from pydantic import TypeAdapter, ValidationError

    value = request.match_info[name]
    try:
        return TypeAdapter(EntityId).validate_python(value)
    except ValidationError as exc:
        raise Problem(404, "not_found", "no such resource") from exc


@API.route(
    "POST",
    "/v1/expenses",
    "Record an expense or income",
    "expenses",
    body=CreateExpense,
    response=Expense,
    status=201,
    errors=(409,),
    headers=WRITE_HEADERS,
)
async def create_expense(request: web.Request) -> web.StreamResponse:
    payload = await body(request, CreateExpense)
    return await send_as_caller(request, "expense.create", payload, location="/v1/expenses")


@API.route(
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
    try:
        items, cursor = await list_expenses(
            principal_of(request).user_id, filters, q.limit, q.cursor
        )
    except BadCursor as exc:
        raise Problem(
            422,
            "validation",
            "invalid cursor",
            errors=[{"loc": ["query", "cursor"], "msg": str(exc), "type": "cursor"}],
        ) from exc
    shown = await with_display(request, items, q.display)
    return web.json_response({"items": shown, "next_cursor": cursor})


@API.route(
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
    summary = await summarize(request, owner, filters, display)
    return web.json_response(summary.model_dump(mode="json"))


@API.route(
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
    return web.json_response(shown)


@API.route(
    "PATCH",
    "/v1/expenses/{id}",
    "Change an expense (send `expected_version` or If-Match)",
    "expenses",
    body=UpdateExpense,
    body_omit=("id",),
    versioned=True,
    response=Expense,
    errors=(404, 409),
    headers=("If-Match", *WRITE_HEADERS),
)
async def expense_update(request: web.Request) -> web.StreamResponse:
    expense_id = path_id(request)
    payload, version = await versioned_body(request, UpdateExpense, id=expense_id)
    return await send_as_caller(request, "expense.update", payload, version)


@API.route(
    "DELETE",
    "/v1/expenses/{id}",
    "Delete an expense",
    "expenses",
    query=VersionQuery,
    response=Expense,
    errors=(404, 409),
    headers=("If-Match", *WRITE_HEADERS),
)
async def expense_delete(request: web.Request) -> web.StreamResponse:
    expense_id = path_id(request)
    query(request, VersionQuery)
    payload = DeleteById(id=expense_id)
    return await send_as_caller(
        request,
        "expense.delete",
        payload,
        expected_version(request),
    )
