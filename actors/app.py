"""Composition root of an actor process: a FastStream NATS broker whose subscribers feed a BatchApplier.

Each actor owns one durable pull consumer on ``cmd.<domain>.*`` (shared by every process of that
actor) and one per event type it reacts to. Subscribers only hand the message to the applier;
the ack policy is MANUAL because the applier acks after the outcome is durable.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from faststream import AckPolicy
from faststream.message import StreamMessage
from faststream.nats import JStream, NatsBroker, NatsMessage, NatsRouter, PullSub
from nats.aio.subscription import Subscription as NatsSubscription

from actors.applier import BatchApplier
from actors.kernel import ActorDefinition, Runtime
from actors.ports import CrashAfterCommit, NatsPublisher, Publisher
from actors.relay import PublishedMarker, run_relay
from bus.envelopes import Command, Event
from bus.readiness import ActorHealth, ConsumerRef, serve_health
from bus.settings import Settings
from bus.streams import consumer_config, ensure_streams
from bus.subjects import COMMANDS_STREAM, EVENTS_STREAM, domain_commands, events_of_type
from storage.database import Database
from storage.dead_letters import DeadLetterStore

log = structlog.get_logger(__name__)


def reaction_durable(actor: str, event_type: str) -> str:
    return f"{actor}--{event_type.replace('.', '-')}"


Submit = Callable[[NatsMessage], Awaitable[None]]


async def _message_itself(msg: StreamMessage[Any]) -> Any:
    """No decoding in FastStream: the handler receives the message itself and the applier
    decodes it, so a poison message reaches the applier and is dead-lettered instead of failing
    before any handler runs. (Taking the message as the body also avoids FastStream's
    per-message thread hop for `Context`/`NoCast` parameters.)"""
    return msg


def _handler(
    model: type[Command] | type[Event], submit: Submit, describe: bool
) -> Callable[..., Any]:
    """A subscriber that hands the message to the applier. Its ``body`` annotation documents the
    payload for AsyncAPI; at run time the body is the message itself (see ``_message_itself``)."""

    async def handle(body: Any) -> None:
        await submit(body)

    handle.__annotations__ = {"body": model if describe else Any, "return": None}
    return handle


Subscription = tuple[str, str, str, type[Command] | type[Event], str, str]
"""(stream, filter subject, durable name, message model, title, description)."""


def subscriptions(definition: ActorDefinition) -> list[Subscription]:
    """The durable consumers of an actor: its commands, and each event type it reacts to."""
    name = definition.name
    commands: Subscription = (
        COMMANDS_STREAM,
        domain_commands(name),
        name,
        Command,
        f"{name}:commands",
        f"Commands owned by the {name} actor; one Outcome each on the command's reply_to.",
    )
    reactions: list[Subscription] = [
        (
            EVENTS_STREAM,
            events_of_type(t),
            reaction_durable(name, t),
            Event,
            f"{name}:{t}",
            f"The {name} actor reacts to {t}.",
        )
        for t in definition.reactions
    ]
    return [commands, *reactions]


def actor_router(
    definition: ActorDefinition, settings: Settings, submit: Submit, *, describe: bool = False
) -> NatsRouter:
    """The actor's FastStream router: its command consumer and one consumer per event it reacts to.

    ``describe=True`` builds it for the AsyncAPI document only (bodies typed, never run).
    """
    router = NatsRouter()
    name = definition.name
    pull = PullSub(batch_size=1, timeout=5.0)
    for stream, subject, durable, model, title, description in subscriptions(definition):
        router.subscriber(
            subject,
            stream=JStream(stream, declare=False),
            durable=durable,
            config=consumer_config(durable, subject, settings),
            pull_sub=pull,
            decoder=_message_itself,
            ack_policy=AckPolicy.MANUAL,
            no_reply=True,
            title=title,
            description=description,
        )(_handler(model, submit, describe))
    if describe:
        for event_type in definition.emits:
            entity, _, verb = event_type.partition(".")
            router.publisher(
                f"evt.{{scope_kind}}.{{scope_id}}.{entity}.{verb}",
                title=f"{name}:{event_type}",
                description=f"{event_type}: data.entity is the state after, data.before the state before.",
                schema=Event,
            )
    return router


class ActorProcess:
    """One running actor: broker, subscribers, applier and outbox relay, started and drained together."""

    def __init__(self, definition: ActorDefinition, settings: Settings, database: Database) -> None:
        self.definition = definition
        self.settings = settings
        self.database = database
        self.broker = NatsBroker(
            settings.nats_url.split(","),
            max_reconnect_attempts=-1,
            connect_timeout=5,
            # Rendered like every other line (see bus.logging); per-message lines are DEBUG.
            logger=logging.getLogger("faststream"),
            log_level=logging.DEBUG,  # per-message lines off by default; failures still logged
        )
        self.applier: BatchApplier | None = None
        self.runtime: Runtime | None = None
        self._relay: asyncio.Task[None] | None = None
        self._health: NatsSubscription | None = None
        self.broker.include_router(actor_router(definition, settings, self._submit))

    async def _submit(self, msg: NatsMessage) -> None:
        assert self.applier is not None, "the applier starts before the subscribers"
        await self.applier.submit(msg.raw_message)

    async def start(self) -> None:
        """Connect to NATS, ensure streams, then start consuming (the database is the caller's)."""
        await self.broker.connect()
        js = self.broker.connection.jetstream()
        await ensure_streams(js, self.settings)
        for stream, subject, durable, *_ in subscriptions(self.definition):
            # Create or update in place, so a changed setting reaches an existing consumer.
            await js.add_consumer(stream, consumer_config(durable, subject, self.settings))
        if self.definition.runtime is not None:
            self.runtime = self.definition.runtime(self.settings)
            await self.runtime.start(self.broker.connection)
        publisher: Publisher = NatsPublisher(self.broker.connection)
        if self.settings.failpoint == "crash_after_commit":
            publisher = CrashAfterCommit(publisher)
        marker = PublishedMarker()
        self.applier = BatchApplier(
            self.definition,
            self.database,
            publisher,
            self.settings,
            dead_letters=DeadLetterStore(),
            marker=marker,
            runtime=self.runtime,
        )
        self.applier.start()
        await self.broker.start()
        self._relay = asyncio.create_task(run_relay(publisher, marker, self.settings))
        # Last: a process answers readiness pings only once everything above is running.
        self._health = await serve_health(self.broker.connection, self.health())
        log.info("actor_started", actor=self.definition.name, node=self.settings.node_id)

    def health(self) -> ActorHealth:
        """What this process answers a readiness ping with: its name, node and consumers."""
        consumers = tuple(
            ConsumerRef(stream=stream, durable=durable)
            for stream, _, durable, *_ in subscriptions(self.definition)
        )
        return ActorHealth(
            actor=self.definition.name, node=self.settings.node_id, consumers=consumers
        )

    async def stop(self) -> None:
        """Drain: stop fetching, finish and ack what is in hand (bounded), then close."""
        if self._health is not None:  # a draining process no longer counts as ready
            with contextlib.suppress(Exception):
                await self._health.unsubscribe()
            self._health = None
        for subscriber in self.broker.subscribers:
            with contextlib.suppress(Exception):
                await subscriber.stop()
        if self.applier is not None:
            await self.applier.drain(self.settings.drain_timeout_s)
        if self._relay is not None:
            self._relay.cancel()
            await asyncio.gather(self._relay, return_exceptions=True)
        if self.runtime is not None:
            with contextlib.suppress(Exception):
                await self.runtime.stop()
        with contextlib.suppress(Exception):
            await self.broker.stop()
        log.info("actor_stopped", actor=self.definition.name)
