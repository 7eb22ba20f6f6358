"""Composition root of an actor process: a FastStream NATS broker whose subscribers feed a BatchApplier.

Each actor owns one durable pull consumer on ``cmd.<domain>.*`` (shared by every process of that
actor) and one per event type it reacts to. Subscribers only hand the message to the applier;
the ack policy is MANUAL because the applier acks after the outcome is durable.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from faststream import AckPolicy
from faststream.message import StreamMessage
from faststream.nats import JStream, NatsMessage, NatsRouter, PullSub
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription as NatsSubscription
from nats.errors import NoRespondersError

from actors.applier import BatchApplier
from actors.broker import actor_broker
from actors.inbound import (
    HELLO_S,
    Peers,
    handed_over,
    handover_headers,
)
from actors.kernel import ActorDefinition, KeysLanes, Runtime
from actors.metrics import watch_consumers
from actors.ports import CrashAfterCommit, NatsPublisher, Publisher
from actors.relay import PublishedMarker, run_relay
from bus.envelopes import Command, Event
from bus.readiness import ActorHealth, ConsumerRef, serve_health
from bus.reconnect_watch import ReconnectWatch, watch_in_background
from bus.settings import Settings
from bus.streams import consumer_config, ensure_streams, while_settling
from bus.subjects import (
    COMMANDS_STREAM,
    EVENTS_STREAM,
    domain_commands,
    events_of_type,
    peer_subject,
    peers_hello_subject,
)
from storage.database import Database
from storage.dead_letters import DeadLetterStore

log = structlog.get_logger(__name__)


HAND_OVER_TIMEOUT_S = 10.0
"""How long a process waits for the owner of a key to take a message (it waits only while the
owner's lane is full); then the message is left to JetStream to deliver again."""


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
        self._reconnects = ReconnectWatch(settings.nats_reconnect_stall_s)
        self.broker = actor_broker(settings, on_sign=self._sign_of_life)
        self.applier: BatchApplier | None = None
        self.runtime: Runtime | None = None
        self._relay: asyncio.Task[None] | None = None
        self._watch: asyncio.Task[None] | None = None  # its consumers' state, for the metrics
        self._health: NatsSubscription | None = None
        self.peers: Peers | None = None  # when the runtime keys its lanes: its live processes
        self._peer_subs: list[NatsSubscription] = []
        self._hello: asyncio.Task[None] | None = None
        self._taking: set[asyncio.Task[None]] = set()  # handed-over messages being queued
        self.broker.include_router(actor_router(definition, settings, self._submit))

    async def _sign_of_life(self, *_: object) -> None:
        """A callback of the NATS client: it is (re)connecting, not stalled."""
        self._reconnects.sign()

    async def _submit(self, msg: NatsMessage) -> None:
        assert self.applier is not None, "the applier starts before the subscribers"
        await self.applier.submit(msg.raw_message)

    async def start(self) -> None:
        """Connect to NATS, ensure streams, then start consuming (the database is the caller's)."""
        await self.broker.connect()
        self.broker.connected()
        watch_in_background(self._reconnects, self.broker.connection)
        js = self.broker.connection.jetstream()
        await ensure_streams(js, self.settings)
        for stream, subject, durable, *_ in subscriptions(self.definition):
            # Create or update in place, so a changed setting reaches an existing consumer.
            config = consumer_config(durable, subject, self.settings)
            await while_settling(functools.partial(js.add_consumer, stream, config), self.settings)
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
        if isinstance(self.runtime, KeysLanes):
            await self._join_peers(self.applier)
        await self.broker.start()
        self._relay = asyncio.create_task(run_relay(publisher, marker, self.settings))
        durables = [(stream, durable) for stream, _, durable, *_ in subscriptions(self.definition)]
        self._watch = asyncio.create_task(
            watch_consumers(js, self.definition.name, durables, self.applier.queued)
        )
        # Last: a process answers readiness pings only once everything above is running.
        self._health = await serve_health(self.broker.connection, self.health())
        log.info("actor_started", actor=self.definition.name, node=self.settings.node_id)

    async def _join_peers(self, applier: BatchApplier) -> None:
        """Share the keys with the actor's other processes (see ``actors.inbound``): hear and
        say hello, take what they hand over, and hand over what is theirs."""
        nc, name, node = self.broker.connection, self.definition.name, self.settings.node_id
        peers = self.peers = Peers(node)

        async def hello(msg: Msg) -> None:
            peers.heard(msg.data.decode(errors="replace"), bye=msg.headers == {"bye": "1"})

        async def take(msg: Msg) -> None:
            # Answered at once, queued behind: a full lane here must not stall the peer's
            # intake of its own keys (what waits is bounded by the consumers' max_ack_pending).
            task = asyncio.create_task(applier.submit(handed_over(nc, msg), handed_over=True))
            self._taking.add(task)
            task.add_done_callback(self._taking.discard)
            with contextlib.suppress(Exception):
                await msg.respond(b"")

        async def hand_over(msg: Msg, key: str) -> bool:
            owner = peers.owner(key)
            if owner == node:
                return False
            try:
                await nc.request(
                    peer_subject(name, owner),
                    msg.data,
                    timeout=HAND_OVER_TIMEOUT_S,
                    headers=handover_headers(msg),
                )
            except NoRespondersError:  # gone without a word: its keys are this one's for now
                peers.heard(owner, bye=True)
                return False
            except TimeoutError:  # alive but stuck, or going: JetStream delivers it again
                await msg.nak(delay=self.settings.consumer_nak_delay_s)
            return True

        self._peer_subs = [
            await nc.subscribe(peers_hello_subject(name), cb=hello),
            await nc.subscribe(peer_subject(name, node), cb=take),
        ]
        applier.hand_over = hand_over
        self._hello = asyncio.create_task(self._say_hello(), name=f"hello-{name}")

    async def _say_hello(self, headers: dict[str, str] | None = None) -> None:
        subject, node = peers_hello_subject(self.definition.name), self.settings.node_id.encode()
        while True:
            with contextlib.suppress(Exception):
                await self.broker.connection.publish(subject, node, headers=headers)
            if headers is not None:
                return
            await asyncio.sleep(HELLO_S)

    async def _leave_peers(self) -> None:
        """Stop taking handed-over messages and say goodbye, so the others own its keys at once
        (what it holds is finished by the drain; what it never acks is delivered again)."""
        if self._hello is None:
            return
        self._hello.cancel()
        await asyncio.gather(self._hello, return_exceptions=True)
        self._hello = None
        for sub in self._peer_subs:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
        await self._say_hello({"bye": "1"})
        if self._taking:  # into the lanes, so that the drain finishes them
            await asyncio.wait(set(self._taking), timeout=self.settings.drain_timeout_s)

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
        await self._leave_peers()
        if self.applier is not None:
            await self.applier.drain(self.settings.drain_timeout_s)
        for task in (self._relay, self._watch):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        if self.runtime is not None:
            with contextlib.suppress(Exception):
                await self.runtime.stop()
        with contextlib.suppress(Exception):
            await self.broker.stop()
        log.info("actor_stopped", actor=self.definition.name)
