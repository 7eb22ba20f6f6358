"""Savings goals: made, changed, paid into and drawn from.

Writes are commands for the budgets actor; a goal is its owner's alone. Reads ask the actor for
a goal's progress and what it needs per week and per month to be reached on time.
"""

from __future__ import annotations

from aiohttp import web

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
from http_edge.api import Api
from http_edge.budget_schemas import GoalPage
from http_edge.budget_views import views
from http_edge.command_routes import changes, creates, deletes
from http_edge.context import principal_of
from http_edge.dispatch import send_as_caller
from http_edge.inputs import path_id, query, versioned_body
from http_edge.problems import Problem
from http_edge.responses import entity_or_404
from http_edge.schemas import PageQuery
from storage.budget_reads import goal_entity, goal_for, goals_of

ROUTES = Api()
"""The operations this module serves; the app factory installs them (``http_edge.app``)."""


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
