"""Fraud scoring: an expense's risk record, the flags the caller may see, and reviews.

Scores and flags are written by the fraud actor from the expense events; these routes read
them (a personal expense's are its owner's; a group bill's are its issuer's and the group's
admins') and send reviews to the actor as commands.
"""

from __future__ import annotations

from typing import Literal

from aiohttp import web
from pydantic import BaseModel, Field

from bus.fraud import Flag, ReviewFlag, Risk
from http_edge.api import Api
from http_edge.context import principal_of
from http_edge.dispatch import send_as_caller
from http_edge.inputs import path_id, query, versioned_body
from http_edge.problems import Problem
from http_edge.responses import entity_or_404
from http_edge.schemas import PageQuery
from storage.fraud_reads import flag_entity, flag_for, flags_of, risk_entity, risk_for

ROUTES = Api()
"""The operations this module serves; the app factory installs them (``http_edge.app``)."""


class FlagListQuery(PageQuery):
    status: Literal["open", "reviewed", "cleared", "all"] = Field(
        "open", description="Which flags: open (the default), reviewed, cleared, or all."
    )


class FlagPage(BaseModel):
    items: list[Flag]
    next_cursor: str | None


@ROUTES.route(
    "GET",
    "/v1/expenses/{id}/risk",
    "An expense's (or group bill's) risk score: signals with weights and evidence, model version",
    "fraud",
    response=Risk,
    errors=(404,),
    description="Scored in the background after the expense is written: 404 until the fraud "
    "actor has scored it (usually well under a second), then the score.",
)
async def get_risk(request: web.Request) -> web.StreamResponse:
    doc = await risk_for(principal_of(request).user_id, path_id(request))
    if doc is None:
        raise Problem(404, "not_found", "no risk record for this expense (or not scored yet)")
    return web.json_response(risk_entity(doc).model_dump(mode="json"))


@ROUTES.route(
    "GET",
    "/v1/flags",
    "Flags you may see (your expenses', and your admin groups' bills'), newest first",
    "fraud",
    query=FlagListQuery,
    response=FlagPage,
)
async def list_flags(request: web.Request) -> web.StreamResponse:
    q = query(request, FlagListQuery)
    status = None if q.status == "all" else q.status
    docs, cursor = await flags_of(principal_of(request).user_id, status, q.limit, q.cursor)
    items = [flag_entity(d).model_dump(mode="json") for d in docs]
    return web.json_response({"items": items, "next_cursor": cursor})


@ROUTES.route("GET", "/v1/flags/{id}", "One flag", "fraud", response=Flag, errors=(404,))
async def get_flag(request: web.Request) -> web.StreamResponse:
    doc = await flag_for(principal_of(request).user_id, path_id(request))
    return entity_or_404(flag_entity(doc) if doc is not None else None, "flag")


@ROUTES.route(
    "POST",
    "/v1/flags/{id}/review",
    "Review an open flag: legit or fraud (teaches the scorer about that person)",
    "fraud",
    body=ReviewFlag,
    body_omit=("id",),
    versioned=True,
    response=Flag,
    errors=(403, 404, 409),
    command=True,
    headers=("If-Match",),
)
async def review_flag(request: web.Request) -> web.StreamResponse:
    """Written out: a versioned ``POST`` (a verdict on the flag, not a change of its
    fields)."""
    payload, version = await versioned_body(request, ReviewFlag, id=path_id(request))
    return await send_as_caller(request, payload, version)
