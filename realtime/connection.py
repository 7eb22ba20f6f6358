"""A socket's session: auth on connect, its own and its groups' rooms, ``auth.refresh``, and the
close that comes when its token expires or its sign-in session is revoked."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import socketio
import structlog
from pymongo.errors import PyMongoError

from bus.ids import personal_scopes
from bus.settings import Settings
from realtime.auth import SocketIdentity, Unauthorized, authenticate, device_from, token_from
from realtime.background import Background
from realtime.catchup import Resumer
from realtime.expiry import ExpiryTimers
from realtime.group_rooms import GroupRooms
from realtime.interest import InterestRegistry
from realtime.outages import BUS_UNAVAILABLE, SIGN_IN_UNAVAILABLE, BusDown
from realtime.resume import Gates
from realtime.rooms import scope_room
from realtime.sessions import Sessions

log = structlog.get_logger(__name__)


def refusal(code: str, message: str) -> socketio.exceptions.ConnectionRefusedError:
    """A connect refusal: the client's ``connect_error`` gets ``{message, data: {code, message}}``."""
    return socketio.exceptions.ConnectionRefusedError(message, {"code": code, "message": message})


def failure(code: str, message: str) -> dict[str, Any]:
    """The ack of an ``auth.refresh`` that did not succeed."""
    return {"ok": False, "code": code, "message": message}


class Connections:
    """Admits, refreshes and closes the sockets of one node (``running`` only between the
    node's start and its shutdown)."""

    def __init__(
        self,
        settings: Settings,
        sio: socketio.AsyncServer,
        sessions: Sessions,
        interest: InterestRegistry,
        gates: Gates,
        rooms: GroupRooms,
        resumer: Resumer,
        background: Background,
    ) -> None:
        self._settings = settings
        self._sio = sio
        self._sessions = sessions
        self._interest = interest
        self._gates = gates
        self._rooms = rooms
        self._resumer = resumer
        self._background = background
        self.expiry = ExpiryTimers(self._expire)
        self.running = False

    async def on_connect(self, sid: str, _environ: dict[str, Any], auth: object = None) -> bool:
        """Check the token, follow the person's scopes, enter their rooms; refuse on failure."""
        if not self.running:
            raise refusal("unavailable", "the realtime server is not running; retry later")
        try:
            claims = await authenticate(token_from(auth), self._settings)
        except Unauthorized as exc:
            log.info("socket_refused", sid=sid, reason=str(exc))
            raise refusal("unauthorized", str(exc)) from None
        except PyMongoError as exc:
            log.warning("socket_refused_unavailable", sid=sid, error=str(exc)[:200])
            raise refusal("unavailable", SIGN_IN_UNAVAILABLE) from None
        identity = SocketIdentity(
            claims.user_id, claims.session_id, claims.expires_at, device_from(auth, sid)
        )
        holds = isinstance(auth, dict) and auth.get("resume") is True
        if holds:
            # It will send sync.resume: hold its live events from now on (realtime.resume).
            self._sessions.hold(sid)
            for scope in personal_scopes(identity.user_id):
                self._gates.open(scope, sid)
        followed: list[str] = []
        try:
            for scope in personal_scopes(identity.user_id):
                await self._interest.acquire(scope)
                followed.append(scope)
        except BusDown as exc:
            for scope in followed:
                await self._interest.release(scope)
            self._gates.forget(sid)
            self._sessions.stop_holding(sid)
            log.warning("socket_refused_unavailable", sid=sid, error=str(exc)[:200])
            raise refusal("unavailable", BUS_UNAVAILABLE) from None
        self._sessions.open(sid, identity.user_id)
        await self._sio.save_session(sid, identity.as_session())
        for scope in personal_scopes(identity.user_id):
            await self._sio.enter_room(sid, scope_room(scope))
        try:
            await self._rooms.follow_groups(sid, identity.user_id)
        except PyMongoError as exc:
            await self.forget(sid)
            log.warning("socket_refused_unavailable", sid=sid, error=str(exc)[:200])
            raise refusal("unavailable", SIGN_IN_UNAVAILABLE) from None
        self.expiry.schedule(sid, identity.expires_at)
        if holds:
            self._background.spawn(self._resumer.release_later(sid))
        if not self._sessions.transport_open(sid):  # the client left while it was being checked
            await self.forget(sid)
            return False
        log.info(
            "socket_connected", sid=sid, user_id=identity.user_id, device_id=identity.device_id
        )
        return True

    async def on_disconnect(self, sid: str, reason: object = None) -> None:
        user_id = await self.forget(sid)
        if user_id is not None:
            log.info("socket_disconnected", sid=sid, user_id=user_id, reason=str(reason))

    async def forget(self, sid: str) -> str | None:
        """Drop everything this node keeps for ``sid``; its user id if it had connected."""
        self.expiry.cancel(sid)
        self._gates.forget(sid)
        user_id, groups = self._sessions.close(sid)
        await self._rooms.release(groups)
        if user_id is not None:
            for scope in personal_scopes(user_id):
                await self._interest.release(scope)
        return user_id

    async def on_refresh(self, sid: str, data: object = None, *_extra: object) -> dict[str, Any]:
        """``emit("auth.refresh", {token}, ack)``: a new token for the same account moves the
        socket's deadline; the ack says ``{ok, expires_at}`` or ``{ok: false, code, message}``."""
        identity = await self._sessions.identity(sid)
        if identity is None:
            return failure("unauthorized", "this socket is not signed in")
        try:
            claims = await authenticate(token_from(data), self._settings)
        except Unauthorized as exc:
            log.info("socket_refresh_refused", user_id=identity.user_id, reason=str(exc))
            return failure("unauthorized", str(exc))
        except PyMongoError:
            return failure("unavailable", SIGN_IN_UNAVAILABLE)
        if claims.user_id != identity.user_id:
            return failure("unauthorized", "the new token belongs to another account")
        refreshed = replace(identity, session_id=claims.session_id, expires_at=claims.expires_at)
        await self._sio.save_session(sid, refreshed.as_session())
        self.expiry.schedule(sid, refreshed.expires_at)
        log.info("socket_refreshed", user_id=identity.user_id, expires_at=refreshed.expires_at)
        return {"ok": True, "expires_at": int(refreshed.expires_at)}

    async def _expire(self, sid: str) -> None:
        identity = await self._sessions.identity(sid)
        if identity is None or identity.expires_at > time.time():
            return
        message = "the access token has expired; reconnect with a new one"
        await self._sio.emit("auth.expired", {"code": "token_expired", "message": message}, to=sid)
        log.info("socket_token_expired", sid=sid, user_id=identity.user_id)
        await self._sio.disconnect(sid)

    def session_revoked(self, user_id: str, session_id: str) -> None:
        """Close the sockets of a revoked sign-in session. Runs inside the NATS callback, which
        must not await the unsubscribe a disconnect causes: the closing is a task of its own."""
        self._background.spawn(self._close_session(user_id, session_id))

    async def _close_session(self, user_id: str, session_id: str) -> None:
        for sid in self._sessions.sockets_of(user_id):
            identity = await self._sessions.identity(sid)
            if identity is not None and identity.session_id == session_id:
                log.info("socket_session_revoked", sid=sid, user_id=user_id)
                await self._sio.disconnect(sid)
