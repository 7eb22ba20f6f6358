"""An actor process's metrics: what it applied, how it batched, and how far behind it is.

Labels stay bounded: the actor's name, a command type the actor handles (or an event type it
reacts to; anything else is ``other``), an outcome status, and a consumer's stream and durable.
Never a user, a scope or an id. How far behind: each of the process's durable consumers as
JetStream sees it (pending, waiting for an ack, redelivered, pulls waiting), read every few
seconds by :func:`watch_consumers`, the messages queued in the applier's lanes, and the age of
the oldest outbox entry the relay finds.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import structlog
from prometheus_client import Counter, Gauge, Histogram

from actors.kernel import ActorDefinition

log = structlog.get_logger(__name__)

CONSUMER_WATCH_S = 5.0
"""How often an actor process reads its durable consumers' state from JetStream."""
OTHER = "other"
STATUSES = ("accepted", "rejected", "replayed", "retried", "dead_lettered")

COMMANDS = Counter(
    "ledgerbus_commands_total",
    "Commands (and event reactions) an actor process finished with, by actor, type and "
    "status: accepted, rejected, replayed (a duplicate answered with its stored outcome), "
    "retried (nak'd to be delivered again) or dead_lettered.",
    ["actor", "type", "status"],
)
BATCH_SIZE = Histogram(
    "ledgerbus_batch_size",
    "Messages applied together in one transaction (a lane's batch as taken), by actor.",
    ["actor"],
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512),
)
TRANSACTION_SECONDS = Histogram(
    "ledgerbus_transaction_duration_seconds",
    "Time a batch's transaction took, write-conflict retries included, by actor.",
    ["actor"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
EVENTS_PUBLISHED = Counter(
    "ledgerbus_events_published_total",
    "Events published to JetStream right after their batch committed, by actor.",
    ["actor"],
)
OUTBOX_RELAYED = Counter(
    "ledgerbus_outbox_relayed_events_total",
    "Events the outbox relay published because the normal path had not (a crash, an outage).",
)
OUTBOX_LAG = Gauge(
    "ledgerbus_outbox_lag_seconds",
    "Age of the oldest outbox entry the relay found at its last pass (0: none past "
    "relay_min_age_s).",
)
LANE_QUEUED = Gauge(
    "ledgerbus_lane_queued_messages",
    "Messages waiting in the applier's lanes of this process, by actor.",
    ["actor"],
)
_CONSUMER = ["stream", "durable"]
CONSUMER_PENDING = Gauge(
    "ledgerbus_consumer_pending_messages",
    "Messages of a durable consumer's subject not yet delivered (JetStream num_pending).",
    _CONSUMER,
)
CONSUMER_ACK_PENDING = Gauge(
    "ledgerbus_consumer_ack_pending_messages",
    "Messages delivered and not yet acked (JetStream num_ack_pending).",
    _CONSUMER,
)
CONSUMER_REDELIVERED = Gauge(
    "ledgerbus_consumer_redelivered_messages",
    "Messages delivered more than once and not yet acked (JetStream num_redelivered).",
    _CONSUMER,
)
CONSUMER_WAITING = Gauge(
    "ledgerbus_consumer_waiting_pulls",
    "Pull requests waiting for messages (JetStream num_waiting).",
    _CONSUMER,
)


class ActorMetrics:
    """The metrics of one actor, with its labels bounded by what the actor handles."""

    def __init__(self, definition: ActorDefinition) -> None:
        self.actor = definition.name
        self._types = frozenset(definition.handlers) | frozenset(definition.reactions)

    def type_label(self, command_type: str | None) -> str:
        """``command_type`` if the actor handles it (or reacts to it), else ``other``."""
        if command_type is not None and command_type in self._types:
            return command_type
        return OTHER

    def command(self, command_type: str | None, status: str) -> None:
        """Count one message finished with ``status`` (one of :data:`STATUSES`)."""
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        COMMANDS.labels(self.actor, self.type_label(command_type), status).inc()

    def batch(self, size: int) -> None:
        BATCH_SIZE.labels(self.actor).observe(size)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Time the block as one batch's transaction."""
        with TRANSACTION_SECONDS.labels(self.actor).time():
            yield

    def published(self, events: int) -> None:
        EVENTS_PUBLISHED.labels(self.actor).inc(events)


def outbox_lag(oldest: datetime | None, now: datetime) -> float:
    """Seconds since ``oldest`` was written (0 without one); a naive time is UTC."""
    if oldest is None:
        return 0.0
    if oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return max(0.0, (now - oldest).total_seconds())


def record_consumer(stream: str, durable: str, info: Any) -> None:
    """Set the gauges of one consumer from its ``consumer_info`` answer."""
    labels = (stream, durable)
    CONSUMER_PENDING.labels(*labels).set(info.num_pending or 0)
    CONSUMER_ACK_PENDING.labels(*labels).set(info.num_ack_pending or 0)
    CONSUMER_REDELIVERED.labels(*labels).set(info.num_redelivered or 0)
    CONSUMER_WAITING.labels(*labels).set(info.num_waiting or 0)


async def watch_consumers(
    js: Any,
    actor: str,
    consumers: Sequence[tuple[str, str]],
    queued: Callable[[], int],
    interval_s: float = CONSUMER_WATCH_S,
) -> None:
    """Forever: read each (stream, durable)'s state from JetStream into the consumer gauges,
    and the applier's queued messages into the lane gauge; a failed read keeps the last value."""
    while True:
        LANE_QUEUED.labels(actor).set(queued())
        for stream, durable in consumers:
            try:
                record_consumer(stream, durable, await js.consumer_info(stream, durable))
            except Exception as exc:  # NATS away, or the consumer deleted: try again later
                log.debug("consumer_info_failed", durable=durable, error=str(exc)[:200])
        await asyncio.sleep(interval_s)
