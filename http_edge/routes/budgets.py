"""Budgets, savings goals and recurring expenses.

Writes are commands for the budgets actor. Reads check access on every request (a budget is
its owner's, or its group's members' while they are members) and ask the actor for what needs
its rules: a budget's status and projection, a goal's progress.
"""

from __future__ import annotations

from datetime import date

from aiohttp import web

from bus.budgets import (
    Budget,
    BudgetStatus,
    BudgetView,
    CreateBudget,
    DeleteBudget,
    UpdateBudget,
    Views,
    ViewsQuery,
)
from bus.goals import (
    ContributeToGoal,
    CreateGoal,
    DeleteGoal,
    Goal,
    GoalMovement,
    GoalView,
    UpdateGoal,
    WithdrawFromGoal,
)
from bus.recurring import (
    CreateRecurring,
    DeleteRecurring,
    PauseRecurring,
    RecurringRef,
    RecurringRule,
    ResumeRecurring,
    UpdateRecurring,
)
from bus.subjects import BUDGET_VIEWS_RPC
from http_edge.api import Api
from http_edge.budget_schemas import (
    BudgetListQuery,
    BudgetPage,
    GoalPage,
    RuleListQuery,
    RulePage,
    StatusQuery,
)
from http_edge.command_routes import changes, creates, deletes
from http_edge.context import principal_of
from http_edge.dispatch import send_as_caller
from http_edge.inputs import expected_version, path_id, query, versioned_body
from http_edge.problems import Problem
from http_edge.queries import ask_actor
from http_edge.responses import entity_or_404
from http_edge.schemas import PageQuery, VersionQuery
from storage.budget_reads import (
    budget_entity,
    budget_for,
    budgets_of,
    goal_entity,
    goal_for,
    goals_of,
    rule_entity,
    rule_for,
    rules_of,
)
from storage.group_reads import group_for

ROUTES = Api()
"""The operations this module serves; the app factory installs them (``http_edge.app``)."""


async def views(
    request: web.Request, budget_ids: list[str], goal_ids: list[str], on: date | None = None
) -> Views:
    """Status and progress from the budgets actor (failures: ``http_edge.queries``)."""
    return await ask_actor(
        request,
        BUDGET_VIEWS_RPC,
        ViewsQuery(budget_ids=budget_ids, goal_ids=goal_ids, on=on),
        Views,
        what="budget status",
    )


# ---- budgets ------------------------------------------------------------------------------


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


# ---- goals --------------------------------------------------------------------------------


creates(
    ROUTES,
    "/v1/goals",
    "Make a savings goal",
    "goals",
    CreateGoal,
    name="create_goal",
    location="/v1/goals",
    response=Goal,
    errors=(409,),
)


@ROUTES.route(
    "GET",
    "/v1/goals",
    "Your goals with their progress",
    "goals",
    query=PageQuery,
    response=GoalPage,
    errors=(502, 503),
)
async def list_goals(request: web.Request) -> web.StreamResponse:
    q = query(request, PageQuery)
    docs, cursor = await goals_of(principal_of(request).user_id, q.limit, q.cursor)
    shown = await views(request, [], [d.id for d in docs])
    items = [v.model_dump(mode="json") for v in shown.goals]
    return web.json_response({"items": items, "next_cursor": cursor})


@ROUTES.route(
    "GET",
    "/v1/goals/{id}",
    "One goal: progress, and what it needs per week and per month to be reached on time",
    "goals",
    response=GoalView,
    errors=(404, 502, 503),
)
async def get_goal(request: web.Request) -> web.StreamResponse:
    doc = await goal_for(principal_of(request).user_id, path_id(request))
    if doc is None:
        raise Problem(404, "not_found", "no such goal")
    shown = await views(request, [], [doc.id])
    return entity_or_404(goal_entity(doc), "goal", shown.goals[0].model_dump(mode="json"))


changes(
    ROUTES,
    "/v1/goals/{id}",
    "Change a goal's name, target or date",
    "goals",
    UpdateGoal,
    name="update_goal",
    description="`target_amount` has no more decimals than the goal's currency (else 422).",
    response=Goal,
    errors=(404, 409),
)


deletes(
    ROUTES,
    "/v1/goals/{id}",
    "Delete a goal",
    "goals",
    DeleteGoal,
    name="delete_goal",
    response=Goal,
    errors=(404, 409),
)


async def _movement(request: web.Request, kind: type[GoalMovement]) -> web.Response:
    payload, version = await versioned_body(request, kind, id=path_id(request))
    return await send_as_caller(request, payload, version)


@ROUTES.route(
    "POST",
    "/v1/goals/{id}/contributions",
    "Put money into a goal",
    "goals",
    description="`amount` has no more decimals than the goal's currency (else 422).",
    body=GoalMovement,
    body_omit=("id",),
    versioned=True,
    response=Goal,
    errors=(404, 409),
    command=True,
    headers=("If-Match",),
)
async def contribute(request: web.Request) -> web.StreamResponse:
    """Written out as ``POST`` on the goal (not a change of it): the payload class says
    contribute."""
    return await _movement(request, ContributeToGoal)


@ROUTES.route(
    "POST",
    "/v1/goals/{id}/withdrawals",
    "Take money out of a goal (at most what is saved)",
    "goals",
    description="`amount` has no more decimals than the goal's currency (else 422).",
    body=GoalMovement,
    body_omit=("id",),
    versioned=True,
    response=Goal,
    errors=(404, 409),
    command=True,
    headers=("If-Match",),
)
async def withdraw(request: web.Request) -> web.StreamResponse:
    """Written out as ``POST`` on the goal (not a change of it): the payload class says
    withdraw."""
    return await _movement(request, WithdrawFromGoal)


# ---- recurring expenses -------------------------------------------------------------------


creates(
    ROUTES,
    "/v1/recurring",
    "Make a recurring expense rule",
    "recurring",
    CreateRecurring,
    name="create_rule",
    location="/v1/recurring",
    description="`start_date` is at most a year before today (else 422).",
    response=RecurringRule,
    errors=(404, 409),
)


@ROUTES.route(
    "GET",
    "/v1/recurring",
    "Your recurring rules with their next date",
    "recurring",
    query=RuleListQuery,
    response=RulePage,
)
async def list_rules(request: web.Request) -> web.StreamResponse:
    q = query(request, RuleListQuery)
    docs, cursor = await rules_of(principal_of(request).user_id, q.active, q.limit, q.cursor)
    items = [rule_entity(d).model_dump(mode="json") for d in docs]
    return web.json_response({"items": items, "next_cursor": cursor})


@ROUTES.route(
    "GET",
    "/v1/recurring/{id}",
    "One recurring rule",
    "recurring",
    response=RecurringRule,
    errors=(404,),
)
async def get_rule(request: web.Request) -> web.StreamResponse:
    doc = await rule_for(principal_of(request).user_id, path_id(request))
    return entity_or_404(rule_entity(doc) if doc is not None else None, "recurring rule")


changes(
    ROUTES,
    "/v1/recurring/{id}",
    "Change the expense it makes from now on, or when it ends",
    "recurring",
    UpdateRecurring,
    name="update_rule",
    description="`end_date` is on or after the rule's start (else 422).",
    response=RecurringRule,
    errors=(404, 409),
)


deletes(
    ROUTES,
    "/v1/recurring/{id}",
    "Delete a recurring rule (the expenses it made stay)",
    "recurring",
    DeleteRecurring,
    name="delete_rule",
    response=RecurringRule,
    errors=(404, 409),
)


async def _toggle(request: web.Request, kind: type[RecurringRef]) -> web.Response:
    query(request, VersionQuery)
    payload = kind(id=path_id(request))
    return await send_as_caller(request, payload, expected_version(request))


@ROUTES.route(
    "POST",
    "/v1/recurring/{id}/pause",
    "Pause a rule: nothing is made until it is resumed",
    "recurring",
    query=VersionQuery,
    response=RecurringRule,
    errors=(404, 409),
    command=True,
    headers=("If-Match",),
)
async def pause_rule(request: web.Request) -> web.StreamResponse:
    """Written out: a ``POST`` without a body, the version from If-Match or the query."""
    return await _toggle(request, PauseRecurring)


@ROUTES.route(
    "POST",
    "/v1/recurring/{id}/resume",
    "Resume a rule from today (what fell in the pause is skipped)",
    "recurring",
    query=VersionQuery,
    response=RecurringRule,
    errors=(404, 409),
    command=True,
    headers=("If-Match",),
)
async def resume_rule(request: web.Request) -> web.StreamResponse:
    """Written out: a ``POST`` without a body, the version from If-Match or the query."""
    return await _toggle(request, ResumeRecurring)
