"""What an actor is: handlers of commands, reactions to events, and the decision they return."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from beanie import Document
from pydantic import BaseModel

from bus.envelopes import Command, ErrorCode, Event, FieldError
from storage.unit_of_work import CommandWork


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
    code: ErrorCode, message: str, entity: BaseModel | None = None, **field_errors: str
) -> Decision:
    """Rejected with a stable ``code``; for ``conflict`` pass the current entity."""
    errors = tuple(FieldError(loc=[name], msg=msg) for name, msg in field_errors.items())
    data = entity.model_dump(mode="json") if entity is not None else None
    return Decision(False, data, data.get("version") if data else None, code, message, errors)


CommandHandler = Callable[[Command, Any, CommandWork], Awaitable[Decision]]
"""``(command, validated payload, work) -> Decision``."""

Reaction = Callable[[Event, CommandWork], Awaitable[None]]
"""``(event, work) -> None``: stage what the event implies; must be idempotent by design."""

Prefetch = Callable[[Sequence[Command]], Mapping[type[Document], list[str]]]
"""Ids to load in bulk before a batch runs its handlers."""


@dataclass(frozen=True)
class ActorDefinition:
    """An actor: the domain it owns, its command handlers and event reactions."""

    name: str
    handlers: Mapping[str, CommandHandler]
    reactions: Mapping[str, Reaction] = field(default_factory=dict)
    prefetch: Prefetch | None = None
    emits: tuple[str, ...] = ()  # event types it publishes (documented in the AsyncAPI)
