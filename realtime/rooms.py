"""Socket.IO room names, made in one place.

A room has the same name as an event scope (a person's sockets are in ``user:<id>`` and
``inbox:<id>``), so an event is emitted to the room named by its own ``scope``.
"""

from __future__ import annotations

from bus.ids import user_scope


def user_room(user_id: str) -> str:
    """The room holding every socket of ``user_id`` on this node."""
    return user_scope(user_id)


def scope_room(scope: str) -> str:
    """The room that receives the events of ``scope`` (``user:<id>``, ``inbox:<id>`` or
    ``group:<id>``)."""
    return scope
