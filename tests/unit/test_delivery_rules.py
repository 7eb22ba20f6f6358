"""The pure rules of a delivery: its keys, its deep link, the wait before the next attempt, and
what its record becomes after each kind of answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from actors.notifications.courier import outcome_changes
from actors.notifications.delivery_result import (
    Expired,
    PermanentFailure,
    Sent,
    TemporaryFailure,
)
from actors.notifications.delivery_rules import backoff_s, deep_link, delivery_id, message_id
from bus.settings import Settings

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
SETTINGS = Settings(
    notification_retry_base_s=5.0, notification_retry_max_s=60.0, notification_max_attempts=4
)


def test_a_delivery_has_one_key_per_item_channel_and_target() -> None:
    assert delivery_id("n1", "email") == delivery_id("n1", "email")
    assert (
        len(
            {
                delivery_id("n1", "email"),
                delivery_id("n2", "email"),
                delivery_id("n1", "web_push", "s1"),
                delivery_id("n1", "web_push", "s2"),
            }
        )
        == 4
    )


def test_the_message_id_is_the_key_at_the_senders_domain() -> None:
    assert message_id("d1", "ledgerbus <no-reply@mail.example.com>") == "<d1@mail.example.com>"
    assert message_id("d1", "no-reply@example.org") == "<d1@example.org>"


def test_the_wait_doubles_from_the_base_up_to_the_cap() -> None:
    assert [backoff_s(n, 5.0, 60.0) for n in range(1, 7)] == [5, 10, 20, 40, 60, 60]
    assert backoff_s(10_000, 5.0, 60.0) == 60.0  # no overflow however many attempts


def test_a_deep_link_names_the_entity_under_its_group() -> None:
    base = "https://app.example.com/"
    assert deep_link(base, {"entity": "budget", "id": "b1"}) == "https://app.example.com/budget/b1"
    assert deep_link(base, {"entity": "group_expense", "id": "e 1", "group_id": "g1"}) == (
        "https://app.example.com/groups/g1/group_expense/e%201"
    )


def test_sent_clears_the_last_error() -> None:
    changes = outcome_changes(2, Sent(250, "<d1@x>"), NOW, SETTINGS)
    assert changes == {
        "status": "sent",
        "sent_at": NOW,
        "provider_id": "<d1@x>",
        "last_error": None,
    }


def test_a_temporary_failure_waits_longer_each_time_then_gives_up() -> None:
    first = outcome_changes(1, TemporaryFailure("451 later"), NOW, SETTINGS)
    assert first == {
        "status": "retrying",
        "due_at": NOW + timedelta(seconds=5),
        "last_error": "451 later",
    }
    third = outcome_changes(3, TemporaryFailure("451 later"), NOW, SETTINGS)
    assert third["due_at"] == NOW + timedelta(seconds=20)
    last = outcome_changes(4, TemporaryFailure("451 later"), NOW, SETTINGS)
    assert last == {"status": "failed", "last_error": "gave up after 4 attempts: 451 later"}


def test_a_providers_retry_after_is_respected_within_the_cap() -> None:
    asked = outcome_changes(1, TemporaryFailure("429", 429, retry_after_s=30.0), NOW, SETTINGS)
    assert asked["due_at"] == NOW + timedelta(seconds=30)
    too_long = outcome_changes(1, TemporaryFailure("429", 429, retry_after_s=9999.0), NOW, SETTINGS)
    assert too_long["due_at"] == NOW + timedelta(seconds=60)


def test_permanent_failures_and_expired_subscriptions_fail_at_once() -> None:
    assert outcome_changes(1, PermanentFailure("550 no such user", 550), NOW, SETTINGS) == {
        "status": "failed",
        "last_error": "550 no such user",
    }
    assert outcome_changes(1, Expired(410, "gone"), NOW, SETTINGS)["status"] == "failed"
