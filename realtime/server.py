"""The Socket.IO server on the web process's aiohttp app: a composition of realtime's parts.

``attach_realtime`` mounts python-socketio at ``/socket.io`` on the same app (and port) as the
HTTP edge. Connections are used only between the app's startup and cleanup. The parts: who each
socket is (``sessions``), connect, refresh and close (``connection``), group rooms
(``group_rooms``), writes (``commands``, through the shared ``bus.gateway``), catch-up after a
reconnect (``catchup``), and events out to rooms (``fanout``, ``interest``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

import socketio
import structlog
from aiohttp import web
from nats.aio.client import Client as NATS

from bus.client import CommandSender
from bus.gateway import CommandGateway
from bus.origins import allowed_origins
from bus.ratelimit import RateLimiter
from bus.settings import Settings
from realtime.background import Background
from realtime.catchup import Resumer
from realtime.commands import SocketCommands
from realtime.connection import Connections
from realtime.fanout import EventFanOut
from realtime.group_rooms import GroupRooms
from realtime.interest import InterestRegistry
from realtime.metrics import COLLECTOR
from realtime.origins import socket_origin_check
from realtime.sessions import Sessions
from storage.outcomes import stored_outcomes

log = structlog.get_logger(__name__)

SOCKETIO_PATH = "socket.io"


class RealtimeResources(Protocol):
    """The connections realtime needs; usable only once the app has started."""

    @property
    def nc(self) -> NATS: ...

    @property
    def sender(self) -> CommandSender: ...


class RealtimeServer:
    """One node's Socket.IO server; see DESIGN.md (Socket.IO) for what clients can rely on."""

    def __init__(
        self, settings: Settings, resources: RealtimeResources, limiter: RateLimiter | None = None
    ) -> None:
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
        limiter = limiter or RateLimiter(settings.writes_per_user_s, settings.writes_burst)
        gateway = CommandGateway(resources, limiter, stored_outcomes, settings.outcome_wait_s)
        self._sessions = Sessions(self.sio)
        self._background = Background()
        self._fanout = EventFanOut(self.sio, self._session_revoked, self._follow_membership)
        self.interest = InterestRegistry(self._fanout.deliver)
        gates = self._fanout.gates
        self._rooms = GroupRooms(self.sio, self._sessions, self.interest, gates)
        resumer = Resumer(self.sio, self._sessions, gates)
        self._connections = Connections(
            settings,
            self.sio,
            self._sessions,
            self.interest,
            gates,
            self._rooms,
            resumer,
            self._background,
        )
        commands = SocketCommands(gateway)
        signed_in_only = self._sessions.signed_in_only
        self.sio.on("connect", self._connections.on_connect)
        self.sio.on("disconnect", self._connections.on_disconnect)
        self.sio.on("command", signed_in_only(commands.on_command))
        self.sio.on("auth.refresh", self._connections.on_refresh)
        self.sio.on("sync.commands", signed_in_only(commands.on_sync_commands))
        self.sio.on("sync.resume", signed_in_only(resumer.on_sync_resume))

    def attach(self, app: web.Application) -> None:
        """Mount on ``app`` and tie start/stop to its lifecycle (and count it in the metrics)."""
        self.sio.attach(app, socketio_path=SOCKETIO_PATH)
        COLLECTOR.track(self)
        app.cleanup_ctx.append(self._lifecycle)
        app.on_shutdown.append(self._on_shutdown)

    async def start(self) -> None:
        """Begin accepting sockets (the resources are connected by now)."""
        self.interest.bind(self._resources.nc)
        self._connections.running = True
        log.info("realtime_started")

    async def stop(self) -> None:
        """Close every socket, timer and subscription (before the NATS connection drains)."""
        self._connections.running = False
        await self.disconnect_all()
        await self._connections.expiry.close()
        await self._background.close()
        await self.interest.close()
        log.info("realtime_stopped")

    def sockets(self) -> int:
        return len(self._sessions.sids())

    def rooms(self) -> int:
        return self.interest.scopes()

    def held_events(self) -> int:
        return self._fanout.gates.held()

    async def disconnect_all(self) -> None:
        """Disconnect every socket of this node (at shutdown, so their handlers can finish)."""
        for sid in self._sessions.sids():
            await self.sio.disconnect(sid)

    async def _lifecycle(self, _app: web.Application) -> AsyncIterator[None]:
        await self.start()
        yield
        await self.stop()

    async def _on_shutdown(self, _app: web.Application) -> None:
        self._connections.running = False
        await self.disconnect_all()

    def _session_revoked(self, user_id: str, session_id: str) -> None:
        self._connections.session_revoked(user_id, session_id)

    async def _follow_membership(self, user_id: str, group_id: str, joined: bool) -> None:
        await self._rooms.follow_membership(user_id, group_id, joined)


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
