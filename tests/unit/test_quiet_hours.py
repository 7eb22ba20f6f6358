"""Quiet hours in the person's timezone: inside or not, across midnight, and a day whose clocks
change."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from bus.quiet_hours import QuietHours, quiet_until

NIGHT = QuietHours(start="22:00", end="07:00")
LUNCH = QuietHours(start="12:00", end="13:30")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_a_night_across_midnight_ends_the_next_morning() -> None:
    # 23:30 in Paris (UTC+1 in December): quiet until 07:00 Paris the next day, 06:00 UTC
    assert quiet_until(utc(2026, 12, 7, 22, 30), "Europe/Paris", NIGHT) == utc(2026, 12, 8, 6, 0)
    # 05:00 in Paris: the same night, ending this morning
    assert quiet_until(utc(2026, 12, 8, 4, 0), "Europe/Paris", NIGHT) == utc(2026, 12, 8, 6, 0)
    # 07:00 sharp and midday: not quiet
    assert quiet_until(utc(2026, 12, 8, 6, 0), "Europe/Paris", NIGHT) is None
    assert quiet_until(utc(2026, 12, 8, 11, 0), "Europe/Paris", NIGHT) is None


def test_a_span_within_a_day() -> None:
    assert quiet_until(utc(2026, 12, 7, 17, 0), "America/New_York", LUNCH) == utc(
        2026, 12, 7, 18, 30
    )
    assert quiet_until(utc(2026, 12, 7, 18, 30), "America/New_York", LUNCH) is None
    assert quiet_until(utc(2026, 12, 7, 16, 59), "America/New_York", LUNCH) is None


def test_the_night_the_clocks_go_forward_ends_at_the_local_hour() -> None:
    # Paris, 29 March 2026: 02:00 becomes 03:00. Quiet 22:00-07:00 ends at 07:00 CEST = 05:00 UTC.
    assert quiet_until(utc(2026, 3, 28, 23, 0), "Europe/Paris", NIGHT) == utc(2026, 3, 29, 5, 0)


def test_the_same_time_of_day_is_the_persons_own() -> None:
    # 23:00 UTC is quiet in London (23:00) but not in Tokyo (08:00 the next day)
    assert quiet_until(utc(2026, 12, 7, 23, 0), "Europe/London", NIGHT) is not None
    assert quiet_until(utc(2026, 12, 7, 23, 0), "Asia/Tokyo", NIGHT) is None


def test_equal_start_and_end_is_never_quiet() -> None:
    same = QuietHours(start="22:00", end="22:00")
    assert quiet_until(utc(2026, 12, 7, 21, 0), "Europe/Paris", same) is None


@pytest.mark.parametrize(
    ("start", "end"),
    [("24:00", "07:00"), ("7:00", "08:00"), ("22:60", "07:00"), ("22:00", "")],
)
def test_bad_spans_are_refused(start: str, end: str) -> None:
    with pytest.raises(ValidationError):
        QuietHours(start=start, end=end)
