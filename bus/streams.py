"""JetStream stream and consumer definitions, in one place, created idempotently at start."""

from __future__ import annotations

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
from nats.js.errors import NotFoundError

from bus.settings import Settings
from bus.subjects import COMMANDS_ALL, COMMANDS_STREAM, EVENTS_ALL, EVENTS_STREAM


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


async def ensure_streams(js: JetStreamContext, settings: Settings) -> None:
    """Create the streams, or update them to the configured settings; safe to call often."""
    for config in stream_configs(settings):
        try:
            await js.stream_info(config.name or "")
        except NotFoundError:
            await js.add_stream(config)
        else:
            await js.update_stream(config)


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
