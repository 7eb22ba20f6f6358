"""Quiet hours: a daily span, in the person's own timezone, when their mail and pushes wait
(the inbox still gets every item at once, and security notices are never held). A span may
cross midnight (22:00 to 07:00). What is held is sent when the span ends."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import Field, StringConstraints

from bus.payload import Payload

CLOCK_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
Clock = Annotated[str, StringConstraints(pattern=CLOCK_PATTERN)]


class QuietHours(Payload):
    """From ``start`` to ``end``, local time ("HH:MM", 24-hour); equal times are an empty
    span (never quiet)."""

    start: Clock = Field(description="When the quiet starts, HH:MM in the person's timezone.")
    end: Clock = Field(description="When it ends (the next day if earlier than start).")


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def quiet_until(now: datetime, zone: str, hours: QuietHours) -> datetime | None:
    """When the quiet that ``now`` falls in ends (UTC), or None when ``now`` is not quiet."""
    local = now.astimezone(ZoneInfo(zone))
    start, end, at = _clock(hours.start), _clock(hours.end), local.time().replace(tzinfo=None)
    if start == end:
        return None
    if start < end:
        if not start <= at < end:
            return None
        day = local.date()
    else:  # across midnight
        if end <= at < start:
            return None
        day = local.date() + timedelta(days=1) if at >= start else local.date()
    wall = datetime.combine(day, end, tzinfo=ZoneInfo(zone))
    return wall.astimezone(UTC)
