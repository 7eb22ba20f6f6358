"""``sync.resume``: a reconnected socket gets every event it missed, then the live ones, with no
gap or duplicate between (the gates and catch-up of :mod:`realtime.resume` do the ordering)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import socketio
import structlog
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pymongo.errors import PyMongoError

from bus.client_commands import Rejection, field_errors
from bus.ids import group_scope, personal_scopes
from bus.limits import MAX_SEQ
from realtime.auth import SocketIdentity
from realtime.metrics import RESUMES
from realtime.outages import SIGN_IN_UNAVAILABLE
from realtime.resume import Gates, catch_up, release
from realtime.sessions import Sessions
from storage.sync_reads import changes, heads

log = structlog.get_logger(__name__)

RESUME_HOLD_S = 30.0
"""How long a socket that connected with ``resume: true`` has to send ``sync.resume``."""


class _Gone(Exception):
    """The socket left during its catch-up."""


class ResumeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scopes: dict[str, Annotated[int, Field(ge=0, le=MAX_SEQ)]] = Field(max_length=200)


class Resumer:
    """Answers ``sync.resume`` and hands held events to the live stream."""

    def __init__(self, sio: socketio.AsyncServer, sessions: Sessions, gates: Gates) -> None:
        self._sio = sio
        self._sessions = sessions
        self._gates = gates

    async def on_sync_resume(
        self, sid: str, identity: SocketIdentity, data: object, extra: tuple[object, ...]
    ) -> dict[str, Any]:
        """``emit("sync.resume", {scopes: {scope: seq}}, ack)``: every event of those scopes
        after each `seq`, then the live ones, with no gap or duplicate between (see
        ``realtime.resume``). The ack comes once the catch-up is sent: ``{status, scopes:
        {scope: last seq sent}, errors: {scope: why}}``."""
        try:
            request = ResumeRequest.model_validate(data)
        except ValidationError as exc:
            return Rejection("send {scopes: {scope: seq}}", field_errors(exc)).ack()
        if extra:
            return Rejection("send the scopes as one object").ack()
        lock = self._sessions.resume_lock(sid)
        if lock.locked():
            return Rejection("a resume of this socket is under way", code="conflict").ack()
        async with lock:
            try:
                done, errors = await self._resume(sid, request.scopes)
            except _Gone:
                self._gates.forget(sid)  # anything opened after it left
                return {"status": "gone"}
            except PyMongoError as exc:
                log.warning("socket_resume_unavailable", error=str(exc)[:200])
                await self.release_held(sid)
                return Rejection(SIGN_IN_UNAVAILABLE, code="unavailable").ack()
        RESUMES.inc()
        log.info("socket_resumed", sid=sid, user_id=identity.user_id, scopes=done)
        return {"status": "done", "scopes": done, "errors": errors}

    async def release_held(self, sid: str) -> None:
        """Hand every scope still held for ``sid`` to the live stream (what was held first)."""
        self._sessions.stop_holding(sid)
        for scope, gate in self._gates.holding(sid):
            try:
                await release(gate, scope, changes, self._emitter(sid))
            except PyMongoError:
                gate.buffer.clear()  # the log is unreachable: live from here on
                gate.catching_up = False

    async def release_later(self, sid: str) -> None:
        """A socket that connected to resume and has not asked within ``RESUME_HOLD_S`` gets
        what was held, then live events (its held events do not pile up forever)."""
        await asyncio.sleep(RESUME_HOLD_S)
        if self._sessions.holds(sid) and self._sessions.connected(sid):
            lock = self._sessions.resume_lock(sid)
            if not lock.locked():
                async with lock:
                    with contextlib.suppress(_Gone):
                        await self.release_held(sid)

    async def _resume(
        self, sid: str, scopes: dict[str, int]
    ) -> tuple[dict[str, int], dict[str, str]]:
        done: dict[str, int] = {}
        errors: dict[str, str] = {}
        user_id = self._sessions.user_of(sid)
        if user_id is None:
            raise _Gone
        for scope, after in scopes.items():
            if not self._sessions.connected(sid):
                raise _Gone
            # Asked again per scope: a group left during an earlier scope's catch-up is not
            # caught up on.
            followed = map(group_scope, self._sessions.groups_of(sid) or ())
            if scope not in {*personal_scopes(user_id), *followed}:
                errors[scope] = "not a scope this socket follows"
                continue
            gate = self._gates.open(scope, sid)
            # A device ahead of the log (a reset server, a bad client) starts from the head:
            # otherwise the gate's floor would hold back live events it never had.
            start = min(after, (await heads([scope]))[scope])
            done[scope] = await catch_up(gate, scope, start, changes, self._emitter(sid))
        await self.release_held(sid)
        return done, errors

    def _emitter(self, sid: str) -> Callable[[dict[str, Any]], Awaitable[None]]:
        """Send events to one socket; :class:`_Gone` once it has left."""

        async def send(event: dict[str, Any]) -> None:
            if not self._sessions.connected(sid):
                raise _Gone
            await self._sio.emit(event["type"], event, to=sid)

        return send
