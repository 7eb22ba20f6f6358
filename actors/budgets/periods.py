"""Budget period calendars in a timezone.

A calendar splits local calendar days into periods: weeks starting on a chosen weekday, months
starting on the 1st, years starting on January 1st, or one custom inclusive range of days. A
period runs from local midnight of its first day to local midnight of the day after its last, so
across a DST change a week lasts 167 or 169 hours. Pure functions, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PeriodKind = Literal["weekly", "monthly", "yearly", "custom"]

PERIOD_KINDS: tuple[str, ...] = get_args(PeriodKind)
ONE_DAY = timedelta(days=1)
ONE_SECOND = timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class Calendar:
    """How a budget's days are split into periods.

    ``starts_on`` is the first day covered; for weekly, monthly and yearly calendars the first
    period is the whole period containing it. ``ends_on`` (inclusive) is required for, and only
    allowed on, custom calendars. ``week_start`` is 0 = Monday ... 6 = Sunday.
    """

    kind: PeriodKind
    timezone: str
    starts_on: date
    ends_on: date | None = None
    week_start: int = 0


@dataclass(frozen=True, slots=True)
class Period:
    """Local days ``start`` (inclusive) to ``end`` (exclusive) and the UTC instants they begin."""

    start: date
    end: date
    start_at: datetime
    end_at: datetime

    @property
    def key(self) -> str:
        """The period's identifier: its first day in ISO format."""
        return self.start.isoformat()

    @property
    def days(self) -> int:
        """The number of local days in the period."""
        return (self.end - self.start).days


def _zone(name: str) -> ZoneInfo:
    """The IANA timezone ``name``; ValueError if there is no such timezone."""
    if not isinstance(name, str):
        raise ValueError(f"timezone must be a string, got {type(name).__name__}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown timezone {name!r}") from None


def local_day(instant: datetime, timezone: str) -> date:
    """The calendar day of the aware ``instant`` in ``timezone``; ValueError if it is naive."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("instant must be timezone-aware")
    return instant.astimezone(_zone(timezone)).date()


def local_midnight(day: date, timezone: str) -> datetime:
    """The UTC instant at which ``day`` begins in ``timezone``.

    If local midnight is skipped by a DST gap this is the first instant of the day that exists
    (the end of the gap); if midnight occurs twice it is the first occurrence.
    """
    zone = _zone(timezone)
    wall = datetime.combine(day, time())
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    second = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    early, late = min(first, second), max(first, second)
    if early.astimezone(zone).replace(tzinfo=None) == wall:
        return early
    return _first_instant_from(wall, zone, early, late)


def _first_instant_from(wall: datetime, zone: ZoneInfo, low: datetime, high: datetime) -> datetime:
    """The first whole-second UTC instant in (low, high] whose local wall time is >= ``wall``.

    ``low`` must be local-before and ``high`` local-at-or-after ``wall``.
    """
    while high - low > ONE_SECOND:
        middle = low + timedelta(seconds=(high - low) // ONE_SECOND // 2)
        if middle.astimezone(zone).replace(tzinfo=None) >= wall:
            high = middle
        else:
            low = middle
    return high


def check_calendar(cal: Calendar) -> str | None:
    """A human-readable reason ``cal`` is invalid, or None if it is valid."""
    try:
        _zone(cal.timezone)
    except ValueError as error:
        return str(error)
    if cal.kind not in PERIOD_KINDS:
        return f"unknown period kind {cal.kind!r}; expected one of {', '.join(PERIOD_KINDS)}"
    if isinstance(cal.starts_on, datetime) or not isinstance(cal.starts_on, date):
        return "starts_on must be a date"
    if isinstance(cal.week_start, bool) or cal.week_start not in range(7):
        return "week_start must be 0 (Monday) to 6 (Sunday)"
    return _check_ends_on(cal)


def _check_ends_on(cal: Calendar) -> str | None:
    if cal.kind != "custom" and cal.ends_on is not None:
        return f"ends_on is only allowed on custom calendars, not {cal.kind}"
    if cal.kind != "custom":
        return None
    if cal.ends_on is None:
        return "a custom calendar needs ends_on"
    if isinstance(cal.ends_on, datetime) or not isinstance(cal.ends_on, date):
        return "ends_on must be a date"
    if cal.ends_on < cal.starts_on:
        return "ends_on is before starts_on"
    return None


def _require_valid(cal: Calendar) -> None:
    reason = check_calendar(cal)
    if reason is not None:
        raise ValueError(reason)


def _span(cal: Calendar, day: date) -> tuple[date, date]:
    """First day and the day after the last of the period of ``cal``'s kind containing ``day``."""
    if cal.kind == "weekly":
        start = day - timedelta(days=(day.weekday() - cal.week_start) % 7)
        return start, start + timedelta(days=7)
    if cal.kind == "monthly":
        start = day.replace(day=1)
        return start, (start + timedelta(days=31)).replace(day=1)
    if cal.kind == "yearly":
        return date(day.year, 1, 1), date(day.year + 1, 1, 1)
    assert cal.ends_on is not None
    return cal.starts_on, cal.ends_on + ONE_DAY


def _period(start: date, end: date, timezone: str) -> Period:
    return Period(start, end, local_midnight(start, timezone), local_midnight(end, timezone))


def first_period(cal: Calendar) -> Period:
    """The calendar's first period; ValueError if the calendar is invalid."""
    _require_valid(cal)
    return _period(*_span(cal, cal.starts_on), cal.timezone)


def period_containing(cal: Calendar, day: date) -> Period | None:
    """The period containing the local ``day``, or None if the calendar does not cover it."""
    first = first_period(cal)
    if day < first.start:
        return None
    if cal.kind == "custom":
        return first if day < first.end else None
    return _period(*_span(cal, day), cal.timezone)


def period_at(cal: Calendar, instant: datetime) -> Period | None:
    """The period containing the aware ``instant``'s local day, or None if not covered."""
    return period_containing(cal, local_day(instant, cal.timezone))


def period_by_key(cal: Calendar, key: str) -> Period | None:
    """The calendar's period whose key (first day, ISO format) is ``key``, or None."""
    try:
        day = date.fromisoformat(key)
    except (TypeError, ValueError):
        return None
    period = period_containing(cal, day)
    return period if period is not None and period.key == key else None


def next_period(cal: Calendar, period: Period) -> Period | None:
    """The period after ``period``, or None after a custom range."""
    return period_containing(cal, period.end)


def previous_period(cal: Calendar, period: Period) -> Period | None:
    """The period before ``period``, or None before the first period."""
    return period_containing(cal, period.start - ONE_DAY)


def periods_between(cal: Calendar, first: Period, last: Period) -> Iterator[Period]:
    """The periods from ``first`` to ``last``, both included, in order (none if last < first)."""
    current: Period | None = first
    while current is not None and current.start <= last.start:
        yield current
        current = next_period(cal, current)


def days_elapsed(period: Period, now: datetime, timezone: str) -> int:
    """Local days of ``period`` begun by ``now``, today included; 0 to ``period.days``."""
    today = local_day(now, timezone)
    return _clamp((today - period.start).days + 1, period.days)


def days_left(period: Period, now: datetime, timezone: str) -> int:
    """Local days of ``period`` from today to its end, today included; 0 to ``period.days``.

    ``period.days`` before the period begins, 1 on its last day and 0 once it has ended.
    """
    today = local_day(now, timezone)
    return _clamp((period.end - today).days, period.days)


def _clamp(value: int, upper: int) -> int:
    return max(0, min(value, upper))
