"""How push services' answers are read: which are sent, expired, worth a retry, or final."""

from __future__ import annotations

import email.utils

import pytest

from actors.notifications.delivery_result import (
    DeliveryResult,
    Expired,
    PermanentFailure,
    Sent,
    TemporaryFailure,
    classify_status,
    retry_after_seconds,
)


def web_push_answer(status: int, retry_after: str | None = None) -> DeliveryResult:
    return classify_status(
        status, accepted=(201, 202), expired=(404, 410), retry_after=retry_after, reason="r"
    )


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (201, Sent(status=201)),
        (202, Sent(status=202)),
        (404, Expired(status=404, reason="r")),
        (410, Expired(status=410, reason="r")),
        (429, TemporaryFailure(reason="r", status=429)),
        (500, TemporaryFailure(reason="r", status=500)),
        (503, TemporaryFailure(reason="r", status=503)),
        (400, PermanentFailure(reason="r", status=400)),
        (403, PermanentFailure(reason="r", status=403)),
        (413, PermanentFailure(reason="r", status=413)),
        (200, PermanentFailure(reason="r", status=200)),
        (301, PermanentFailure(reason="r", status=301)),
    ],
)
def test_web_push_statuses_are_read_as_rfc_8030_says(status: int, expected: DeliveryResult) -> None:
    assert web_push_answer(status) == expected


def test_retry_after_is_kept_on_a_temporary_failure() -> None:
    assert web_push_answer(503, "7") == TemporaryFailure(reason="r", status=503, retry_after_s=7.0)


def test_retry_after_as_an_http_date_is_seconds_from_now() -> None:
    date = email.utils.formatdate(1_000_090, usegmt=True)

    assert retry_after_seconds(date, now=1_000_000) == 90.0


@pytest.mark.parametrize("value", [None, "", "soon", "-5"])
def test_unreadable_retry_after_is_none(value: str | None) -> None:
    assert retry_after_seconds(value) is None


def test_retry_after_date_in_the_past_is_zero() -> None:
    date = email.utils.formatdate(1_000_000, usegmt=True)

    assert retry_after_seconds(date, now=1_000_090) == 0.0
