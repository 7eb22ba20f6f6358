"""When a recurring expense rule fires: the occurrence dates of a :class:`Schedule`.

- ``day`` / ``week``: occurrence k falls ``k * every`` days (or weeks) after ``start``.
- ``month`` / ``year``: candidate month k is ``start``'s month plus ``k * every`` months (times
  12 for years); its day is ``day_of_month`` (default ``start.day``). A candidate in ``start``'s
  own month that falls before ``start`` is dropped. A day the month lacks is clamped to the
  month's last day (the next month returns to the wanted day) or, with ``month_end="skip"``,
  that month has no occurrence.
- ``end`` (inclusive) and ``count`` (occurrences actually produced) bound the series.

Finding the occurrence after a date jumps arithmetically: by days for day/week units, by
candidate month for month/year units, with produced months counted per 400-year calendar cycle.
Dates stop at :data:`datetime.date.max`. Pure: no I/O, no clock.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache
from math import gcd
from typing import Literal, get_args

Unit = Literal["day", "week", "month", "year"]
MonthEnd = Literal["clamp", "skip"]

_UNITS: tuple[str, ...] = get_args(Unit)
_MONTH_ENDS: tuple[str, ...] = get_args(MonthEnd)
_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_MAX_ORDINAL = date.max.toordinal()
_MAX_MONTH = date.max.year * 12 + date.max.month - 1
_CYCLE_MONTHS = 4800  # month lengths repeat every 400 years


@dataclass(frozen=True, slots=True)
class Schedule:
    """A recurring rule: every ``every`` units from ``start``, bounded by ``end`` and ``count``."""

    every: int
    unit: Unit
    start: date
    day_of_month: int | None = None
    end: date | None = None
    count: int | None = None
    month_end: MonthEnd = "clamp"


# --- public API --------------------------------------------------------------------------------


def occurrences(
    schedule: Schedule,
    *,
    after: date | None = None,
    through: date | None = None,
    limit: int = 1000,
) -> list[date]:
    """The occurrences in order, strictly after ``after`` and on or before ``through`` (each
    when given), at most ``limit`` of them."""
    found: list[date] = []
    if limit <= 0:
        return found
    for _, day in _walk(schedule, after):
        if through is not None and day > through:
            break
        found.append(day)
        if len(found) >= limit:
            break
    return found


def next_occurrence(schedule: Schedule, after: date | None) -> date | None:
    """The first occurrence strictly after ``after`` (the first of all when None), or None."""
    return next((day for _, day in _walk(schedule, after)), None)


def occurrence_index(schedule: Schedule, day: date) -> int | None:
    """The 0-based position of ``day`` among the occurrences, or None if it is not one."""
    after = None if day == date.min else day - timedelta(days=1)
    found = next(_walk(schedule, after), None)
    if found is None or found[1] != day:
        return None
    return found[0]


def never_fires_reason(schedule: Schedule) -> str | None:
    """Why the rule would produce no occurrence at all, or None when it fires."""
    problem = _never_fires(schedule)
    return None if problem is None else problem[1]


def check_schedule(schedule: Schedule) -> dict[str, str]:
    """Errors by field name, empty when the schedule is valid and fires at least once."""
    errors: dict[str, str] = {}
    for field, message in _field_errors(schedule):
        errors.setdefault(field, message)
    if not errors:
        problem = _reach_error(schedule)
        if problem is not None:
            errors[problem[0]] = problem[1]
    return errors


# --- validation --------------------------------------------------------------------------------


def _field_errors(schedule: Schedule) -> list[tuple[str, str]]:
    """Errors of single fields and of ``end`` against ``start``, in a fixed order."""
    s = schedule
    errors: list[tuple[str, str]] = []
    if s.unit not in _UNITS:
        errors.append(("unit", f"unit must be one of {', '.join(_UNITS)}"))
    if s.month_end not in _MONTH_ENDS:
        errors.append(("month_end", f"month_end must be one of {', '.join(_MONTH_ENDS)}"))
    if s.every < 1:
        errors.append(("every", "every must be at least 1"))
    if s.count is not None and s.count < 1:
        errors.append(("count", "count must be at least 1"))
    if s.day_of_month is not None and not 1 <= s.day_of_month <= 31:
        errors.append(("day_of_month", "day_of_month must be between 1 and 31"))
    if s.day_of_month is not None and s.unit in ("day", "week"):
        errors.append(("day_of_month", "day_of_month applies only to month and year units"))
    if s.end is not None and s.end < s.start:
        errors.append(("end", f"end {s.end} is before start {s.start}"))
    return errors


def _reach_error(schedule: Schedule) -> tuple[str, str] | None:
    """Why a schedule with valid fields has no occurrence on or before its end, if it has none."""
    s = schedule
    first = _first(s)
    if first is not None and (s.end is None or first <= s.end):
        return None
    if s.month_end == "skip" and s.unit in ("month", "year"):
        clamped = _first(replace(s, month_end="clamp"))
        if clamped is not None and (s.end is None or clamped <= s.end):
            by_end = "" if s.end is None else f" on or before end {s.end}"
            return (
                "day_of_month",
                f"no month the schedule reaches{by_end} has a day {_wanted_day(s)}",
            )
    if first is None:
        return "start", "the first occurrence would fall after the last supported date"
    return "end", f"end {s.end} is before the first occurrence {first}"


def _never_fires(schedule: Schedule) -> tuple[str, str] | None:
    """The field and reason that make the schedule produce nothing, or None."""
    errors = _field_errors(schedule)
    return errors[0] if errors else _reach_error(schedule)


# --- walking the occurrences -------------------------------------------------------------------


def _walk(schedule: Schedule, after: date | None) -> Iterator[tuple[int, date]]:
    """(index, day) of each occurrence strictly after ``after``, within ``end`` and ``count``."""
    s = schedule
    if _never_fires(s) is not None:
        return
    steps = _walk_days(s, after) if s.unit in ("day", "week") else _walk_months(s, after)
    for index, day in steps:
        if s.count is not None and index >= s.count:
            return
        if s.end is not None and day > s.end:
            return
        yield index, day


def _walk_days(schedule: Schedule, after: date | None) -> Iterator[tuple[int, date]]:
    """Day/week occurrences strictly after ``after``, ignoring ``end`` and ``count``."""
    step = schedule.every * (7 if schedule.unit == "week" else 1)
    origin = schedule.start.toordinal()
    k = 0
    if after is not None and after >= schedule.start:
        k = (after.toordinal() - origin) // step + 1
    while (ordinal := origin + k * step) <= _MAX_ORDINAL:
        yield k, date.fromordinal(ordinal)
        k += 1


def _walk_months(schedule: Schedule, after: date | None) -> Iterator[tuple[int, date]]:
    """Month/year occurrences strictly after ``after``, ignoring ``end`` and ``count``."""
    s = schedule
    step = _step_months(s)
    origin = _month_index(s.start)
    k = 0
    if after is not None:
        k = max(0, -(-(_month_index(after) - origin) // step))
    index = _produced_before(s, k)
    while origin + k * step <= _MAX_MONTH:
        day = _candidate(s, k)
        if day is not None and day >= s.start:
            if after is None or day > after:
                yield index, day
            index += 1
        k += 1


def _first(schedule: Schedule) -> date | None:
    """The first occurrence ignoring ``end`` and ``count``; the fields must be valid."""
    s = schedule
    if s.unit in ("day", "week"):
        return s.start
    step = _step_months(s)
    origin = _month_index(s.start)
    period = _CYCLE_MONTHS // gcd(step, _CYCLE_MONTHS)
    for k in range(period + 1):
        if origin + k * step > _MAX_MONTH:
            return None
        day = _candidate(s, k)
        if day is not None and day >= s.start:
            return day
    return None


# --- month arithmetic --------------------------------------------------------------------------


def _month_index(day: date) -> int:
    """Months since January of year 0."""
    return day.year * 12 + day.month - 1


def _days_in_month(index: int) -> int:
    """The number of days of month ``index`` (any year, proleptic Gregorian)."""
    year, month0 = divmod(index, 12)
    if month0 == 1 and calendar.isleap(year):
        return 29
    return _MONTH_DAYS[month0]


def _step_months(schedule: Schedule) -> int:
    """Months between two candidate months."""
    return schedule.every * (12 if schedule.unit == "year" else 1)


def _wanted_day(schedule: Schedule) -> int:
    """The day of the month the schedule aims at."""
    return schedule.start.day if schedule.day_of_month is None else schedule.day_of_month


def _candidate(schedule: Schedule, k: int) -> date | None:
    """The day of candidate month ``k``, or None when the month lacks it and is skipped."""
    index = _month_index(schedule.start) + k * _step_months(schedule)
    length = _days_in_month(index)
    wanted = _wanted_day(schedule)
    if wanted > length:
        if schedule.month_end == "skip":
            return None
        wanted = length
    year, month0 = divmod(index, 12)
    return date(year, month0 + 1, wanted)


def _produced_before(schedule: Schedule, k: int) -> int:
    """How many occurrences candidate months 0..k-1 produce."""
    produced = _months_with_day(schedule, k)
    first = _candidate(schedule, 0)
    if k > 0 and first is not None and first < schedule.start:
        produced -= 1
    return produced


def _months_with_day(schedule: Schedule, k: int) -> int:
    """How many of candidate months 0..k-1 yield a day (all of them when clamping)."""
    wanted = _wanted_day(schedule)
    if schedule.month_end == "clamp" or wanted <= 28:
        return k
    prefix = _cycle_prefix(
        _month_index(schedule.start) % _CYCLE_MONTHS,
        _step_months(schedule) % _CYCLE_MONTHS,
        wanted,
    )
    cycles, rest = divmod(k, len(prefix) - 1)
    return cycles * prefix[-1] + prefix[rest]


@lru_cache(maxsize=256)
def _cycle_prefix(origin: int, step: int, wanted: int) -> tuple[int, ...]:
    """Running counts of candidate months having day ``wanted`` over one calendar cycle."""
    period = _CYCLE_MONTHS // gcd(step, _CYCLE_MONTHS)
    prefix = [0]
    for j in range(period):
        prefix.append(prefix[-1] + (wanted <= _days_in_month(origin + j * step)))
    return tuple(prefix)
