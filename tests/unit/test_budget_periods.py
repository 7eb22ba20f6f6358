"""Unit tests of budget period calendars: weekly, monthly, yearly and custom periods in a timezone.

Boundaries are local midnights, so periods spanning a DST change are an hour shorter or longer,
and days whose midnight is skipped begin at the end of the gap. Properties are checked with
hypothesis over days in 2000..2090 and timezones with DST, midnight gaps and odd offsets.
No servers, no I/O.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actors.budgets.periods import (
    Calendar,
    Period,
    PeriodKind,
    check_calendar,
    days_elapsed,
    days_left,
    first_period,
    local_day,
    local_midnight,
    next_period,
    period_at,
    period_by_key,
    period_containing,
    periods_between,
    previous_period,
)

HOUR = timedelta(hours=1)
SECOND = timedelta(seconds=1)
PROPERTY = settings(max_examples=300, deadline=None)
TIMEZONES = (
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "America/Santiago",
    "America/Havana",
    "Asia/Beirut",
    "Asia/Kolkata",
    "Pacific/Auckland",
    "Pacific/Chatham",
    "Australia/Lord_Howe",
)


def _utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def _hours(period: Period) -> float:
    return (period.end_at - period.start_at) / HOUR


def _midnight_exists(day: date, timezone: str) -> bool:
    wall = datetime.combine(day, time())
    round_trip = (
        wall.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC).astimezone(ZoneInfo(timezone))
    )
    return round_trip.replace(tzinfo=None) == wall


def _calendar(
    kind: PeriodKind, timezone: str = "UTC", starts_on: date = date(2000, 1, 1), week_start: int = 0
) -> Calendar:
    return Calendar(kind, timezone, starts_on, week_start=week_start)


def _containing(cal: Calendar, day: date) -> Period:
    period = period_containing(cal, day)
    assert period is not None
    return period


# --- Period ------------------------------------------------------------------------------------


def test_period_key_and_days() -> None:
    period = first_period(Calendar("monthly", "UTC", date(2024, 2, 10)))
    assert period == Period(date(2024, 2, 1), date(2024, 3, 1), _utc(2024, 2, 1), _utc(2024, 3, 1))
    assert period.key == "2024-02-01"
    assert period.days == 29


# --- boundaries --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        (date(2024, 1, 1), date(2024, 1, 1), date(2024, 2, 1)),
        (date(2024, 1, 31), date(2024, 1, 1), date(2024, 2, 1)),
        (date(2024, 2, 29), date(2024, 2, 1), date(2024, 3, 1)),
        (date(2023, 2, 15), date(2023, 2, 1), date(2023, 3, 1)),
        (date(2024, 4, 30), date(2024, 4, 1), date(2024, 5, 1)),
        (date(2024, 12, 31), date(2024, 12, 1), date(2025, 1, 1)),
    ],
)
def test_monthly_boundaries(day: date, start: date, end: date) -> None:
    period = _containing(_calendar("monthly"), day)
    assert (period.start, period.end) == (start, end)
    assert (period.start_at, period.end_at) == (
        datetime.combine(start, time(), UTC),
        datetime.combine(end, time(), UTC),
    )


def test_monthly_first_period_is_normalised_to_the_first_of_the_month() -> None:
    cal = Calendar("monthly", "Europe/Berlin", date(2024, 5, 17))
    period = first_period(cal)
    assert (period.start, period.end) == (date(2024, 5, 1), date(2024, 6, 1))
    assert period.start_at == _utc(2024, 4, 30, 22)  # CEST is UTC+2
    assert period_containing(cal, date(2024, 5, 2)) == period
    assert period_containing(cal, date(2024, 4, 30)) is None


@pytest.mark.parametrize(
    ("day", "start"),
    [
        (date(2024, 6, 10), date(2024, 6, 10)),  # a Monday
        (date(2024, 6, 16), date(2024, 6, 10)),  # the Sunday after it
        (date(2024, 6, 17), date(2024, 6, 17)),
        (date(2025, 1, 1), date(2024, 12, 30)),  # a week across the new year
    ],
)
def test_weekly_periods_start_on_monday_by_default(day: date, start: date) -> None:
    period = _containing(_calendar("weekly"), day)
    assert (period.start, period.end, period.days) == (start, start + timedelta(days=7), 7)
    assert period.start.weekday() == 0


@pytest.mark.parametrize(
    ("day", "start"),
    [
        (date(2024, 6, 9), date(2024, 6, 9)),  # a Sunday
        (date(2024, 6, 15), date(2024, 6, 9)),  # the Saturday after it
        (date(2024, 6, 16), date(2024, 6, 16)),
    ],
)
def test_weekly_periods_starting_on_sunday(day: date, start: date) -> None:
    cal = _calendar("weekly", "America/Chicago", date(2024, 6, 1), week_start=6)
    period = _containing(cal, day)
    assert (period.start, period.end) == (start, start + timedelta(days=7))
    assert period.start.weekday() == 6
    assert period.start_at == datetime.combine(start, time(5), UTC)  # CDT is UTC-5


def test_weekly_first_period_starts_on_the_week_start_on_or_before_starts_on() -> None:
    cal = _calendar(
        "weekly", starts_on=date(2024, 6, 12), week_start=4
    )  # a Wednesday; weeks from Friday
    period = first_period(cal)
    assert (period.start, period.end) == (date(2024, 6, 7), date(2024, 6, 14))
    assert period_containing(cal, date(2024, 6, 6)) is None


def test_yearly_boundaries() -> None:
    cal = _calendar("yearly", "Asia/Tokyo", date(2023, 7, 4))
    period = first_period(cal)
    assert (period.start, period.end, period.days) == (date(2023, 1, 1), date(2024, 1, 1), 365)
    assert (period.start_at, period.end_at) == (_utc(2022, 12, 31, 15), _utc(2023, 12, 31, 15))
    following = next_period(cal, period)
    assert following is not None
    assert (following.start, following.end, following.days) == (
        date(2024, 1, 1),
        date(2025, 1, 1),
        366,
    )
    assert _containing(cal, date(2024, 12, 31)) == following


def test_custom_calendar_is_one_inclusive_range() -> None:
    cal = Calendar("custom", "Europe/London", date(2024, 3, 20), ends_on=date(2024, 4, 2))
    period = first_period(cal)
    assert (period.start, period.end, period.days) == (date(2024, 3, 20), date(2024, 4, 3), 14)
    assert (period.start_at, period.end_at) == (_utc(2024, 3, 20), _utc(2024, 4, 2, 23))
    assert _hours(period) == 14 * 24 - 1
    assert period_containing(cal, date(2024, 3, 20)) == period
    assert period_containing(cal, date(2024, 4, 2)) == period
    assert period_containing(cal, date(2024, 4, 3)) is None
    assert period_containing(cal, date(2024, 3, 19)) is None
    assert next_period(cal, period) is None
    assert previous_period(cal, period) is None
    assert list(periods_between(cal, period, period)) == [period]


def test_one_day_custom_calendar() -> None:
    cal = Calendar("custom", "UTC", date(2024, 1, 5), ends_on=date(2024, 1, 5))
    period = first_period(cal)
    assert (period.days, _hours(period)) == (1, 24)


# --- DST ---------------------------------------------------------------------------------------


def test_berlin_week_with_the_march_change_is_167_hours() -> None:
    cal = _calendar("weekly", "Europe/Berlin", date(2024, 1, 1))
    period = _containing(cal, date(2024, 3, 31))  # clocks go forward 02:00 -> 03:00
    assert (period.start, period.end) == (date(2024, 3, 25), date(2024, 4, 1))
    assert (period.start_at, period.end_at) == (_utc(2024, 3, 24, 23), _utc(2024, 3, 31, 22))
    assert _hours(period) == 167


def test_berlin_week_with_the_october_change_is_169_hours() -> None:
    cal = _calendar("weekly", "Europe/Berlin", date(2024, 1, 1))
    period = _containing(cal, date(2024, 10, 27))  # clocks go back 03:00 -> 02:00
    assert (period.start, period.end) == (date(2024, 10, 21), date(2024, 10, 28))
    assert (period.start_at, period.end_at) == (_utc(2024, 10, 20, 22), _utc(2024, 10, 27, 23))
    assert _hours(period) == 169


def test_berlin_ordinary_week_is_168_hours() -> None:
    period = _containing(_calendar("weekly", "Europe/Berlin"), date(2024, 7, 10))
    assert _hours(period) == 168


def test_new_york_months_across_dst() -> None:
    cal = _calendar("monthly", "America/New_York", date(2024, 1, 1))
    november = _containing(cal, date(2024, 11, 15))
    assert (november.start_at, november.end_at) == (_utc(2024, 11, 1, 4), _utc(2024, 12, 1, 5))
    assert _hours(november) == 30 * 24 + 1
    march = _containing(cal, date(2024, 3, 15))
    assert _hours(march) == 31 * 24 - 1
    assert _hours(_containing(cal, date(2024, 7, 15))) == 31 * 24


@pytest.mark.parametrize(
    ("timezone", "day", "expected"),
    [
        ("America/Santiago", date(2022, 9, 11), _utc(2022, 9, 11, 4)),  # 00:00 -04 -> 01:00 -03
        ("Asia/Beirut", date(2023, 3, 26), _utc(2023, 3, 25, 22)),  # 00:00 +02 -> 01:00 +03
        ("America/Havana", date(2024, 3, 10), _utc(2024, 3, 10, 5)),  # 00:00 -05 -> 01:00 -04
        ("America/Toronto", date(1919, 3, 31), _utc(1919, 3, 31, 4, 30)),  # 23:30 -05 -> 00:30 -04
    ],
)
def test_local_midnight_in_a_gap_is_the_end_of_the_gap(
    timezone: str, day: date, expected: datetime
) -> None:
    assert not _midnight_exists(day, timezone)  # the zone data really skips this midnight
    instant = local_midnight(day, timezone)
    assert instant == expected
    assert instant.tzinfo is UTC
    assert local_day(instant, timezone) == day
    assert local_day(instant - SECOND, timezone) == day - timedelta(days=1)


def test_santiago_month_with_a_midnight_gap() -> None:
    cal = _calendar("monthly", "America/Santiago", date(2022, 1, 1))
    september = _containing(cal, date(2022, 9, 11))
    assert (september.start_at, september.end_at) == (_utc(2022, 9, 1, 4), _utc(2022, 10, 1, 3))
    assert _hours(september) == 30 * 24 - 1
    week = _containing(_calendar("weekly", "America/Santiago", week_start=6), date(2022, 9, 11))
    assert (week.start, week.start_at) == (date(2022, 9, 11), _utc(2022, 9, 11, 4))


def test_local_midnight_that_happens_twice_is_the_first() -> None:
    day = date(2023, 11, 5)  # Havana: 01:00 -04 -> 00:00 -05
    instant = local_midnight(day, "America/Havana")
    assert instant == _utc(2023, 11, 5, 4)
    assert (instant + HOUR).astimezone(ZoneInfo("America/Havana")).replace(tzinfo=None) == datetime(
        2023, 11, 5
    )
    assert local_day(instant - SECOND, "America/Havana") == date(2023, 11, 4)


def test_a_skipped_day_begins_and_ends_at_the_same_instant() -> None:
    # Samoa skipped 2011-12-30, moving across the date line.
    skipped = local_midnight(date(2011, 12, 30), "Pacific/Apia")
    assert skipped == local_midnight(date(2011, 12, 31), "Pacific/Apia") == _utc(2011, 12, 30, 10)
    week = _containing(_calendar("weekly", "Pacific/Apia"), date(2011, 12, 30))
    assert (week.days, _hours(week)) == (7, 6 * 24)


def test_same_instant_is_in_different_months_in_auckland_and_los_angeles() -> None:
    instant = _utc(2024, 1, 31, 12)
    auckland = period_at(_calendar("monthly", "Pacific/Auckland"), instant)
    los_angeles = period_at(_calendar("monthly", "America/Los_Angeles"), instant)
    assert auckland is not None
    assert los_angeles is not None
    assert auckland.key == "2024-02-01"  # 01:00 on 1 February, NZDT
    assert los_angeles.key == "2024-01-01"  # 04:00 on 31 January, PST
    assert auckland.start_at == _utc(2024, 1, 31, 11)
    assert los_angeles.end_at == _utc(2024, 2, 1, 8)


def test_period_at_uses_the_local_day() -> None:
    cal = _calendar("monthly", "Europe/Berlin")
    first_of_may = period_at(cal, _utc(2024, 4, 30, 22))  # local midnight of 1 May
    last_of_april = period_at(cal, _utc(2024, 4, 30, 21, 59, 59))
    assert first_of_may is not None
    assert last_of_april is not None
    assert (first_of_may.key, last_of_april.key) == ("2024-05-01", "2024-04-01")
    assert period_at(cal, _utc(1999, 12, 31, 22, 59)) is None


def test_local_day() -> None:
    instant = _utc(2024, 6, 30, 23, 30)
    assert local_day(instant, "UTC") == date(2024, 6, 30)
    assert local_day(instant, "Asia/Kolkata") == date(2024, 7, 1)
    assert local_day(instant, "America/Los_Angeles") == date(2024, 6, 30)


def test_local_day_rejects_naive_datetimes_and_unknown_timezones() -> None:
    with pytest.raises(ValueError, match="aware"):
        local_day(datetime(2024, 1, 1), "UTC")
    with pytest.raises(ValueError, match="aware"):
        period_at(_calendar("monthly"), datetime(2024, 1, 1))
    with pytest.raises(ValueError, match="unknown timezone"):
        local_day(_utc(2024, 1, 1), "Mars/Olympus_Mons")
    with pytest.raises(ValueError, match="unknown timezone"):
        local_midnight(date(2024, 1, 1), "Mars/Olympus_Mons")


# --- navigation --------------------------------------------------------------------------------


def test_period_containing_before_the_first_period_is_none() -> None:
    cal = _calendar("weekly", starts_on=date(2024, 6, 12))
    assert period_containing(cal, date(2024, 6, 9)) is None
    assert period_containing(cal, date(2024, 6, 10)) == first_period(cal)
    assert (
        period_containing(_calendar("yearly", starts_on=date(2024, 6, 1)), date(2023, 12, 31))
        is None
    )


def test_next_and_previous_round_trip() -> None:
    cal = _calendar("monthly", "Europe/Berlin", date(2024, 1, 20))
    first = first_period(cal)
    assert previous_period(cal, first) is None
    chain = [first]
    for _ in range(23):
        following = next_period(cal, chain[-1])
        assert following is not None
        chain.append(following)
    assert [p.key for p in chain[:3]] == ["2024-01-01", "2024-02-01", "2024-03-01"]
    assert chain[-1].key == "2025-12-01"
    for earlier, later in pairwise(chain):
        assert (later.start, later.start_at) == (earlier.end, earlier.end_at)
        assert previous_period(cal, later) == earlier
        assert next_period(cal, earlier) == later
    assert list(periods_between(cal, chain[0], chain[-1])) == chain
    assert list(periods_between(cal, chain[5], chain[5])) == [chain[5]]
    assert list(periods_between(cal, chain[5], chain[4])) == []


def test_periods_between_a_year_of_weeks() -> None:
    cal = _calendar("weekly", "Europe/Berlin", date(2024, 1, 1))
    weeks = list(periods_between(cal, first_period(cal), _containing(cal, date(2024, 12, 29))))
    assert len(weeks) == 52
    assert sorted(_hours(week) for week in weeks) == [167] + [168] * 50 + [169]


def test_period_by_key() -> None:
    cal = _calendar("weekly", starts_on=date(2024, 6, 12), week_start=6)
    found = period_by_key(cal, "2024-06-16")
    assert found is not None
    assert found == _containing(cal, date(2024, 6, 20))
    assert period_by_key(cal, "2024-06-09") == first_period(cal)
    assert period_by_key(cal, "2024-06-17") is None  # inside a period but not its start
    assert period_by_key(cal, "2024-06-02") is None  # a week start before the first period
    assert period_by_key(cal, "20240616") is None  # not the key's ISO form
    assert period_by_key(cal, "2024-02-30") is None
    assert period_by_key(cal, "june") is None
    assert period_by_key(cal, "") is None
    custom = Calendar("custom", "UTC", date(2024, 3, 5), ends_on=date(2024, 3, 9))
    assert period_by_key(custom, "2024-03-05") == first_period(custom)
    assert period_by_key(custom, "2024-03-06") is None


# --- days elapsed and left ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "elapsed", "left"),
    [
        (_utc(2024, 1, 31, 14, 59), 0, 29),  # 23:59 on 31 January in Tokyo: before the period
        (_utc(2024, 1, 31, 15), 1, 29),  # 00:00 on 1 February: the first day
        (_utc(2024, 2, 10, 3), 10, 20),
        (_utc(2024, 2, 28, 15), 29, 1),  # 00:00 on 29 February: the last day
        (_utc(2024, 2, 29, 14, 59, 59), 29, 1),  # 23:59:59 on 29 February
        (_utc(2024, 2, 29, 15), 29, 0),  # 00:00 on 1 March: ended
        (_utc(2025, 6, 1), 29, 0),
        (_utc(2023, 6, 1), 0, 29),
    ],
)
def test_days_elapsed_and_left(now: datetime, elapsed: int, left: int) -> None:
    period = _containing(_calendar("monthly", "Asia/Tokyo"), date(2024, 2, 1))
    assert period.days == 29
    assert days_elapsed(period, now, "Asia/Tokyo") == elapsed
    assert days_left(period, now, "Asia/Tokyo") == left


def test_days_elapsed_and_left_on_a_one_day_period() -> None:
    period = first_period(Calendar("custom", "UTC", date(2024, 1, 5), ends_on=date(2024, 1, 5)))
    assert (
        days_elapsed(period, _utc(2024, 1, 4, 23), "UTC"),
        days_left(period, _utc(2024, 1, 4, 23), "UTC"),
    ) == (0, 1)
    assert (
        days_elapsed(period, _utc(2024, 1, 5, 12), "UTC"),
        days_left(period, _utc(2024, 1, 5, 12), "UTC"),
    ) == (1, 1)
    assert (
        days_elapsed(period, _utc(2024, 1, 6), "UTC"),
        days_left(period, _utc(2024, 1, 6), "UTC"),
    ) == (1, 0)


def test_days_elapsed_rejects_naive_now() -> None:
    period = first_period(_calendar("monthly"))
    with pytest.raises(ValueError, match="aware"):
        days_elapsed(period, datetime(2000, 1, 5), "UTC")
    with pytest.raises(ValueError, match="aware"):
        days_left(period, datetime(2000, 1, 5), "UTC")


# --- validation --------------------------------------------------------------------------------


def test_valid_calendars_have_no_reason() -> None:
    assert check_calendar(_calendar("weekly", "Europe/Berlin", week_start=6)) is None
    assert check_calendar(_calendar("monthly", "America/Santiago")) is None
    assert check_calendar(_calendar("yearly", "UTC")) is None
    assert (
        check_calendar(
            Calendar("custom", "Asia/Beirut", date(2024, 1, 1), ends_on=date(2024, 1, 1))
        )
        is None
    )


@pytest.mark.parametrize(
    ("cal", "reason"),
    [
        (
            Calendar("monthly", "Mars/Olympus_Mons", date(2024, 1, 1)),
            "unknown timezone 'Mars/Olympus_Mons'",
        ),
        (Calendar("monthly", "", date(2024, 1, 1)), "unknown timezone ''"),
        (Calendar("monthly", "America", date(2024, 1, 1)), "unknown timezone 'America'"),
        (
            Calendar("monthly", "../etc/passwd", date(2024, 1, 1)),
            "unknown timezone '../etc/passwd'",
        ),
        (Calendar("quarterly", "UTC", date(2024, 1, 1)), "unknown period kind 'quarterly'"),  # type: ignore[arg-type]
        (Calendar("custom", "UTC", date(2024, 1, 1)), "a custom calendar needs ends_on"),
        (
            Calendar("custom", "UTC", date(2024, 1, 2), ends_on=date(2024, 1, 1)),
            "ends_on is before starts_on",
        ),
        (
            Calendar("weekly", "UTC", date(2024, 1, 1), ends_on=date(2024, 2, 1)),
            "ends_on is only allowed on custom",
        ),
        (
            Calendar("monthly", "UTC", date(2024, 1, 1), ends_on=date(2024, 2, 1)),
            "ends_on is only allowed on custom",
        ),
        (
            Calendar("weekly", "UTC", date(2024, 1, 1), week_start=7),
            "week_start must be 0 (Monday) to 6 (Sunday)",
        ),
        (
            Calendar("weekly", "UTC", date(2024, 1, 1), week_start=-1),
            "week_start must be 0 (Monday) to 6 (Sunday)",
        ),
        (Calendar("monthly", "UTC", datetime(2024, 1, 1)), "starts_on must be a date"),
    ],
)
def test_check_calendar_reasons(cal: Calendar, reason: str) -> None:
    found = check_calendar(cal)
    assert found is not None
    assert found.startswith(reason)
    with pytest.raises(ValueError, match="^" + re.escape(found) + "$"):
        first_period(cal)
    with pytest.raises(ValueError, match="^" + re.escape(found) + "$"):
        period_containing(cal, date(2024, 1, 15))


# --- properties --------------------------------------------------------------------------------

timezones = st.sampled_from(TIMEZONES)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))
repeating_calendars = st.builds(
    Calendar,
    kind=st.sampled_from(("weekly", "monthly", "yearly")),
    timezone=timezones,
    starts_on=st.just(date(2000, 1, 1)),
    week_start=st.integers(min_value=0, max_value=6),
)


def _aligned(cal: Calendar, period: Period) -> bool:
    if cal.kind == "weekly":
        return period.start.weekday() == cal.week_start and period.days == 7
    if cal.kind == "monthly":
        return period.start.day == 1 and period.end.day == 1 and 28 <= period.days <= 31
    return (period.start.month, period.start.day, period.end.year) == (1, 1, period.start.year + 1)


@PROPERTY
@given(cal=repeating_calendars, day=days)
def test_periods_contain_their_days_and_are_contiguous(cal: Calendar, day: date) -> None:
    period = _containing(cal, day)
    assert period.start <= day < period.end
    assert _aligned(cal, period)
    assert period.start_at < period.end_at
    assert period.start_at.tzinfo is UTC
    assert period.end_at.tzinfo is UTC
    assert period.start_at == local_midnight(period.start, cal.timezone)
    assert period.end_at == local_midnight(period.end, cal.timezone)
    assert period_at(cal, period.start_at) == period
    assert period_at(cal, period.end_at - SECOND) == period
    assert period_by_key(cal, period.key) == period
    following = next_period(cal, period)
    assert following is not None
    assert (following.start, following.start_at) == (period.end, period.end_at)
    assert following.start_at < following.end_at
    assert previous_period(cal, following) == period
    assert list(periods_between(cal, period, following)) == [period, following]


@PROPERTY
@given(
    timezone=timezones,
    start=days,
    length=st.integers(min_value=0, max_value=400),
    offset=st.integers(-5, 405),
)
def test_custom_period_covers_exactly_its_range(
    timezone: str, start: date, length: int, offset: int
) -> None:
    cal = Calendar("custom", timezone, start, ends_on=start + timedelta(days=length))
    period = first_period(cal)
    assert (period.start, period.days) == (start, length + 1)
    assert period.start_at < period.end_at
    day = start + timedelta(days=offset)
    assert period_containing(cal, day) == (period if 0 <= offset <= length else None)
    assert next_period(cal, period) is None
    assert previous_period(cal, period) is None


@PROPERTY
@given(
    timezone=st.sampled_from((*TIMEZONES, "America/Toronto", "Pacific/Apia")),
    day=st.dates(min_value=date(1900, 1, 2), max_value=date(2090, 12, 31)),
)
def test_local_midnight_is_the_first_instant_of_the_day(timezone: str, day: date) -> None:
    instant = local_midnight(day, timezone)
    assert instant.tzinfo is UTC
    assert local_day(instant, timezone) >= day  # greater only for a day skipped entirely
    assert local_day(instant - SECOND, timezone) < day
    if _midnight_exists(day, timezone):
        assert instant.astimezone(ZoneInfo(timezone)).replace(tzinfo=None) == datetime.combine(
            day, time()
        )


@PROPERTY
@given(cal=repeating_calendars, day=days, hour=st.integers(min_value=-48, max_value=48))
def test_days_elapsed_and_left_are_clamped_and_complementary(
    cal: Calendar, day: date, hour: int
) -> None:
    period = _containing(cal, day)
    now = (
        period.start_at + timedelta(hours=hour)
        if hour < 0
        else period.end_at - timedelta(hours=hour)
    )
    elapsed = days_elapsed(period, now, cal.timezone)
    left = days_left(period, now, cal.timezone)
    assert 0 <= elapsed <= period.days
    assert 0 <= left <= period.days
    today = local_day(now, cal.timezone)
    if period.start <= today < period.end:
        assert elapsed + left == period.days + 1
    else:
        assert elapsed + left == period.days
