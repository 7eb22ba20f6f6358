"""What a process asks of the database: every command PyMongo sends, counted by collection and
command name and timed by command name (``pymongo.monitoring``).

An operator sees from these which process, and which of its collections, loads the database (a
MongoDB-wire server shared by every actor is usually the first thing to saturate). Labels stay
bounded: a collection is one of the documents of :mod:`storage.database` (anything else is
``other``), a command one of :data:`COMMANDS`.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import Counter, Histogram
from pymongo import monitoring

OTHER = "other"
COMMANDS = frozenset(
    {
        "find",
        "getMore",
        "insert",
        "update",
        "delete",
        "findAndModify",
        "aggregate",
        "count",
        "distinct",
        "commitTransaction",
        "abortTransaction",
        "createIndexes",
        "listIndexes",
        "ping",
        "hello",
        "endSessions",
    }
)
_NO_COLLECTION = frozenset(
    {"commitTransaction", "abortTransaction", "ping", "hello", "endSessions"}
)

DB_COMMANDS = Counter(
    "ledgerbus_db_commands_total",
    "Commands this process sent to the database, by collection (none: a transaction's commit "
    "or abort, a ping) and command name, and whether they failed.",
    ["collection", "command", "outcome"],
)
DB_COMMAND_SECONDS = Histogram(
    "ledgerbus_db_command_duration_seconds",
    "Time from sending a database command to its answer, by command name.",
    ["command"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)


class CommandMetrics(monitoring.CommandListener):
    """Counts and times each command; its collection read from the command as it is sent."""

    def __init__(self, collections: Iterable[str]) -> None:
        self._collections = frozenset(collections)
        self._started: dict[tuple[int, int | None], tuple[str, str]] = {}

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        name = event.command_name if event.command_name in COMMANDS else OTHER
        field = "collection" if name == "getMore" else event.command_name  # getMore: a cursor
        target = event.command.get(field)
        if name in _NO_COLLECTION:
            collection = "none"
        elif isinstance(target, str) and target in self._collections:
            collection = target
        else:
            collection = OTHER
        self._started[(event.request_id, event.operation_id)] = (name, collection)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        self._done(event.request_id, event.operation_id, event.duration_micros, "ok")

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        self._done(event.request_id, event.operation_id, event.duration_micros, "failed")

    def _done(self, request_id: int, operation_id: int | None, micros: int, outcome: str) -> None:
        name, collection = self._started.pop((request_id, operation_id), (OTHER, OTHER))
        DB_COMMANDS.labels(collection, name, outcome).inc()
        DB_COMMAND_SECONDS.labels(name).observe(micros / 1_000_000)
