"""Recurring expense rules: made, changed, paused and resumed.

Writes are commands for the budgets actor, which makes each rule's expenses when they fall due;
a rule is its owner's alone.
"""

from __future__ import annotations

from aiohttp import web

from bus.recurring import (
    CreateRecurring,
    DeleteRecurring,
    PauseRecurring,
    RecurringRef,
    RecurringRule,
    ResumeRecurring,
    UpdateRecurring,
)
from http_edge.api import Api
from http_edge.budget_schemas import RuleListQuery, RulePage
from http_edge.command_routes import changes, creates, deletes
from http_edge.context import principal_of
from http_edge.dispatch import send_as_caller
from http_edge.inputs import expected_version, path_id, query
from http_edge.responses import entity_or_404
from http_edge.schemas import VersionQuery
from storage.budget_reads import rule_entity, rule_for, rules_of

ROUTES = Api()
"""The operations this module serves; the app factory installs them (``http_edge.app``)."""


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
