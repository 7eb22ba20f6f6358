"""Fan-out: each event this node receives goes to the Socket.IO room of its scope."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from nats.aio.msg import Msg
from pydantic import ValidationError

from bus import tracing
from bus.envelopes import Event
from bus.ids import split_scope
from realtime.metrics import EMITS, scope_kind_label
from realtime.resume import Gates
from realtime.rooms import scope_room

log = structlog.get_logger(__name__)

SESSION_REVOKED = "session.revoked"
JOINED = "group.member_added"
LEFT = ("group.member_removed", "group.member_left")
RECENT_EVENTS = 4096

# (user_id, session_id) of a revoked session; must not block (it runs in the NATS callback).
OnRevoked = Callable[[str, str], None]
# (user_id, group_id, joined): a person joined or left a group. Awaited before the event is
# emitted, so a device that sees the change is already in (or out of) the group's room.
OnMembership = Callable[[str, str, bool], Awaitable[None]]


class EventFanOut:
    """Decodes event messages and emits each once to its scope's room, under its type."""

    def __init__(self, sio: Any, on_revoked: OnRevoked, on_membership: OnMembership) -> None:
        self._sio = sio
        self._on_revoked = on_revoked
        self._on_membership = on_membership
        self.gates = Gates()  # sockets catching up after a reconnect (realtime.resume)
        # The outbox relay may republish an event; core subscribers see every copy.
        self._recent: OrderedDict[str, None] = OrderedDict()

    async def deliver(self, scope: str, msg: Msg) -> None:
        """Handle one message of the subscription on ``scope``."""
        try:
            event = Event.model_validate_json(msg.data)
        except ValidationError:
            log.warning("event_undecodable", subject=msg.subject, scope=scope)
            return
        if event.scope != scope:
            log.warning("event_scope_mismatch", subject=msg.subject, scope=event.scope)
            return
        if self._seen(event.event_id):
            return
        if event.type == JOINED or event.type in LEFT:
            await self._membership(event)
        shown = event.model_dump(mode="json")
        skip = self.gates.skipped(scope, shown)
        with tracing.receiving(f"emit {event.type}", msg.headers, msg.subject, event.event_id):
            await self._sio.emit(event.type, shown, room=scope_room(scope), skip_sid=skip or None)
        EMITS.labels(scope_kind_label(scope)).inc()
        log.debug("event_emitted", type=event.type, scope=scope, seq=event.seq)
        if event.type == SESSION_REVOKED:
            self._revoke(event)

    def _seen(self, event_id: str) -> bool:
        if event_id in self._recent:
            return True
        self._recent[event_id] = None
        if len(self._recent) > RECENT_EVENTS:
            self._recent.popitem(last=False)
        return False

    def _revoke(self, event: Event) -> None:
        kind, user_id = split_scope(event.scope)
        entity = event.data.get("entity")
        session_id = entity.get("id") if isinstance(entity, dict) else None
        if kind != "user" or not isinstance(session_id, str):
            log.warning("session_revoked_unreadable", event_id=event.event_id)
            return
        self._on_revoked(user_id, session_id)

    async def _membership(self, event: Event) -> None:
        """A membership change: the person's sockets follow the group's room. Both copies of
        the event act (the group's and the person's own), whichever comes first; the second
        finds it done. So no copy reaches a removed member's socket through the group's room."""
        kind, scope_id = split_scope(event.scope)
        group = event.data.get("entity")
        group_id = group.get("id") if isinstance(group, dict) else None
        user_id = event.data.get("user_id")
        if not isinstance(group_id, str) or not isinstance(user_id, str):
            return
        if (kind, scope_id) not in (("user", user_id), ("group", group_id)):
            return
        await self._on_membership(user_id, group_id, event.type == JOINED)
