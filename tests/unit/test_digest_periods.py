"""The period a digest covers: the day or ISO week that last ended in the person's timezone,
its bounds in UTC (a day of a daylight-saving change is 23 or 25 hours long)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from bus.digests import last_ended
from bus.notification_preferences import SetNotificationPreferences, digest_periods, effective


def test_a_daily_digest_covers_yesterday_in_the_persons_timezone() -> None:
    now = datetime(2026, 12, 7, 0, 30, tzinfo=UTC)  # 01:30 in Paris, 16:30 the day before in LA
    paris = last_ended(now, "Europe/Paris", "daily")
    assert paris.key == "2026-12-06"
    assert (paris.start, paris.end) == (
        datetime(2026, 12, 5, 23, 0, tzinfo=UTC),
        datetime(2026, 12, 6, 23, 0, tzinfo=UTC),
    )
    assert last_ended(now, "America/Los_Angeles", "daily").key == "2026-12-05"


def test_the_day_clocks_go_back_is_25_hours() -> None:
    day = last_ended(datetime(2026, 10, 26, 12, 0, tzinfo=UTC), "Europe/Berlin", "daily")
    assert day.key == "2026-10-25"
    assert day.end - day.start == timedelta(hours=25)


def test_a_weekly_digest_covers_the_last_whole_iso_week() -> None:
    sunday_night = datetime(2026, 12, 6, 22, 0, tzinfo=UTC)  # still Sunday in UTC and London
    monday_early = datetime(2026, 12, 6, 23, 30, tzinfo=UTC)  # Monday 00:30 in Paris
    assert last_ended(sunday_night, "Europe/London", "weekly").key == "2026-W48"
    week = last_ended(monday_early, "Europe/Paris", "weekly")
    assert week.key == "2026-W49"
    assert (week.start, week.end) == (
        datetime(2026, 11, 29, 23, 0, tzinfo=UTC),
        datetime(2026, 12, 6, 23, 0, tzinfo=UTC),
    )


def test_digests_follow_the_kinds_mailed_and_never_take_security() -> None:
    stored = {
        "group_bill": {"digest": "weekly"},
        "budget_threshold": {"digest": "daily"},  # not mailed: no digest needed
        "security": {"digest": "daily"},  # stored by hand: still at once
    }
    chosen = effective(stored)
    assert chosen["group_bill"] == {"email": True, "push": True, "digest": "weekly"}
    assert chosen["security"]["digest"] == "off"
    assert digest_periods(stored) == ["weekly"]
    with pytest.raises(ValidationError, match="always goes at once"):
        SetNotificationPreferences.model_validate({"kinds": {"security": {"digest": "daily"}}})
