"""The devices signed in to the caller's account: listing them, signing one out, and signing
out every one but this."""

from __future__ import annotations

import re

from aiohttp import web
from pydantic import BaseModel, Field

from bus.account_commands import EndOtherSessions, RevokeSession
from bus.entities import DeviceSession
from bus.envelopes import utcnow
from http_edge.account_steps import applied
from http_edge.api import Api
from http_edge.context import principal_of, session_gate_of
from http_edge.openapi_parts import SESSION_ID_PATTERN
from http_edge.problems import Problem
from storage.accounts import SessionDoc, live_sessions_of

ROUTES = Api()

MAX_LISTED = 100
"""Devices listed at most (a person has a handful; the most recently used come first)."""


class DeviceSessionList(BaseModel):
    items: list[DeviceSession] = Field(max_length=MAX_LISTED)


class SessionsEnded(BaseModel):
    sessions_ended: int = Field(ge=0, description="How many devices were signed out.")


def _shown(doc: SessionDoc, current: str) -> DeviceSession:
    return DeviceSession(
        id=doc.id,
        device_id=doc.device_id,
        created_at=doc.created_at,
        refreshed_at=doc.refreshed_at,
        expires_at=doc.expires_at,
        current=doc.id == current,
    )


@ROUTES.route(
    "GET",
    "/v1/me/sessions",
    "The devices signed in to your account",
    "auth",
    response=DeviceSessionList,
    description=f"Live sign-ins only, the most recently used first, at most {MAX_LISTED}; "
    "`current` marks the one this request came from.",
)
async def list_sessions(request: web.Request) -> web.StreamResponse:
    principal = principal_of(request)
    docs = await live_sessions_of(principal.user_id, MAX_LISTED)
    items = [_shown(d, principal.session_id).model_dump(mode="json") for d in docs]
    return web.json_response({"items": items})


@ROUTES.route(
    "DELETE",
    "/v1/me/sessions/{session_id}",
    "Sign one of your devices out (its sockets close, its tokens stop working)",
    "auth",
    status=204,
    errors=(404, 503),
    description="404 for a session that is not one of yours. Signing out one that has already "
    "ended is done already (204).",
)
async def end_session(request: web.Request) -> web.StreamResponse:
    principal = principal_of(request)
    session_id = request.match_info["session_id"]
    if re.fullmatch(SESSION_ID_PATTERN, session_id) is None:
        raise Problem(404, "not_found", "no such session")
    payload = RevokeSession(session_id=session_id, reason="logout")
    await applied(request, payload, principal.user_id, f"sign-out:{session_id}")
    session_gate_of(request).forget(session_id)
    return web.Response(status=204)


@ROUTES.route(
    "POST",
    "/v1/me/sessions/end-others",
    "Sign out every device but this one",
    "auth",
    response=SessionsEnded,
    errors=(503,),
    description="Each other device's sockets close and its tokens stop working; when any was "
    "signed out, a security notice says so (in the inbox, and by mail).",
)
async def end_other_sessions(request: web.Request) -> web.StreamResponse:
    principal = principal_of(request)
    payload = EndOtherSessions(keep_session_id=principal.session_id)
    key = f"end-others:{principal.session_id}:{utcnow().isoformat()}"
    outcome = await applied(request, payload, principal.user_id, key)
    ended = (outcome.entity or {}).get("sessions_ended", 0)
    return web.json_response({"sessions_ended": ended})
