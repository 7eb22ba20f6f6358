"""Offline-first sync: a device's batch of commands, a change feed per scope (with long-poll),
the heads of every scope the caller can read, and a scope's full state at a `seq`."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from aiohttp import web
from pydantic import BaseModel, Field, StringConstraints

from bus.gateway import TooManyWrites
from bus.limits import MAX_SEQ
from bus.subjects import scope_events
from bus.sync import MAX_BATCH, BatchTooLarge
from http_edge.api import Api
from http_edge.context import principal_of, resources_of
from http_edge.dispatch import COMMAND_GATEWAY, device_of, too_many_writes
from http_edge.inputs import body, query
from http_edge.problems import Problem
from http_edge.schemas import Strict
from storage.sync_reads import (
    SnapshotTooLarge,
    can_read,
    changes,
    heads,
    readable_scopes,
    snapshot,
)

ROUTES = Api()
"""The operations this module serves; the app factory installs them (``http_edge.app``)."""

MAX_WAIT_S = 30.0
Scope = Annotated[str, StringConstraints(pattern=r"^(user|inbox|group):[0-9a-f-]{36}$")]


class SyncBatch(Strict):
    commands: list[Any] = Field(
        description=f"Up to {MAX_BATCH} commands `{{command_id, type, payload, "
        "expected_version?, made_at?}}`, applied in this order."
    )


class SyncResults(BaseModel):
    results: list[dict[str, Any]]


class ChangesQuery(Strict):
    scope: Scope
    after: int = Field(0, ge=0, le=MAX_SEQ, description="The last `seq` the device has; 0 for all.")
    limit: int = Field(100, ge=1, le=1000)
    wait: float = Field(0, ge=0, le=MAX_WAIT_S, description="Seconds to wait for a change.")


class ChangesPage(BaseModel):
    scope: str
    events: list[dict[str, Any]]
    head: int
    next_after: int


class ScopeQuery(Strict):
    scope: Scope


class Heads(BaseModel):
    scopes: dict[str, int]


class Snapshot(BaseModel):
    scope: str
    seq: int
    state: dict[str, Any]


@ROUTES.route(
    "POST",
    "/v1/sync/commands",
    f"Apply up to {MAX_BATCH} offline commands in order; one result each",
    "sync",
    body=SyncBatch,
    response=SyncResults,
    errors=(429, 503),
)
async def sync_commands(request: web.Request) -> web.StreamResponse:
    batch = await body(request, SyncBatch)
    user = principal_of(request).user_id
    try:
        results = await request.app[COMMAND_GATEWAY].send_batch(
            batch.commands, issuer=user, device_id=device_of(request)
        )
    except BatchTooLarge as exc:
        raise Problem(
            422,
            "validation",
            str(exc),
            errors=[
                {"loc": ["body", "commands"], "msg": f"at most {MAX_BATCH}", "type": "too_long"}
            ],
        ) from exc
    except TooManyWrites as exc:
        raise too_many_writes(exc) from None
    return web.json_response({"results": results})


async def _readable(request: web.Request, scope: str) -> None:
    if not await can_read(principal_of(request).user_id, scope):
        raise Problem(404, "not_found", "no such scope")


@ROUTES.route(
    "GET",
    "/v1/sync/changes",
    "A scope's events after a `seq`, in order with no gaps; `wait` long-polls",
    "sync",
    query=ChangesQuery,
    response=ChangesPage,
    errors=(404,),
)
async def sync_changes(request: web.Request) -> web.StreamResponse:
    q = query(request, ChangesQuery)
    await _readable(request, q.scope)
    events = await changes(q.scope, q.after, q.limit)
    if not events and q.wait > 0:
        events = await _wait_for_changes(request, q)
    head = (await heads([q.scope]))[q.scope]
    next_after = events[-1]["seq"] if events else q.after
    return web.json_response(
        {"scope": q.scope, "events": events, "head": head, "next_after": next_after}
    )


async def _wait_for_changes(request: web.Request, q: ChangesQuery) -> list[dict[str, Any]]:
    """Follow the scope's subject, then look again (so nothing committed in between is
    missed), then wait for a message or the deadline, and read what is there."""
    arrived = asyncio.Event()

    async def wake(_msg: Any) -> None:
        arrived.set()

    subscription = await resources_of(request).nc.subscribe(scope_events(q.scope), cb=wake)
    try:
        events = await changes(q.scope, q.after, q.limit)
        if events:
            return events
        try:
            await asyncio.wait_for(arrived.wait(), q.wait)
        except TimeoutError:
            return []
        await _readable(request, q.scope)  # still a member after the wait?
        return await changes(q.scope, q.after, q.limit)
    finally:
        await subscription.unsubscribe()


@ROUTES.route(
    "GET",
    "/v1/sync/heads",
    "The last `seq` of every scope you can read (which ones are stale on a device)",
    "sync",
    response=Heads,
)
async def sync_heads(request: web.Request) -> web.StreamResponse:
    scopes = await readable_scopes(principal_of(request).user_id)
    return web.json_response({"scopes": await heads(scopes)})


@ROUTES.route(
    "GET",
    "/v1/sync/snapshot",
    "A scope's full current state and the `seq` it corresponds to",
    "sync",
    query=ScopeQuery,
    response=Snapshot,
    errors=(404, 422),
)
async def sync_snapshot(request: web.Request) -> web.StreamResponse:
    q = query(request, ScopeQuery)
    await _readable(request, q.scope)
    try:
        return web.json_response(await snapshot(q.scope))
    except SnapshotTooLarge as exc:
        raise Problem(422, "too_many", str(exc)) from exc
