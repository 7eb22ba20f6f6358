"""Unit tests of recurring expense schedules: occurrence dates, indexes and never-firing rules.

Random small schedules are checked against an independent day-by-day enumeration of the rules
(every calendar day tested on its own), not against the arithmetic jumps under test. No servers,
no I/O.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from functools import cache
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actors.budgets.recurrence import (
    MonthEnd,
    Schedule,
    Unit,
    check_schedule,
    never_fires_reason,
    next_occurrence,
    occurrence_index,
    occurrences,
)

PROPERTY = settings(max_examples=200, deadline=None)
HORIZON_DAYS = 3000


def d(text: str) -> date:
    return date.fromisoformat(text)


def days(*texts: str) -> list[date]:
    return [d(text) for text in texts]


# --- an independent reference ------------------------------------------------------------------


@cache
def _month_length(year: int, month: int) -> int:
    """Days in the month, from the calendar (kept: the enumeration asks for every day)."""
    return calendar.monthrange(year, month)[1]


def _is_candidate(s: Schedule, day: date) -> bool:
    """Whether ``day`` is an occurrence before ``end`` and ``count`` are applied."""
    if day < s.start:
        return False
    if s.unit in ("day", "week"):
        step = s.every * (7 if s.unit == "week" else 1)
        return (day - s.start).days % step == 0
    step = s.every * (12 if s.unit == "year" else 1)
    months = (day.year - s.start.year) * 12 + day.month - s.start.month
    if months % step:
        return False
    wanted = s.start.day if s.day_of_month is None else s.day_of_month
    length = _month_length(day.year, day.month)
    if wanted > length:
        return s.month_end == "clamp" and day.day == length
    return day.day == wanted


def naive(s: Schedule, through: date) -> list[date]:
    """All occurrences up to ``through``, testing one day at a time."""
    found: list[date] = []
    day = s.start
    while day <= through and (s.end is None or day <= s.end):
        if s.count is not None and len(found) >= s.count:
            break
        if _is_candidate(s, day):
            found.append(day)
        day += timedelta(days=1)
    return found


# What a schedule is drawn from, built once: building and validating these again for every
# schedule cost more than drawing from them (the values drawn are the same).
_UNITS: st.SearchStrategy[Unit] = st.sampled_from(("day", "week", "month", "year"))
_STARTS = st.dates(min_value=date(1996, 1, 1), max_value=date(2104, 12, 31))
_EVERY_DAYS = st.integers(1, 40)
_EVERY = st.integers(1, 15)
_DAYS_OF_MONTH = st.none() | st.integers(1, 31) | st.integers(28, 31)
_DAYS_TO_END = st.none() | st.integers(0, HORIZON_DAYS)
_COUNTS = st.none() | st.integers(1, 30)
_MONTH_ENDS: st.SearchStrategy[MonthEnd] = st.sampled_from(("clamp", "skip"))


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    """A random valid-field schedule over a few years, sometimes bounded by end or count."""
    unit = draw(_UNITS)
    start = draw(_STARTS)
    every = draw(_EVERY_DAYS if unit == "day" else _EVERY)
    day_of_month = None
    if unit in ("month", "year"):
        day_of_month = draw(_DAYS_OF_MONTH)
    days_to_end = draw(_DAYS_TO_END)
    end = None if days_to_end is None else start + timedelta(days_to_end)
    count = draw(_COUNTS)
    month_end = draw(_MONTH_ENDS)
    return Schedule(every, unit, start, day_of_month, end, count, month_end)


def horizon(s: Schedule) -> date:
    return s.start + timedelta(days=HORIZON_DAYS)


# --- month and year rules ----------------------------------------------------------------------


def test_monthly_31st_clamps_to_month_end_without_drift() -> None:
    s = Schedule(1, "month", d("2027-12-31"))
    assert occurrences(s, through=d("2028-05-31")) == days(
        "2027-12-31",
        "2028-01-31",
        "2028-02-29",
        "2028-03-31",
        "2028-04-30",
        "2028-05-31",
    )
    assert occurrences(Schedule(1, "month", d("2027-01-31")), limit=4) == days(
        "2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30"
    )


def test_day_of_month_31_clamps_even_from_a_short_start_month() -> None:
    s = Schedule(1, "month", d("2027-02-01"), day_of_month=31)
    assert occurrences(s, limit=3) == days("2027-02-28", "2027-03-31", "2027-04-30")


def test_skip_mode_leaves_out_short_months_and_count_counts_only_produced() -> None:
    s = Schedule(1, "month", d("2028-01-31"), month_end="skip", count=4)
    assert occurrences(s) == days("2028-01-31", "2028-03-31", "2028-05-31", "2028-07-31")
    assert next_occurrence(s, d("2028-07-31")) is None
    assert occurrence_index(s, d("2028-05-31")) == 2
    assert occurrence_index(s, d("2028-04-30")) is None


def test_every_two_months_on_the_30th_skips_february() -> None:
    s = Schedule(2, "month", d("2027-12-30"), month_end="skip")
    assert occurrences(s, limit=3) == days("2027-12-30", "2028-04-30", "2028-06-30")


def test_start_after_its_months_day_moves_to_the_next_month() -> None:
    s = Schedule(1, "month", d("2025-01-15"), day_of_month=10, count=3)
    assert occurrences(s) == days("2025-02-10", "2025-03-10", "2025-04-10")
    assert occurrence_index(s, d("2025-02-10")) == 0
    assert occurrence_index(s, d("2025-01-10")) is None


def test_start_on_or_before_its_months_day_fires_that_month() -> None:
    s = Schedule(3, "month", d("2025-01-10"), day_of_month=10, count=3)
    assert occurrences(s) == days("2025-01-10", "2025-04-10", "2025-07-10")


def test_yearly_feb_29_clamps_in_common_years() -> None:
    s = Schedule(1, "year", d("2024-02-29"))
    assert occurrences(s, limit=5) == days(
        "2024-02-29", "2025-02-28", "2026-02-28", "2027-02-28", "2028-02-29"
    )


def test_yearly_feb_29_skip_fires_in_leap_years_only() -> None:
    s = Schedule(1, "year", d("2096-02-29"), month_end="skip")
    assert occurrences(s, limit=3) == days("2096-02-29", "2104-02-29", "2108-02-29")
    assert occurrence_index(s, d("2104-02-29")) == 1


def test_yearly_keeps_the_start_month_with_a_day_of_month() -> None:
    s = Schedule(2, "year", d("2025-06-20"), day_of_month=5)
    assert occurrences(s, limit=2) == days("2027-06-05", "2029-06-05")


# --- day and week rules ------------------------------------------------------------------------


def test_every_two_weeks() -> None:
    s = Schedule(2, "week", d("2025-03-03"))
    assert occurrences(s, limit=4) == days("2025-03-03", "2025-03-17", "2025-03-31", "2025-04-14")


def test_every_three_days_until_end() -> None:
    s = Schedule(3, "day", d("2025-01-30"), end=d("2025-02-10"))
    assert occurrences(s) == days("2025-01-30", "2025-02-02", "2025-02-05", "2025-02-08")
    assert next_occurrence(s, d("2025-02-08")) is None


def test_end_is_inclusive() -> None:
    s = Schedule(3, "day", d("2025-01-30"), end=d("2025-02-08"))
    assert occurrences(s)[-1] == d("2025-02-08")


def test_count_limits_the_series() -> None:
    s = Schedule(1, "week", d("2025-01-01"), count=3)
    assert occurrences(s) == days("2025-01-01", "2025-01-08", "2025-01-15")
    assert next_occurrence(s, d("2025-01-15")) is None
    assert occurrence_index(s, d("2025-01-22")) is None


# --- filters and lookups -----------------------------------------------------------------------


def test_after_is_exclusive_and_through_inclusive() -> None:
    s = Schedule(1, "day", d("2025-01-01"))
    assert occurrences(s, after=d("2025-01-03"), through=d("2025-01-06")) == days(
        "2025-01-04", "2025-01-05", "2025-01-06"
    )
    assert occurrences(s, after=d("2024-06-01"), limit=2) == days("2025-01-01", "2025-01-02")


def test_limit_caps_the_list() -> None:
    s = Schedule(1, "day", d("2025-01-01"))
    assert len(occurrences(s)) == 1000
    assert len(occurrences(s, limit=7)) == 7
    assert occurrences(s, limit=0) == []


def test_next_occurrence_from_none_and_between_occurrences() -> None:
    s = Schedule(1, "month", d("2025-01-31"))
    assert next_occurrence(s, None) == d("2025-01-31")
    assert next_occurrence(s, d("2025-02-01")) == d("2025-02-28")
    assert next_occurrence(s, d("2025-02-28")) == d("2025-03-31")


def test_occurrence_index_round_trip() -> None:
    s = Schedule(1, "month", d("2027-11-30"), day_of_month=31, month_end="skip", count=20)
    found = occurrences(s)
    assert len(found) == 20
    assert [occurrence_index(s, day) for day in found] == list(range(20))
    assert occurrence_index(s, d("2027-11-30")) is None
    assert occurrence_index(s, found[-1] + timedelta(days=31)) is None


# --- far in the future -------------------------------------------------------------------------


def test_daily_rule_jumps_far_ahead() -> None:
    s = Schedule(1, "day", d("2000-01-01"))
    target = d("2090-01-02")
    assert next_occurrence(s, d("2090-01-01")) == target
    assert occurrence_index(s, target) == (target - s.start).days
    assert next_occurrence(Schedule(1, "day", d("2000-01-01"), count=50_000), d("2090-01-01")) == (
        target
    )
    assert next_occurrence(Schedule(1, "day", d("2000-01-01"), count=1000), d("2090-01-01")) is None


def test_series_stop_at_the_last_supported_date() -> None:
    s = Schedule(1, "day", date.min)
    assert next_occurrence(s, d("9999-12-30")) == date.max
    assert next_occurrence(s, date.max) is None
    assert occurrence_index(s, date.max) == date.max.toordinal() - 1
    monthly = Schedule(5, "month", d("9999-01-31"))
    assert occurrences(monthly) == days("9999-01-31", "9999-06-30", "9999-11-30")


def test_skip_counting_far_ahead_is_exact() -> None:
    s = Schedule(1, "month", d("2000-01-31"), month_end="skip")
    assert occurrence_index(s, d("2400-12-31")) == 401 * 7 - 1
    limited = Schedule(1, "month", d("2000-01-31"), month_end="skip", count=401 * 7)
    assert next_occurrence(limited, d("2400-12-01")) == d("2400-12-31")
    assert next_occurrence(limited, d("2400-12-31")) is None
    fewer = Schedule(1, "month", d("2000-01-31"), month_end="skip", count=401 * 7 - 1)
    assert next_occurrence(fewer, d("2400-12-01")) is None


def test_leap_day_counting_across_centuries() -> None:
    s = Schedule(1, "year", d("2000-02-29"), month_end="skip")
    assert occurrence_index(s, d("2400-02-29")) == 100 - 3  # 2100, 2200, 2300 are common years
    assert next_occurrence(s, d("2096-03-01")) == d("2104-02-29")


def test_skip_jump_agrees_with_walking() -> None:
    s = Schedule(5, "month", d("2001-03-30"), month_end="skip")
    far = d("2600-01-01")
    walked = occurrences(s, through=far, limit=10**6)
    jumped = next_occurrence(s, far)
    assert jumped is not None
    assert occurrence_index(s, jumped) == len(walked)
    assert walked[-1] < far < jumped


# --- never firing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schedule", "field"),
    [
        (Schedule(1, "month", d("2025-01-01"), count=0), "count"),
        (Schedule(0, "day", d("2025-01-01")), "every"),
        (Schedule(1, "day", d("2025-01-10"), end=d("2025-01-09")), "end"),
        (Schedule(1, "month", d("2025-01-15"), day_of_month=10, end=d("2025-02-09")), "end"),
        (Schedule(12, "month", d("2025-04-01"), day_of_month=31, month_end="skip"), "day_of_month"),
        (Schedule(1, "year", d("2025-04-01"), day_of_month=31, month_end="skip"), "day_of_month"),
        (Schedule(12, "month", d("2025-02-01"), day_of_month=30, month_end="skip"), "day_of_month"),
        (Schedule(400, "year", d("2100-02-01"), day_of_month=29, month_end="skip"), "day_of_month"),
        (Schedule(200, "year", d("2100-02-01"), day_of_month=29, month_end="skip"), "day_of_month"),
        (
            Schedule(1, "month", d("2025-04-01"), 31, end=d("2025-05-20"), month_end="skip"),
            "day_of_month",
        ),
        (Schedule(1, "week", d("2025-01-01"), day_of_month=5), "day_of_month"),
        (Schedule(1, "day", d("2025-01-01"), day_of_month=5), "day_of_month"),
        (Schedule(1, "month", d("2025-01-01"), day_of_month=32), "day_of_month"),
        (Schedule(1, "month", d("2025-01-01"), day_of_month=0), "day_of_month"),
        (Schedule(1, "month", d("9999-12-15"), day_of_month=10), "start"),
    ],
)
def test_never_fires(schedule: Schedule, field: str) -> None:
    reason = never_fires_reason(schedule)
    assert reason
    assert check_schedule(schedule)[field] == reason
    assert occurrences(schedule) == []
    assert next_occurrence(schedule, None) is None
    assert occurrence_index(schedule, schedule.start) is None


def test_end_before_first_occurrence_names_it() -> None:
    s = Schedule(1, "month", d("2025-01-15"), day_of_month=10, end=d("2025-02-09"))
    assert "2025-02-10" in (never_fires_reason(s) or "")


def test_check_schedule_reports_every_bad_field() -> None:
    s = Schedule(0, "week", d("2025-01-10"), day_of_month=3, end=d("2025-01-01"), count=0)
    assert set(check_schedule(s)) == {"every", "count", "day_of_month", "end"}


def test_check_schedule_rejects_unknown_unit_and_month_end() -> None:
    s = Schedule(1, "fortnight", d("2025-01-01"), month_end="wrap")  # type: ignore[arg-type]
    assert set(check_schedule(s)) == {"unit", "month_end"}
    assert occurrences(s) == []


@pytest.mark.parametrize(
    "schedule",
    [
        Schedule(1, "day", d("2025-01-01")),
        Schedule(1, "day", d("2025-01-01"), end=d("2025-01-01"), count=1),
        Schedule(12, "month", d("2025-01-01"), day_of_month=31, month_end="skip"),
        Schedule(12, "month", d("2025-02-01"), day_of_month=30),
        Schedule(1, "year", d("2023-02-01"), day_of_month=29, month_end="skip"),
        Schedule(100, "year", d("2100-02-01"), day_of_month=29, month_end="skip"),
        Schedule(1, "month", d("2025-01-15"), day_of_month=10, end=d("2025-02-10")),
        Schedule(1, "month", d("2025-04-01"), 31, end=d("2025-05-31"), month_end="skip"),
    ],
)
def test_fine_schedules_fire(schedule: Schedule) -> None:
    assert never_fires_reason(schedule) is None
    assert check_schedule(schedule) == {}
    assert next_occurrence(schedule, None) is not None


def test_never_fires_is_quick_for_huge_steps() -> None:
    s = Schedule(10**12, "month", d("2025-04-01"), day_of_month=31, month_end="skip")
    assert check_schedule(s).keys() == {"day_of_month"}
    assert occurrences(Schedule(10**12, "day", d("2025-04-01"))) == [d("2025-04-01")]


# --- properties --------------------------------------------------------------------------------


@PROPERTY
@given(schedules())
def test_occurrences_increase_and_stay_within_bounds(s: Schedule) -> None:
    found = occurrences(s, limit=200)
    assert all(a < b for a, b in pairwise(found))
    assert all(s.start <= day for day in found)
    if s.end is not None:
        assert all(day <= s.end for day in found)
    if s.count is not None:
        assert len(found) <= s.count


@PROPERTY
@given(schedules(), st.integers(-400, HORIZON_DAYS))
def test_next_occurrence_is_the_first_after(s: Schedule, offset: int) -> None:
    after = s.start + timedelta(days=offset)
    first = occurrences(s, after=after, limit=1)
    assert next_occurrence(s, after) == (first[0] if first else None)
    later = [day for day in naive(s, horizon(s)) if day > after]
    if later:
        assert next_occurrence(s, after) == later[0]


@PROPERTY
@given(schedules())
def test_agrees_with_day_by_day_enumeration(s: Schedule) -> None:
    expected = naive(s, horizon(s))
    assert occurrences(s, through=horizon(s), limit=10**6) == expected
    assert [occurrence_index(s, day) for day in expected] == list(range(len(expected)))


@PROPERTY
@given(schedules(), st.integers(-30, HORIZON_DAYS))
def test_occurrence_index_matches_enumeration(s: Schedule, offset: int) -> None:
    day = s.start + timedelta(days=offset)
    expected = naive(s, horizon(s))
    assert occurrence_index(s, day) == (expected.index(day) if day in expected else None)


@PROPERTY
@given(schedules())
def test_never_fires_iff_nothing_before_end(s: Schedule) -> None:
    if s.end is None:
        s = Schedule(s.every, s.unit, s.start, s.day_of_month, horizon(s), s.count, s.month_end)
    assert (never_fires_reason(s) is None) == bool(naive(s, horizon(s)))
    assert (check_schedule(s) == {}) == (never_fires_reason(s) is None)
