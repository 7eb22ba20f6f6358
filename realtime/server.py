"""The Socket.IO server on the web process's aiohttp app: auth, rooms, commands and fan-out.

``attach_realtime`` mounts python-socketio at ``/socket.io`` on the same app (and port) as the
HTTP edge. Connections are used only between the app's startup and cleanup.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from typing import Annotated, Any, Protocol

import socketio
import structlog
from aiohttp import web
from nats.aio.client import Client as NATS
from nats.errors import Error as NatsError
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pymongo.errors import PyMongoError

from bus.client import CommandSender
from bus.client_commands import Rejection, field_errors, parse_command
from bus.ids import group_scope, user_scope
from bus.limits import MAX_SEQ
from bus.ratelimit import RateLimiter
from bus.settings import Settings
from bus.sync import BatchTooLarge, apply_batch, check_batch_size
from http_edge.cors import allowed_origins, socket_origin_check
from realtime.auth import SocketIdentity, Unauthorized, authenticate, device_from, token_from
from realtime.expiry import ExpiryTimers
from realtime.fanout import EventFanOut
from realtime.interest import InterestRegistry
from realtime.resume import catch_up, release
from realtime.rooms import scope_room, user_room
from storage.group_reads import group_ids_of
from storage.outcomes import stored_outcomes
from storage.sync_reads import changes, heads

log = structlog.get_logger(__name__)

NAMESPACE = "/"
SOCKETIO_PATH = "socket.io"
BusDown = (NatsError, TimeoutError, ConnectionError)
SIGN_IN_UNAVAILABLE = "sign-in cannot be checked right now; retry later"
BUS_UNAVAILABLE = "the message bus is unavailable; retry later"


class RealtimeResources(Protocol):
    """The connections realtime needs; usable only once the app has started."""

    @property
    def nc(self) -> NATS: ...

    @property
    def sender(self) -> CommandSender: ...


def refusal(code: str, message: str) -> socketio.exceptions.ConnectionRefusedError:
    """A connect refusal: the client's ``connect_error`` gets ``{message, data: {code, message}}``."""
    return socketio.exceptions.ConnectionRefusedError(message, {"code": code, "message": message})


def failure(code: str, message: str) -> dict[str, Any]:
    """The ack of an ``auth.refresh`` that did not succeed."""
    return {"ok": False, "code": code, "message": message}


RESUME_HOLD_S = 30.0
"""How long a socket that connected with ``resume: true`` has to send ``sync.resume``."""


class _Gone(Exception):
    """The socket left during its catch-up."""


class ResumeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scopes: dict[str, Annotated[int, Field(ge=0, le=MAX_SEQ)]] = Field(max_length=200)


class RealtimeServer:
    """One node's Socket.IO server; see DESIGN.md (Socket.IO) for what clients can rely on."""

    def __init__(
        self, settings: Settings, resources: RealtimeResources, limiter: RateLimiter | None = None
    ) -> None:
        self._settings = settings
        self._limiter = limiter or RateLimiter(settings.writes_per_user_s, settings.writes_burst)
        self._resources = resources
        # Browsers on other origins only from the allow-list (engine.io refuses the rest with
        # 400); tokens travel in `auth`, never in cookies, so no credentials cross origins.
        self.sio = socketio.AsyncServer(
            async_mode="aiohttp",
            cors_allowed_origins=socket_origin_check(allowed_origins(settings.cors_origins)),
            cors_credentials=False,
            logger=False,
            engineio_logger=False,
        )
        self._fanout = EventFanOut(self.sio, self._session_revoked, self._follow_membership)
        self.interest = InterestRegistry(self._fanout.deliver)
        self._expiry = ExpiryTimers(self._expire)
        self._sockets: dict[str, str] = {}  # sid -> user id, for sockets fully connected here
        self._groups: dict[str, set[str]] = {}  # sid -> the groups whose rooms it is in
        self._holding: set[str] = set()  # sockets that connected to resume (auth.resume)
        self._resuming: dict[str, asyncio.Lock] = {}  # one resume at a time per socket
        self._tasks: set[asyncio.Task[None]] = set()
        self._running = False
        self.sio.on("connect", self._on_connect)
        self.sio.on("disconnect", self._on_disconnect)
        self.sio.on("command", self._on_command)
        self.sio.on("auth.refresh", self._on_refresh)
        self.sio.on("sync.commands", self._on_sync_commands)
        self.sio.on("sync.resume", self._on_sync_resume)

    def attach(self, app: web.Application) -> None:
        """Mount on ``app`` and tie start/stop to its lifecycle."""
        self.sio.attach(app, socketio_path=SOCKETIO_PATH)
        app.cleanup_ctx.append(self._lifecycle)
        app.on_shutdown.append(self._on_shutdown)

    async def start(self) -> None:
        """Begin accepting sockets (the resources are connected by now)."""
        self.interest.bind(self._resources.nc)
        self._running = True
        log.info("realtime_started")

    async def stop(self) -> None:
        """Close every socket, timer and subscription (before the NATS connection drains)."""
        self._running = False
        await self.disconnect_all()
        await self._expiry.close()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.interest.close()
        log.info("realtime_stopped")

    async def disconnect_all(self) -> None:
        """Disconnect every socket of this node (at shutdown, so their handlers can finish)."""
        for sid in list(self._sockets):
            await self.sio.disconnect(sid)

    async def _lifecycle(self, _app: web.Application) -> AsyncIterator[None]:
        await self.start()
        yield
        await self.stop()

    async def _on_shutdown(self, _app: web.Application) -> None:
        self._running = False
        await self.disconnect_all()

    # ---- connection --------------------------------------------------------------------

    async def _on_connect(self, sid: str, _environ: dict[str, Any], auth: object = None) -> bool:
        if not self._running:
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
            self._holding.add(sid)
            self._fanout.gates.open(user_scope(identity.user_id), sid)
        try:
            await self.interest.acquire(user_scope(identity.user_id))
        except BusDown as exc:
            self._fanout.gates.forget(sid)
            self._holding.discard(sid)
            log.warning("socket_refused_unavailable", sid=sid, error=str(exc)[:200])
            raise refusal("unavailable", BUS_UNAVAILABLE) from None
        self._sockets[sid] = identity.user_id
        self._groups[sid] = set()
        await self.sio.save_session(sid, identity.as_session())
        await self.sio.enter_room(sid, user_room(identity.user_id))
        try:
            await self._follow_groups(sid, identity.user_id)
        except PyMongoError as exc:
            await self._forget(sid)
            log.warning("socket_refused_unavailable", sid=sid, error=str(exc)[:200])
            raise refusal("unavailable", SIGN_IN_UNAVAILABLE) from None
        self._expiry.schedule(sid, identity.expires_at)
        if holds:
            task = asyncio.create_task(self._release_later(sid))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        if not self._transport_open(sid):  # the client left while it was being checked
            await self._forget(sid)
            return False
        log.info(
            "socket_connected", sid=sid, user_id=identity.user_id, device_id=identity.device_id
        )
        return True

    async def _on_disconnect(self, sid: str, reason: object = None) -> None:
        user_id = await self._forget(sid)
        if user_id is not None:
            log.info("socket_disconnected", sid=sid, user_id=user_id, reason=str(reason))

    async def _forget(self, sid: str) -> str | None:
        self._expiry.cancel(sid)
        self._fanout.gates.forget(sid)
        self._holding.discard(sid)
        self._resuming.pop(sid, None)
        user_id = self._sockets.pop(sid, None)
        for group_id in self._groups.pop(sid, set()):
            await self.interest.release(group_scope(group_id))
        if user_id is not None:
            await self.interest.release(user_scope(user_id))
        return user_id

    # ---- group rooms -----------------------------------------------------------------------

    async def _follow_groups(self, sid: str, user_id: str) -> None:
        """Enter the rooms of the person's groups. Their own scope is followed first, so a
        change during this is either in what is read or arrives as an event; a second read
        then drops a group left meanwhile (its event may have come before the room was
        entered)."""
        for group_id in await group_ids_of(user_id):
            await self._enter_group(sid, group_id)
        still = set(await group_ids_of(user_id))
        for group_id in set(self._groups.get(sid, set())) - still:
            await self._leave_group(sid, group_id)

    async def _enter_group(self, sid: str, group_id: str) -> None:
        groups = self._groups.get(sid)
        if groups is None or group_id in groups:
            return
        if sid in self._holding:
            self._fanout.gates.open(group_scope(group_id), sid)
        try:
            await self.interest.acquire(group_scope(group_id))
        except BusDown as exc:  # the socket still gets its own scope's events
            log.warning("group_follow_failed", sid=sid, group_id=group_id, error=str(exc)[:200])
            return
        if sid not in self._groups:  # disconnected meanwhile
            await self.interest.release(group_scope(group_id))
            return
        groups.add(group_id)
        await self.sio.enter_room(sid, scope_room(group_scope(group_id)))

    async def _leave_group(self, sid: str, group_id: str) -> None:
        groups = self._groups.get(sid)
        if groups is None or group_id not in groups:
            return
        groups.discard(group_id)
        self._fanout.gates.drop(group_scope(group_id), sid)  # nothing held of it is sent now
        await self.sio.leave_room(sid, scope_room(group_scope(group_id)))
        await self.interest.release(group_scope(group_id))

    async def _follow_membership(self, user_id: str, group_id: str, joined: bool) -> None:
        """Every socket of ``user_id`` on this node joins (or leaves, at once) the group's room."""
        for sid, _eio_sid in list(self.sio.manager.get_participants(NAMESPACE, user_room(user_id))):
            if joined:
                await self._enter_group(sid, group_id)
            else:
                await self._leave_group(sid, group_id)
        log.info("socket_groups_followed", user_id=user_id, group_id=group_id, joined=joined)

    def _transport_open(self, sid: str) -> bool:
        eio_sid = self.sio.manager.eio_sid_from_sid(sid, NAMESPACE)
        transport = self.sio.eio.sockets.get(eio_sid) if eio_sid is not None else None
        return transport is not None and not transport.closed

    async def _identity(self, sid: str) -> SocketIdentity | None:
        if sid not in self._sockets:
            return None
        try:
            return SocketIdentity.from_session(await self.sio.get_session(sid))
        except KeyError:
            return None

    # ---- token expiry and revocation ----------------------------------------------------

    async def _on_refresh(self, sid: str, data: object = None, *_extra: object) -> dict[str, Any]:
        identity = await self._identity(sid)
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
        await self.sio.save_session(sid, refreshed.as_session())
        self._expiry.schedule(sid, refreshed.expires_at)
        log.info("socket_refreshed", user_id=identity.user_id, expires_at=refreshed.expires_at)
        return {"ok": True, "expires_at": int(refreshed.expires_at)}

    async def _expire(self, sid: str) -> None:
        identity = await self._identity(sid)
        if identity is None or identity.expires_at > time.time():
            return
        message = "the access token has expired; reconnect with a new one"
        await self.sio.emit("auth.expired", {"code": "token_expired", "message": message}, to=sid)
        log.info("socket_token_expired", sid=sid, user_id=identity.user_id)
        await self.sio.disconnect(sid)

    def _session_revoked(self, user_id: str, session_id: str) -> None:
        # Runs inside the NATS callback, which must not await the unsubscribe a disconnect causes.
        task = asyncio.create_task(self._close_session(user_id, session_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _close_session(self, user_id: str, session_id: str) -> None:
        for sid, _eio_sid in list(self.sio.manager.get_participants(NAMESPACE, user_room(user_id))):
            identity = await self._identity(sid)
            if identity is not None and identity.session_id == session_id:
                log.info("socket_session_revoked", sid=sid, user_id=user_id)
                await self.sio.disconnect(sid)

    # ---- commands ------------------------------------------------------------------------

    async def _on_command(self, sid: str, data: object = None, *extra: object) -> dict[str, Any]:
        identity = await self._identity(sid)
        if identity is None or identity.expires_at <= time.time():
            return Rejection("this socket is not signed in", code="unauthorized").ack()
        if extra:
            return Rejection("send the command as one object").ack()
        wait = self._limiter.take(identity.user_id)
        if wait > 0:
            return Rejection(
                f"too many changes too fast; retry in {wait:.1f}s", code="too_many_writes"
            ).ack()
        parsed = parse_command(data, issuer=identity.user_id, device_id=identity.device_id)
        if isinstance(parsed, Rejection):
            log.info("socket_command_invalid", user_id=identity.user_id, reason=parsed.message)
            return parsed.ack()
        sender, command = self._resources.sender, parsed
        with structlog.contextvars.bound_contextvars(
            user_id=identity.user_id, command_id=command.command_id, command_type=command.type
        ):
            try:
                outcome = await sender.send(command, self._settings.outcome_wait_s)
            except (*BusDown, PyMongoError) as exc:
                log.warning("socket_command_unavailable", error=str(exc)[:200])
                return Rejection(BUS_UNAVAILABLE, code="unavailable").ack()
            if outcome is None:
                log.info("socket_command_pending")
                return {"status": "pending", "command_id": command.command_id}
            log.info("socket_command_done", status=outcome.status)
            return outcome.model_dump(mode="json")

    async def _on_sync_commands(
        self, sid: str, data: object = None, *extra: object
    ) -> dict[str, Any]:
        """``emit("sync.commands", [...], ack)``: a batch of offline commands, as
        ``POST /v1/sync/commands`` (one result each, in order)."""
        identity = await self._identity(sid)
        if identity is None or identity.expires_at <= time.time():
            return Rejection("this socket is not signed in", code="unauthorized").ack()
        if extra or not isinstance(data, list):
            return Rejection("send the commands as one list").ack()
        try:
            check_batch_size(data)
        except BatchTooLarge as exc:
            return Rejection(str(exc)).ack()
        wait = self._limiter.take(identity.user_id, cost=max(1, len(data)))
        if wait > 0:
            return Rejection(
                f"too many changes too fast; retry in {wait:.1f}s", code="too_many_writes"
            ).ack()
        try:
            results = await apply_batch(
                data,
                issuer=identity.user_id,
                device_id=identity.device_id,
                sender=self._resources.sender,
                prior=stored_outcomes,
                wait_s=self._settings.outcome_wait_s,
            )
        except (*BusDown, PyMongoError) as exc:
            log.warning("socket_sync_unavailable", error=str(exc)[:200])
            return Rejection(BUS_UNAVAILABLE, code="unavailable").ack()
        return {"status": "done", "results": results}

    def _sender(self, sid: str) -> Callable[[dict[str, Any]], Awaitable[None]]:
        """Send events to one socket; :class:`_Gone` once it has left."""

        async def send(event: dict[str, Any]) -> None:
            if sid not in self._sockets:
                raise _Gone
            await self.sio.emit(event["type"], event, to=sid)

        return send

    async def _resume(
        self, sid: str, scopes: dict[str, int]
    ) -> tuple[dict[str, int], dict[str, str]]:
        done: dict[str, int] = {}
        errors: dict[str, str] = {}
        user_id = self._sockets.get(sid)
        if user_id is None:
            raise _Gone
        for scope, after in scopes.items():
            if sid not in self._sockets:
                raise _Gone
            # Asked again per scope: a group left during an earlier scope's catch-up is not
            # caught up on.
            if scope not in {user_scope(user_id), *map(group_scope, self._groups.get(sid, ()))}:
                errors[scope] = "not a scope this socket follows"
                continue
            gate = self._fanout.gates.open(scope, sid)
            # A device ahead of the log (a reset server, a bad client) starts from the head:
            # otherwise the gate's floor would hold back live events it never had.
            start = min(after, (await heads([scope]))[scope])
            done[scope] = await catch_up(gate, scope, start, changes, self._sender(sid))
        await self._release_held(sid)
        return done, errors

    async def _release_held(self, sid: str) -> None:
        """Hand every scope still held for ``sid`` to the live stream (what was held first)."""
        self._holding.discard(sid)
        for scope, gate in self._fanout.gates.holding(sid):
            try:
                await release(gate, scope, changes, self._sender(sid))
            except PyMongoError:
                gate.buffer.clear()  # the log is unreachable: live from here on
                gate.catching_up = False

    async def _release_later(self, sid: str) -> None:
        """A socket that connected to resume and has not asked within ``RESUME_HOLD_S`` gets
        what was held, then live events (its held events do not pile up forever)."""
        await asyncio.sleep(RESUME_HOLD_S)
        if sid in self._holding and sid in self._sockets:
            lock = self._resuming.setdefault(sid, asyncio.Lock())
            if not lock.locked():
                async with lock:
                    with contextlib.suppress(_Gone):
                        await self._release_held(sid)

    async def _on_sync_resume(
        self, sid: str, data: object = None, *extra: object
    ) -> dict[str, Any]:
        """``emit("sync.resume", {scopes: {scope: seq}}, ack)``: every event of those scopes
        after each `seq`, then the live ones, with no gap or duplicate between (see
        ``realtime.resume``). The ack comes once the catch-up is sent: ``{status, scopes:
        {scope: last seq sent}, errors: {scope: why}}``."""
        identity = await self._identity(sid)
        if identity is None or identity.expires_at <= time.time():
            return Rejection("this socket is not signed in", code="unauthorized").ack()
        try:
            request = ResumeRequest.model_validate(data)
        except ValidationError as exc:
            return Rejection("send {scopes: {scope: seq}}", field_errors(exc)).ack()
        if extra:
            return Rejection("send the scopes as one object").ack()
        lock = self._resuming.setdefault(sid, asyncio.Lock())
        if lock.locked():
            return Rejection("a resume of this socket is under way", code="conflict").ack()
        async with lock:
            try:
                done, errors = await self._resume(sid, request.scopes)
            except _Gone:
                self._fanout.gates.forget(sid)  # anything opened after it left
                return {"status": "gone"}
            except PyMongoError as exc:
                log.warning("socket_resume_unavailable", error=str(exc)[:200])
                await self._release_held(sid)
                return Rejection(SIGN_IN_UNAVAILABLE, code="unavailable").ack()
        log.info("socket_resumed", sid=sid, user_id=identity.user_id, scopes=done)
        return {"status": "done", "scopes": done, "errors": errors}


REALTIME_KEY = web.AppKey("realtime", RealtimeServer)


def attach_realtime(
    app: web.Application,
    settings: Settings,
    resources: RealtimeResources,
    limiter: RateLimiter | None = None,
) -> RealtimeServer:
    """Mount the Socket.IO server at ``/socket.io`` on ``app``; it starts and stops with the app.
    ``limiter``: the node's write limiter, when HTTP writes share it (one allowance per person)."""
    server = RealtimeServer(settings, resources, limiter)
    server.attach(app)
    app[REALTIME_KEY] = server
    return server
