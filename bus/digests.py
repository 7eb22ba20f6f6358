"""Digests: a person may have the mail of some kinds gathered into one mail a day or a week
instead of one mail per item. A period is a day or an ISO week of the person's own calendar
(their timezone, daylight saving included); its digest goes once it has ended, and its key
(``2026-12-06``, ``2026-W49``) makes it one delivery however many processes look."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

DigestPeriod = Literal["daily", "weekly"]
DigestChoice = Literal["off", "daily", "weekly"]
PERIOD_WORDS: dict[DigestPeriod, str] = {"daily": "day", "weekly": "week"}


@dataclass(frozen=True, slots=True)
class Period:
    """One day or week of a person's calendar: its key, and its bounds in UTC."""

    kind: DigestPeriod
    key: str
    start: datetime
    end: datetime


def last_ended(now: datetime, zone: str, kind: DigestPeriod) -> Period:
    """The latest period of ``kind`` that has ended by ``now`` in ``zone``."""
    tz = ZoneInfo(zone)
    today = now.astimezone(tz).date()
    if kind == "daily":
        first, days = today - timedelta(days=1), 1
        key = first.isoformat()
    else:
        this_monday = today - timedelta(days=today.weekday())
        first, days = this_monday - timedelta(days=7), 7
        year, week, _ = first.isocalendar()
        key = f"{year}-W{week:02d}"
    start = datetime.combine(first, time(0), tzinfo=tz)
    end = datetime.combine(first + timedelta(days=days), time(0), tzinfo=tz)
    return Period(kind, key, start.astimezone(UTC), end.astimezone(UTC))
