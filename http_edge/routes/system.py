"""Health, readiness, command outcomes, and the API's own descriptions."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from functools import cache
from typing import Any

from aiohttp import web

from bus.inflight import commands_in_flight
from bus.push_subscription import endpoint_pattern
from bus.readiness import READY, bus_checks, expected_actors
from http_edge.api import Api, Operation, docs_page, openapi_document
from http_edge.context import EdgeResources, principal_of, resources_of, settings_of
from http_edge.problems import Problem
from http_edge.schemas import CommandStatus, Health
from storage.outcomes import dead_letter_of, stored_outcome

ROUTES = Api()
"""The operations this module serves; the app factory installs them (``http_edge.app``)."""

AsyncApiSource = Callable[[], dict[str, Any]]
ASYNCAPI: web.AppKey[AsyncApiSource] = web.AppKey("asyncapi")
OPERATIONS: web.AppKey[tuple[Operation, ...]] = web.AppKey("operations")
"""Every operation of the app (set by its factory, ``http_edge.app``): what the documents describe."""
VERSION = "0.1.0"


@cache
def _openapi(operations: tuple[Operation, ...], loopback_push: bool) -> dict[str, Any]:
    """The OpenAPI document, built once per set of operations (an app's are fixed) and what
    the deployment allows: with ``push_allow_http_loopback``, push endpoints on loopback too."""
    document = openapi_document(list(operations), "ledgerbus", VERSION)
    schemas = document["components"]["schemas"]
    endpoint = schemas.get("WebPushSubscription", {}).get("properties", {}).get("endpoint")
    if endpoint is not None:
        endpoint["pattern"] = endpoint_pattern(allow_http_loopback=loopback_push)
    return document


@cache
def _docs(operations: tuple[Operation, ...], loopback_push: bool) -> str:
    return docs_page(_openapi(operations, loopback_push))


@ROUTES.route(
    "GET", "/healthz", "Liveness: the process is up", "system", response=Health, auth=False
)
async def healthz(request: web.Request) -> web.StreamResponse:
    return web.json_response({"status": "ok", "checks": {}})


async def _mongodb_check(resources: EdgeResources, timeout_s: float) -> str:
    try:
        await asyncio.wait_for(resources.database.ping(), timeout_s)
    except Exception as exc:
        return f"unreachable: {type(exc).__name__}"
    return READY


@ROUTES.route(
    "GET",
    "/readyz",
    "Readiness: 200 only when this node can serve a write end to end (NATS and MongoDB "
    "reachable, the streams present, every expected actor bound to its consumers and "
    "answering); a 503 names each part that is not, in `checks`",
    "system",
    response=Health,
    auth=False,
    errors=(503,),
)
async def readyz(request: web.Request) -> web.StreamResponse:
    # A realtime-only node checks the same parts: its sockets send commands to the same actors.
    resources = resources_of(request)  # connected: requests are served only after startup
    settings = settings_of(request)
    timeout_s = settings.ready_timeout_s
    mongodb, bus = await asyncio.gather(
        _mongodb_check(resources, timeout_s * 1.5),
        bus_checks(resources.nc, expected_actors(settings), timeout_s),
    )
    checks = {"nats": bus.pop("nats"), "mongodb": mongodb, **bus}
    ok = all(v == READY for v in checks.values())
    return web.json_response(
        {"status": "ok" if ok else "unavailable", "checks": checks},
        status=200 if ok else 503,
        headers={} if ok else {"Retry-After": "2"},
    )


async def _known_status(command_id: str, caller: str) -> CommandStatus | None:
    """The caller's command's outcome or dead letter, if it has one."""
    outcome = await stored_outcome(command_id)
    if outcome is not None and outcome.issuer == caller:
        return CommandStatus(
            command_id=command_id, status=outcome.status, outcome=outcome.model_dump(mode="json")
        )
    letter = await dead_letter_of(command_id) if outcome is None else None
    if letter is not None and letter.issuer == caller:
        return CommandStatus(command_id=command_id, status="failed", reason=letter.reason)
    return None


@ROUTES.route(
    "GET",
    "/v1/commands/{id}",
    "The outcome of a command you sent: 200 once applied (or failed), 202 while commands are "
    "still on their way to the actors, 404 for an id that is not a UUID, was never sent, or "
    "is not yours",
    "system",
    response=CommandStatus,
    pending=True,
    errors=(404,),
)
async def command_status(request: web.Request) -> web.StreamResponse:
    try:
        command_id = str(uuid.UUID(request.match_info["id"]))
    except ValueError:
        raise Problem(404, "not_found", "no such command: a command id is a UUID") from None
    caller = principal_of(request).user_id
    found = await _known_status(command_id, caller)
    settings = settings_of(request)
    js = resources_of(request).nc.jetstream(timeout=settings.ready_timeout_s * 2)
    if found is None and not await commands_in_flight(js, expected_actors(settings)):
        # Nothing is on its way: an outcome is stored before its command is acknowledged, so
        # one more read settles a command that finished between the first read and now.
        found = await _known_status(command_id, caller)
        if found is None:  # never sent, or someone else's: indistinguishable on purpose
            raise Problem(404, "not_found", "no command with this id is known to you")
    if found is not None:
        return web.json_response(found.model_dump(mode="json"))
    pending = CommandStatus(command_id=command_id, status="pending")
    return web.json_response(pending.model_dump(mode="json"), status=202)


@ROUTES.route("GET", "/v1/openapi.json", "This document", "system", auth=False)
async def openapi(request: web.Request) -> web.StreamResponse:
    loopback = settings_of(request).push_allow_http_loopback
    return web.json_response(_openapi(request.app[OPERATIONS], loopback))


@ROUTES.route("GET", "/v1/docs", "Human-readable API reference", "system", auth=False)
async def docs(request: web.Request) -> web.StreamResponse:
    loopback = settings_of(request).push_allow_http_loopback
    return web.Response(text=_docs(request.app[OPERATIONS], loopback), content_type="text/html")


@ROUTES.route(
    "GET",
    "/v1/asyncapi.json",
    "The bus's AsyncAPI document (from the FastStream actors)",
    "system",
    auth=False,
    errors=(404,),
)
async def asyncapi(request: web.Request) -> web.StreamResponse:
    source = request.app.get(ASYNCAPI)
    if source is None:
        raise Problem(404, "not_found", "this process was started without the AsyncAPI document")
    return web.json_response(await asyncio.to_thread(source))
