"""Group rooms: a socket is in the room of every group its person belongs to, entering and
leaving as memberships change, and this node follows each group's events while a socket is in."""

from __future__ import annotations

import socketio
import structlog

from bus.ids import group_scope
from realtime.interest import InterestRegistry
from realtime.outages import BusDown
from realtime.resume import Gates
from realtime.rooms import scope_room
from realtime.sessions import Sessions
from storage.group_reads import group_ids_of

log = structlog.get_logger(__name__)


class GroupRooms:
    """Moves sockets in and out of group rooms, holding the node's interest in each group."""

    def __init__(
        self,
        sio: socketio.AsyncServer,
        sessions: Sessions,
        interest: InterestRegistry,
        gates: Gates,
    ) -> None:
        self._sio = sio
        self._sessions = sessions
        self._interest = interest
        self._gates = gates

    async def follow_groups(self, sid: str, user_id: str) -> None:
        """Enter the rooms of the person's groups. Their own scope is followed first, so a
        change during this is either in what is read or arrives as an event; a second read
        then drops a group left meanwhile (its event may have come before the room was
        entered)."""
        for group_id in await group_ids_of(user_id):
            await self.enter(sid, group_id)
        still = set(await group_ids_of(user_id))
        for group_id in set(self._sessions.groups_of(sid) or set()) - still:
            await self.leave(sid, group_id)

    async def enter(self, sid: str, group_id: str) -> None:
        """Put ``sid`` in the group's room (its events held if the socket is to resume)."""
        groups = self._sessions.groups_of(sid)
        if groups is None or group_id in groups:
            return
        if self._sessions.holds(sid):
            self._gates.open(group_scope(group_id), sid)
        try:
            await self._interest.acquire(group_scope(group_id))
        except BusDown as exc:  # the socket still gets its own scope's events
            log.warning("group_follow_failed", sid=sid, group_id=group_id, error=str(exc)[:200])
            return
        if self._sessions.groups_of(sid) is None:  # disconnected meanwhile
            await self._interest.release(group_scope(group_id))
            return
        groups.add(group_id)
        await self._sio.enter_room(sid, scope_room(group_scope(group_id)))

    async def leave(self, sid: str, group_id: str) -> None:
        """Take ``sid`` out of the group's room at once."""
        groups = self._sessions.groups_of(sid)
        if groups is None or group_id not in groups:
            return
        groups.discard(group_id)
        self._gates.drop(group_scope(group_id), sid)  # nothing held of it is sent now
        await self._sio.leave_room(sid, scope_room(group_scope(group_id)))
        await self._interest.release(group_scope(group_id))

    async def follow_membership(self, user_id: str, group_id: str, joined: bool) -> None:
        """Every socket of ``user_id`` on this node joins (or leaves, at once) the group's room."""
        for sid in self._sessions.sockets_of(user_id):
            if joined:
                await self.enter(sid, group_id)
            else:
                await self.leave(sid, group_id)
        log.info("socket_groups_followed", user_id=user_id, group_id=group_id, joined=joined)

    async def release(self, groups: set[str]) -> None:
        """Drop the node's interest in the groups of a socket that has left."""
        for group_id in groups:
            await self._interest.release(group_scope(group_id))
