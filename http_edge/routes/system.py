"""Health, readiness, command outcomes, and the API's own descriptions."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import cache
from typing import Any

from aiohttp import web

from http_edge.api import docs_page, openapi_document
from http_edge.context import principal_of, resources_of
from http_edge.problems import Problem
from http_edge.routes import API
from http_edge.schemas import CommandStatus, Health
from storage.outcomes import dead_letter_of, stored_outcome

AsyncApiSource = Callable[[], dict[str, Any]]
ASYNCAPI: web.AppKey[AsyncApiSource] = web.AppKey("asyncapi")
VERSION = "0.1.0"


@cache
def _openapi() -> dict[str, Any]:
    """The OpenAPI document, built once: the routes are fixed when the modules are imported."""
    return openapi_document(API.operations, "ledgerbus", VERSION)


@cache
def _docs() -> str:
    return docs_page(_openapi())


@API.route("GET", "/healthz", "Liveness: the process is up", "system", response=Health, auth=False)
async def healthz(request: web.Request) -> web.StreamResponse:
    return web.json_response({"status": "ok", "checks": {}})


@API.route(
    "GET",
    "/readyz",
    "Readiness: NATS and MongoDB reachable (503 says which is not)",
    "system",
    response=Health,
    auth=False,
    errors=(503,),
)
async def readyz(request: web.Request) -> web.StreamResponse:
    resources = resources_of(request)  # connected: requests are served only after startup
    checks = {"nats": "ok" if resources.nc.is_connected else "disconnected"}
    try:
        await asyncio.wait_for(resources.database.ping(), 2.0)
        checks["mongodb"] = "ok"
    except Exception as exc:
        checks["mongodb"] = f"unreachable: {type(exc).__name__}"
    ok = all(v == "ok" for v in checks.values())
    return web.json_response(
        {"status": "ok" if ok else "unavailable", "checks": checks},
        status=200 if ok else 503,
        headers={} if ok else {"Retry-After": "2"},
    )


@API.route(
    "GET",
    "/v1/commands/{id}",
    "The outcome of a command you sent",
    "system",
    response=CommandStatus,
    pending=True,
)
async def command_status(request: web.Request) -> web.StreamResponse:
    command_id = request.match_info["id"][:64]
    caller = principal_of(request).user_id
    outcome = await stored_outcome(command_id)
    if outcome is not None and outcome.issuer == caller:
        status = CommandStatus(
            command_id=command_id, status=outcome.status, outcome=outcome.model_dump(mode="json")
        )
        return web.json_response(status.model_dump(mode="json"))
    letter = await dead_letter_of(command_id) if outcome is None else None
    if letter is not None and letter.issuer == caller:
        status = CommandStatus(command_id=command_id, status="failed", reason=letter.reason)
        return web.json_response(status.model_dump(mode="json"))
    # Unknown, someone else's, or not applied yet: indistinguishable on purpose.
    pending = CommandStatus(command_id=command_id, status="pending")
    return web.json_response(pending.model_dump(mode="json"), status=202)


@API.route("GET", "/v1/openapi.json", "This document", "system", auth=False)
async def openapi(request: web.Request) -> web.StreamResponse:
    return web.json_response(_openapi())


@API.route("GET", "/v1/docs", "Human-readable API reference", "system", auth=False)
async def docs(request: web.Request) -> web.StreamResponse:
    return web.Response(text=_docs(), content_type="text/html")


@API.route(
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
