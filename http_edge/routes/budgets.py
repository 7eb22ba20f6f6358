"""Budgets: yours, or your group's.

Writes are commands for the budgets actor. Reads check access on every request (a budget is
its owner's, or its group's members' while they are members) and ask the actor for what needs
its rules: a budget's status and its projection.
"""

from __future__ import annotations

from aiohttp import web

from bus.budgets import Budget, BudgetStatus, BudgetView, CreateBudget, DeleteBudget, UpdateBudget
from http_edge.api import Api
from http_edge.budget_schemas import BudgetListQuery, BudgetPage, StatusQuery
from http_edge.budget_views import views
from http_edge.command_routes import changes, creates, deletes
from http_edge.context import principal_of
from http_edge.inputs import path_id, query
from http_edge.problems import Problem
from http_edge.responses import entity_or_404
from storage.budget_reads import budget_entity, budget_for, budgets_of
from storage.group_reads import group_for

ROUTES = Api()
"""The operations this module serves; the app factory installs them (``http_edge.app``)."""


creates(
    ROUTES,
    "/v1/budgets",
    "Make a budget: yours, or with group_id your group's (admins)",
    "budgets",
    CreateBudget,
    name="create_budget",
    location="/v1/budgets",
    description="`starts_on` is at most two years before today (else 422).",
    response=Budget,
    errors=(403, 404, 409),
)


@ROUTES.route(
    "GET",
    "/v1/budgets",
    "Your budgets and your groups' budgets, each with its current status",
    "budgets",
    description="`on` is at most 400 days after today (else 422).",
    query=BudgetListQuery,
    response=BudgetPage,
    errors=(404, 502, 503),
)
async def list_budgets(request: web.Request) -> web.StreamResponse:
    q = query(request, BudgetListQuery)
    user_id = principal_of(request).user_id
    if q.group_id is not None and await group_for(user_id, q.group_id) is None:
        raise Problem(404, "not_found", "no such group")  # as every group route tells strangers
    docs, cursor = await budgets_of(user_id, q.group_id, q.limit, q.cursor)
    shown = await views(request, [d.id for d in docs], [], q.on)
    items = [v.model_dump(mode="json") for v in shown.budgets]
    return web.json_response({"items": items, "next_cursor": cursor})


async def _visible_budget(request: web.Request) -> Budget:
    doc = await budget_for(principal_of(request).user_id, path_id(request))
    if doc is None:
        raise Problem(404, "not_found", "no such budget")
    return budget_entity(doc)


@ROUTES.route(
    "GET",
    "/v1/budgets/{id}",
    "One budget with its current status",
    "budgets",
    description="`on` is at most 400 days after today (else 422).",
    query=StatusQuery,
    response=BudgetView,
    errors=(404, 502, 503),
)
async def get_budget(request: web.Request) -> web.StreamResponse:
    q = query(request, StatusQuery)
    budget = await _visible_budget(request)
    shown = await views(request, [budget.id], [], q.on)
    return entity_or_404(budget, "budget", shown.budgets[0].model_dump(mode="json"))


@ROUTES.route(
    "GET",
    "/v1/budgets/{id}/status",
    "Spent, remaining, percent used, days left, average per day and the projected total",
    "budgets",
    description="`on` is at most 400 days after today (else 422).",
    query=StatusQuery,
    response=BudgetStatus,
    errors=(404, 502, 503),
)
async def budget_status(request: web.Request) -> web.StreamResponse:
    q = query(request, StatusQuery)
    budget = await _visible_budget(request)
    shown = await views(request, [budget.id], [], q.on)
    if not shown.budgets or shown.budgets[0].status is None:
        raise Problem(404, "not_found", "no such budget")
    return web.json_response(shown.budgets[0].status.model_dump(mode="json"))


changes(
    ROUTES,
    "/v1/budgets/{id}",
    "Change a budget (its owner, or the group's admins)",
    "budgets",
    UpdateBudget,
    name="update_budget",
    description="The budget still ends on or after it starts (else 422).",
    response=Budget,
    errors=(403, 404, 409),
)


deletes(
    ROUTES,
    "/v1/budgets/{id}",
    "Delete a budget",
    "budgets",
    DeleteBudget,
    name="delete_budget",
    response=Budget,
    errors=(403, 404, 409),
)
