"""What an actor is: handlers of commands, reactions to events, and the decision they return."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, runtime_checkable

from beanie import Document
from nats.aio.client import Client as NATS
from pydantic import BaseModel

from actors.work import Work
from bus.envelopes import Command, ErrorCode, Event, FieldError
from bus.payload import Payload
from bus.settings import Settings
from storage.unit_of_work import BatchWork

if TYPE_CHECKING:  # actors.reads derives ids as the handlers do (actors.changes, which uses this)
    from actors.reads import Read


@dataclass(frozen=True, slots=True)
class Decision:
    """What a handler decided: accepted with the resulting entity, or rejected with a code."""

    accepted: bool
    entity: dict[str, Any] | None = None
    version: int | None = None
    code: ErrorCode | None = None
    message: str | None = None
    errors: tuple[FieldError, ...] = ()


def accept(entity: BaseModel | None = None, version: int | None = None) -> Decision:
    """Accepted; ``entity`` is the client-visible state after the change."""
    data = entity.model_dump(mode="json") if entity is not None else None
    if version is None and data is not None:
        version = data.get("version")
    return Decision(True, data, version)


def reject(
    code: ErrorCode,
    message: str,
    entity: BaseModel | None = None,
    fields: Mapping[str, str] | None = None,
    **field_errors: str,
) -> Decision:
    """Rejected with a stable ``code``; for ``conflict`` pass the current entity. Field errors
    by name (``fields`` takes dotted paths such as ``rates.USD``)."""
    named = {**(fields or {}), **field_errors}
    errors = tuple(FieldError(loc=name.split("."), msg=msg) for name, msg in named.items())
    data = entity.model_dump(mode="json") if entity is not None else None
    return Decision(False, data, data.get("version") if data else None, code, message, errors)


P = TypeVar("P", bound=Payload)

Handler = Callable[[Command, P, Work], Awaitable[Decision]]
"""``(command, its decoded payload, work) -> Decision`` for payloads of type ``P``."""


@dataclass(frozen=True, slots=True)
class Handles(Generic[P]):
    """One command an actor handles: its payload class, its handler, and what the handler
    reads by id (loaded for the whole batch before any handler runs)."""

    payload: type[P]
    handler: Handler[P]
    reads: tuple[Read, ...] = ()


Reaction = Callable[[Event, Work], Awaitable[None]]
"""``(event, work) -> None``: stage what the event implies; must be idempotent by design."""

EventPrefetch = Callable[[Sequence[Event]], Mapping[type[Document], list[str]]]
"""Ids to load in bulk before a batch runs its reactions."""


class Runtime(Protocol):
    """What one actor process keeps beside its handlers: caches, HTTP clients, background tasks,
    request-reply responders. Handlers reach it as ``work.runtime`` (see :func:`runtime_of`)."""

    async def start(self, nc: NATS) -> None:
        """Connect what it needs (the process's NATS connection is given) and start its tasks."""

    async def prepare(self, commands: Sequence[Command]) -> Mapping[str, Any]:
        """Called before each batch's transaction with its commands (reactions included): I/O
        that must not happen inside a transaction (an HTTP fetch, refreshing a cache). What it
        returns, by command id, is that batch's alone: handlers read it as ``work.prepared``
        (the same on every retry of the transaction)."""

    async def stop(self) -> None:
        """Stop its tasks and close what it opened."""


@runtime_checkable
class KeysLanes(Protocol):
    """A runtime that says what an event's reaction is serialised on (by default its scope):
    events with the same key run in one lane of one process, one batch at a time, so their
    writes never contend (the fraud actor's: the person whose profile the event rewrites)."""

    def lane_key(self, event: Event) -> str:
        """The key; raising KeyError, TypeError or ValueError means: use the scope."""
        ...


@runtime_checkable
class PreloadsEvents(Protocol):
    """A runtime that reads, in a few queries, what a batch's reactions will need beyond the
    documents prefetched by id (one query for many people's documents, say)."""

    async def preload(self, work: BatchWork, events: Sequence[Event]) -> None:
        """Called in the batch's transaction after the prefetch, with the events to react to;
        what it reads goes into the identity map or ``work.memo`` (that attempt's alone)."""
        ...


@runtime_checkable
class FollowsCommits(Protocol):
    """A runtime told, once a batch is committed, the events its reactions applied (the
    notifications actor's courier sends the mail an account event asked for at once)."""

    def committed(self, events: Sequence[Event]) -> None:
        """Called after the commit, never inside the transaction; must not raise."""
        ...


@runtime_checkable
class ShapesBatches(Protocol):
    """A runtime that sets its own actor's lanes and batch size (from settings of its own),
    instead of the ``actor_lanes`` and ``batch_max`` every actor shares."""

    def batch_shape(self) -> tuple[int, int]:
        """``(lanes, batch_max)`` of this process's applier."""
        ...


R = TypeVar("R")


def runtime_of(work: Work, kind: type[R]) -> R:
    """The actor process's runtime, as the type the handler expects."""
    runtime = work.runtime
    if not isinstance(runtime, kind):
        raise RuntimeError(f"this handler needs a {kind.__name__} runtime, got {runtime!r}")
    return runtime


@dataclass(frozen=True)
class ActorDefinition:
    """An actor: the domain it owns, its command handlers and event reactions."""

    name: str
    handlers: Mapping[str, Handles[Any]]  # by command type (``actors.handling.handlers``)
    reactions: Mapping[str, Reaction] = field(default_factory=dict)
    prefetch_events: EventPrefetch | None = None
    emits: tuple[str, ...] = ()  # event types it publishes (documented in the AsyncAPI)
    runtime: Callable[[Settings], Runtime] | None = None
    batch_max: int | None = None  # at most this many per transaction (else the setting)
    reads_rates: bool = False  # loads the rate store as it starts (so starts after currency)
