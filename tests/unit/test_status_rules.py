"""``ledgerbus status`` and ``scale`` without servers: how a durable is judged, the exit code,
the supervisor's state file, which requests to scale are refused, and an added process's
metrics port."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from nats.js.api import ConsumerInfo

from bus.settings import Settings
from deploy.children import ChildSpec
from deploy.control_replicas import MAX_PROCESSES, replica_env, scale_refusal
from deploy.control_state import ProcessLedger, read_state, state_path
from deploy.status import BusView, Limits, durable_row, is_subscribed, judged
from deploy.status_view import (
    EXIT_LAGGING,
    EXIT_NO_SUBSCRIBER,
    EXIT_OK,
    EXIT_UNREACHABLE,
    Snapshot,
    document,
)

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
LIMITS = Limits(max_lag=100, max_age_s=60.0)


def _iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def consumer(
    *,
    waiting: int = 0,
    pending: int = 0,
    ack_pending: int = 0,
    delivered_at: datetime | None = None,
    acked_at: datetime | None = None,
) -> ConsumerInfo:
    """A pull consumer's info as the server answers it."""
    delivered: dict[str, Any] = {"consumer_seq": 7, "stream_seq": 9}
    floor: dict[str, Any] = {"consumer_seq": 5, "stream_seq": 6}
    if delivered_at is not None:
        delivered["last_active"] = _iso(delivered_at)
    if acked_at is not None:
        floor["last_active"] = _iso(acked_at)
    info: ConsumerInfo = ConsumerInfo.from_response(
        {
            "name": "expenses",
            "stream_name": "COMMANDS",
            "created": _iso(NOW - timedelta(days=1)),
            "config": {"durable_name": "expenses", "filter_subject": "cmd.expenses.*"},
            "delivered": delivered,
            "ack_floor": floor,
            "num_ack_pending": ack_pending,
            "num_redelivered": 2,
            "num_waiting": waiting,
            "num_pending": pending,
        }
    )
    return info


def test_a_pull_consumer_with_a_waiting_pull_is_subscribed() -> None:
    assert is_subscribed(consumer(waiting=1), NOW)


def test_a_pull_consumer_without_pulls_is_subscribed_only_while_it_was_recently_active() -> None:
    assert is_subscribed(consumer(delivered_at=NOW - timedelta(seconds=10)), NOW)
    assert is_subscribed(consumer(acked_at=NOW - timedelta(seconds=10)), NOW)
    assert not is_subscribed(consumer(delivered_at=NOW - timedelta(minutes=5)), NOW)
    assert not is_subscribed(consumer(), NOW)


def test_a_durable_row_carries_the_counts_and_the_ages() -> None:
    info = consumer(waiting=2, pending=40, ack_pending=3, acked_at=NOW - timedelta(seconds=30))
    row = durable_row(info, "expenses", NOW, (NOW - timedelta(seconds=90), "stream"))

    assert (row.pending, row.ack_pending, row.lag, row.redelivered) == (40, 3, 43, 2)
    assert (row.waiting_pulls, row.subscribed, row.actor) == (2, True, "expenses")
    assert row.last_applied == NOW - timedelta(seconds=30)
    assert (row.oldest_unacked_age_s, row.oldest_unacked_from) == (90.0, "stream")


def test_problems_name_no_subscriber_lag_over_the_limit_and_age_over_the_limit() -> None:
    idle = durable_row(consumer(pending=101), None, NOW, (NOW - timedelta(seconds=61), "stream"))
    fine = durable_row(consumer(waiting=1, pending=100), None, NOW, (NOW, "stream"))

    assert judged(idle, LIMITS).problems == (
        "no subscriber",
        "lag 101 > 100",
        "oldest unacked 61 s > 60 s",
    )
    assert judged(fine, LIMITS).problems == ()


def _snapshot(*rows_of: ConsumerInfo, error: str | None = None) -> Snapshot:
    rows = [judged(durable_row(info, None, NOW, None), LIMITS) for info in rows_of]
    return Snapshot(NOW, "nats://x", "/d", LIMITS, BusView(durables=rows, error=error), None)


def test_the_exit_code_says_the_worst_finding() -> None:
    bound, lagging, unbound = consumer(waiting=1), consumer(waiting=1, pending=500), consumer()

    assert _snapshot(bound).exit_code == EXIT_OK
    assert _snapshot(bound, lagging).exit_code == EXIT_LAGGING
    assert _snapshot(lagging, unbound).exit_code == EXIT_NO_SUBSCRIBER
    assert _snapshot(error="cannot connect").exit_code == EXIT_UNREACHABLE
    assert json.loads(json.dumps(document(_snapshot(lagging))))["durables"][0]["lag"] == 500


def test_the_state_file_is_private_and_follows_starts_restarts_and_removals(tmp_path: Path) -> None:
    path = state_path(tmp_path)
    ledger = ProcessLedger(path, {"nats_url": "nats://127.0.0.1:4222"})
    ledger.started("actor:expenses", 101)
    ledger.started("actor:expenses#2", 102)
    ledger.exited("actor:expenses", -9)
    ledger.started("actor:expenses", 103)
    ledger.removed("actor:expenses#2")

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    state = read_state(tmp_path)
    assert state is not None
    assert state.pid == os.getpid()
    assert state.meta == {"nats_url": "nats://127.0.0.1:4222"}
    [child] = state.children
    assert (child.name, child.pid, child.restarts, child.last_exit_code) == (
        "actor:expenses",
        103,
        1,
        -9,
    )
    ledger.close()
    assert not path.exists()


def test_a_state_file_left_by_a_supervisor_that_is_gone_is_ignored(tmp_path: Path) -> None:
    ProcessLedger(state_path(tmp_path)).started("nats", 1)
    raw = json.loads(state_path(tmp_path).read_text())
    raw["started_at"] -= 3600  # the pid is ours, but not the process that wrote it
    state_path(tmp_path).write_text(json.dumps(raw))

    assert read_state(tmp_path) is None


def test_scale_refuses_unknown_actors_and_counts_out_of_range() -> None:
    known = {"expenses", "splits"}

    assert scale_refusal("expenses", 2, known) is None
    assert scale_refusal("expenses", MAX_PROCESSES, known) is None
    assert "unknown actor 'payroll'" in (scale_refusal("payroll", 2, known) or "")
    assert "at least 1" in (scale_refusal("expenses", 0, known) or "")
    assert f"at most {MAX_PROCESSES}" in (scale_refusal("expenses", MAX_PROCESSES + 1, known) or "")


def _spec(name: str, env: dict[str, str] | None) -> ChildSpec:
    return ChildSpec(name, ["true"], env=env)


def test_an_added_process_gets_a_metrics_port_none_of_the_children_has_on_their_host() -> None:
    first = {"LEDGERBUS_METRICS_PORT": "9101", "LEDGERBUS_METRICS_HOST": "10.0.0.5", "X": "1"}
    children = [
        _spec("nats", None),
        _spec("edge", {"LEDGERBUS_METRICS_PORT": "9100"}),
        _spec("actor:expenses", first),
        _spec("actor:expenses#2", {**first, "LEDGERBUS_METRICS_PORT": "9102"}),
    ]
    offered = iter([9100, 9101, 9102, 9103])
    hosts: list[str] = []

    def find_port(host: str) -> int:
        hosts.append(host)
        return next(offered)

    env = replica_env(first, children, find_port)

    assert env == {**first, "LEDGERBUS_METRICS_PORT": "9103"}
    assert set(hosts) == {"10.0.0.5"}
    assert first["LEDGERBUS_METRICS_PORT"] == "9101"  # the first's is left alone


def test_an_added_process_binds_metrics_where_the_settings_default_says_when_unset() -> None:
    first = {"LEDGERBUS_METRICS_PORT": "9101"}
    hosts: list[str] = []

    def find_port(host: str) -> int:
        hosts.append(host)
        return 9200

    assert replica_env(first, [_spec("actor:x", first)], find_port) == {
        "LEDGERBUS_METRICS_PORT": "9200"
    }
    assert hosts == [Settings.model_fields["metrics_host"].default]
    assert hosts == ["127.0.0.1"]
    assert replica_env({"X": "1"}, [], find_port) == {"X": "1"}  # no metrics: no port
    assert replica_env(None, [], find_port) is None
    assert len(hosts) == 1
