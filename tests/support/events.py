"""An event as an actor receives it, for tests of what reactions and triggers make of one."""

from __future__ import annotations

from typing import Any

from bus.envelopes import Event
from bus.ids import new_id
from tests.support.fake_work import NOW


def event_of(event_type: str, scope: str, data: dict[str, Any]) -> Event:
    """The first event of ``scope``, of ``event_type``, saying ``data``."""
    return Event(
        event_id=new_id(),
        type=event_type,
        command_id=new_id(),
        scope=scope,
        seq=1,
        occurred_at=NOW,
        data=data,
    )
