"""Every command a process sends the database is counted by collection, command and outcome,
and timed by command; the labels stay bounded whatever the command names."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from prometheus_client import REGISTRY
from pymongo import monitoring

from storage.database import collection_names
from storage.db_metrics import CommandMetrics

ADDRESS = ("127.0.0.1", 27017)


def _count(collection: str, command: str, outcome: str) -> float:
    labels = {"collection": collection, "command": command, "outcome": outcome}
    return REGISTRY.get_sample_value("ledgerbus_db_commands_total", labels) or 0.0


def _timed(command: str) -> float:
    labels = {"command": command}
    return REGISTRY.get_sample_value("ledgerbus_db_command_duration_seconds_count", labels) or 0.0


def _run(listener: CommandMetrics, n: int, command: dict[str, Any], ok: bool = True) -> None:
    name = next(iter(command))
    listener.started(monitoring.CommandStartedEvent(command, "ledgerbus", n, ADDRESS, n))
    took = timedelta(milliseconds=3)
    if ok:
        listener.succeeded(monitoring.CommandSucceededEvent(took, {"ok": 1}, name, n, ADDRESS, n))
    else:
        failure = {"ok": 0, "code": 112}
        listener.failed(monitoring.CommandFailedEvent(took, failure, name, n, ADDRESS, n))


def test_commands_are_counted_by_collection_command_and_outcome() -> None:
    listener = CommandMetrics(collection_names())
    watched = [
        ("budgets", "find", "ok"),
        ("scope_counters", "update", "failed"),
        ("none", "commitTransaction", "ok"),
        ("other", "find", "ok"),
        ("other", "other", "ok"),
        ("notifications", "getMore", "ok"),
    ]
    before = {w: _count(*w) for w in watched}
    timed = _timed("find")
    _run(listener, 1, {"find": "budgets", "filter": {"_id": "b1"}})
    _run(listener, 2, {"update": "scope_counters", "updates": []}, ok=False)
    _run(listener, 3, {"commitTransaction": 1})
    _run(listener, 4, {"find": "someone_elses"})  # not a collection of ours: not its name
    _run(listener, 5, {"dropEverything;--": 1})  # an unknown command: not its name either
    _run(listener, 6, {"getMore": 12345, "collection": "notifications"})
    assert {w: _count(*w) - before[w] for w in watched} == dict.fromkeys(watched, 1)
    assert _timed("find") == timed + 2


def test_the_collections_counted_are_the_documents_of_the_database() -> None:
    names = collection_names()
    assert {"budgets", "notifications", "push_devices", "scope_counters", "outbox"} <= set(names)
    assert len(names) == len(set(names))
