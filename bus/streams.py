"""JetStream stream and consumer definitions, in one place, created idempotently at start."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import structlog
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    DiscardPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import BadRequestError, NotFoundError, ServiceUnavailableError

from bus.settings import Settings
from bus.subjects import COMMANDS_ALL, COMMANDS_STREAM, EVENTS_ALL, EVENTS_STREAM

log = structlog.get_logger(__name__)
T = TypeVar("T")


def stream_configs(settings: Settings) -> list[StreamConfig]:
    """The COMMANDS and EVENTS streams with retention, storage and replicas from settings."""
    storage = StorageType.FILE if settings.stream_storage == "file" else StorageType.MEMORY
    return [
        StreamConfig(
            name=name,
            subjects=[subjects],
            retention=RetentionPolicy.LIMITS,
            discard=DiscardPolicy.OLD,
            storage=storage,
            num_replicas=settings.stream_replicas,
            duplicate_window=settings.stream_duplicate_window_s,
            max_age=settings.stream_max_age_s,
            description=description,
        )
        for name, subjects, description in (
            (COMMANDS_STREAM, COMMANDS_ALL, "Commands to actors: cmd.<domain>.<verb>"),
            (EVENTS_STREAM, EVENTS_ALL, "Events: evt.<scope_kind>.<scope_id>.<entity>.<verb>"),
        )
    ]


STREAM_IN_USE = 10058
"""JetStream's error code when another process made the stream first."""
SETTLE_EVERY_S = 0.5
Call = Callable[[], Awaitable[T]]


async def while_settling(call: Call[T], settings: Settings) -> T:
    """``call()`` again (every half second, for at most ``stream_setup_timeout_s``) while
    JetStream cannot answer it yet: in a cluster, a stream's or consumer's requests go
    unanswered (or are refused with 503) until its group has elected a leader, as after the
    first start or the loss of a server. Any other error, or the deadline, is raised."""
    deadline = time.monotonic() + settings.stream_setup_timeout_s
    while True:
        try:
            return await call()
        except (NatsTimeoutError, NoRespondersError, ServiceUnavailableError) as exc:
            if time.monotonic() >= deadline:
                raise
            log.info("jetstream_settling", error=str(exc) or type(exc).__name__)
        await asyncio.sleep(SETTLE_EVERY_S)


async def ensure_streams(js: JetStreamContext, settings: Settings) -> None:
    """Create the streams, or update them where they differ from the settings; safe to call
    from many processes at once, and while a cluster is still electing leaders."""
    for config in stream_configs(settings):
        await while_settling(functools.partial(_ensure_stream, js, config), settings)


async def _ensure_stream(js: JetStreamContext, config: StreamConfig) -> None:
    name = config.name or ""
    try:
        existing = (await js.stream_info(name)).config
    except NotFoundError:
        try:
            await js.add_stream(config)
            return
        except BadRequestError as exc:
            if exc.err_code != STREAM_IN_USE:
                raise
            existing = (await js.stream_info(name)).config
    if _differs(existing, config):
        await js.update_stream(config)


def _differs(existing: StreamConfig, wanted: StreamConfig) -> bool:
    """Whether a setting ledgerbus makes differs on the server (each update is a round of the
    cluster's consensus: a start changes nothing that is already right)."""
    fields = ("subjects", "storage", "num_replicas", "duplicate_window", "max_age", "description")
    return any(getattr(existing, f) != getattr(wanted, f) for f in fields)


def consumer_config(durable: str, filter_subject: str, settings: Settings) -> ConsumerConfig:
    """A durable pull consumer shared by every process of one actor (explicit acks).

    JetStream itself redelivers without limit: an outage must delay a command, never drop it.
    The applier decides when a message that keeps failing *for its own sake* becomes a dead
    letter (``consumer_max_deliver``); were JetStream to stop at that count, a command nak'd
    through a database outage would silently stop being delivered.
    """
    return ConsumerConfig(
        durable_name=durable,
        filter_subject=filter_subject,
        ack_policy=AckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL,
        ack_wait=settings.consumer_ack_wait_s,
        max_deliver=-1,
        max_ack_pending=settings.consumer_max_ack_pending,
    )
