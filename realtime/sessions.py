"""Per-socket state of one node, and the one check that a socket is signed in.

A socket counts here from the end of its connect until it disconnects: who it is (its
python-socketio session), which group rooms it is in, whether it holds its live events for a
``sync.resume``, and the lock that lets it run one resume at a time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import socketio

from bus.client_commands import Rejection
from realtime.auth import SocketIdentity
from realtime.rooms import user_room

NAMESPACE = "/"
NOT_SIGNED_IN = Rejection("this socket is not signed in", code="unauthorized")

Ack = dict[str, Any]
SignedInHandler = Callable[[str, SocketIdentity, object, tuple[object, ...]], Awaitable[Ack]]
"""An event handler for signed-in sockets: ``(sid, identity, data, extra arguments) -> ack``."""
EventHandler = Callable[..., Awaitable[Ack]]


class Sessions:
    """Which sockets are connected to this node, and what each of them is."""

    def __init__(self, sio: socketio.AsyncServer) -> None:
        self._sio = sio
        self._users: dict[str, str] = {}  # sid -> user id, for sockets fully connected here
        self._groups: dict[str, set[str]] = {}  # sid -> the groups whose rooms it is in
        self._holding: set[str] = set()  # sockets that connected to resume (auth.resume)
        self._resuming: dict[str, asyncio.Lock] = {}  # one resume at a time per socket

    def open(self, sid: str, user_id: str) -> None:
        """``sid`` is connected as ``user_id`` and in no group room yet."""
        self._users[sid] = user_id
        self._groups[sid] = set()

    def close(self, sid: str) -> tuple[str | None, set[str]]:
        """Forget ``sid``: its user id (None if it never finished connecting) and its groups."""
        self._holding.discard(sid)
        self._resuming.pop(sid, None)
        return self._users.pop(sid, None), self._groups.pop(sid, set())

    def connected(self, sid: str) -> bool:
        return sid in self._users

    def user_of(self, sid: str) -> str | None:
        return self._users.get(sid)

    def sids(self) -> list[str]:
        """Every socket connected here (a copy: disconnecting changes the registry)."""
        return list(self._users)

    def groups_of(self, sid: str) -> set[str] | None:
        """The live set of groups whose rooms ``sid`` is in; None once it has left."""
        return self._groups.get(sid)

    def sockets_of(self, user_id: str) -> list[str]:
        """The sids in ``user_id``'s room on this node."""
        participants = self._sio.manager.get_participants(NAMESPACE, user_room(user_id))
        return [sid for sid, _eio_sid in list(participants)]

    def hold(self, sid: str) -> None:
        """``sid`` will send ``sync.resume``: its live events are held until then."""
        self._holding.add(sid)

    def holds(self, sid: str) -> bool:
        return sid in self._holding

    def stop_holding(self, sid: str) -> None:
        self._holding.discard(sid)

    def resume_lock(self, sid: str) -> asyncio.Lock:
        """The lock that lets ``sid`` run one resume at a time."""
        return self._resuming.setdefault(sid, asyncio.Lock())

    def transport_open(self, sid: str) -> bool:
        """Whether the client behind ``sid`` is still there (it may leave during a connect)."""
        eio_sid = self._sio.manager.eio_sid_from_sid(sid, NAMESPACE)
        transport = self._sio.eio.sockets.get(eio_sid) if eio_sid is not None else None
        return transport is not None and not transport.closed

    async def identity(self, sid: str) -> SocketIdentity | None:
        """Who ``sid`` is, expired or not; None if it is not connected here."""
        if sid not in self._users:
            return None
        try:
            return SocketIdentity.from_session(await self._sio.get_session(sid))
        except KeyError:
            return None

    async def signed_in(self, sid: str) -> SocketIdentity | None:
        """Who ``sid`` is, if it is connected here and its access token has not expired."""
        identity = await self.identity(sid)
        if identity is None or identity.expires_at <= time.time():
            return None
        return identity

    def signed_in_only(self, handler: SignedInHandler) -> EventHandler:
        """``handler`` as a Socket.IO event handler that answers :data:`NOT_SIGNED_IN` to a
        socket that is not signed in (and never calls ``handler`` for it)."""

        async def on_event(sid: str, data: object = None, *extra: object) -> Ack:
            identity = await self.signed_in(sid)
            if identity is None:
                return NOT_SIGNED_IN.ack()
            return await handler(sid, identity, data, extra)

        return on_event
