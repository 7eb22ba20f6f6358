"""Helpers every handler uses: ownership, version checks and the shape of change events."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Protocol, Self, TypeVar

from pydantic import BaseModel

from actors.kernel import Decision, reject
from bus.envelopes import Command
from bus.ids import derived_id


class Owned(Protocol):
    owner_id: str


class Versioned(Protocol):
    version: int

    def model_copy(
        self, *, update: Mapping[str, Any] | None = None, deep: bool = False
    ) -> Self: ...


V = TypeVar("V", bound=Versioned)


def next_version(doc: V, now: datetime, **changes: Any) -> V:
    """``doc`` with ``changes``, its version moved on by one and ``updated_at`` set to ``now``."""
    return doc.model_copy(update={**changes, "version": doc.version + 1, "updated_at": now})


def new_entity_id(kind: str, command_id: str, given: str | None) -> str:
    """A created entity's id: the client's own, or one derived from the command, so a replayed
    command cannot create two (the handler and the batch's prefetch both use this)."""
    return given or derived_id(kind, command_id)


def stored_changes(payload: BaseModel) -> dict[str, Any]:
    """The fields an update payload sets, as the document stores them (days as ISO text),
    without its ``id``."""
    changes: dict[str, Any] = {}
    for name in payload.model_fields_set - {"id"}:
        value = getattr(payload, name)
        changes[name] = value.isoformat() if type(value) is date else value
    return changes


def change_data(entity: BaseModel, before: BaseModel | None = None) -> dict[str, Any]:
    """Event data: the full state after, its version, and the state before (tombstones too)."""
    after = entity.model_dump(mode="json")
    return {
        "entity": after,
        "version": after.get("version"),
        "before": before.model_dump(mode="json") if before is not None else None,
    }


def stale(command: Command, current: BaseModel) -> Decision | None:
    """A `conflict` carrying the current entity if the command expects another version."""
    version = getattr(current, "version", None)
    if command.expected_version is None or command.expected_version == version:
        return None
    return reject(
        "conflict", f"version {command.expected_version} is stale (now {version})", current
    )


def id_taken(
    existing: Owned | None, owner: str, current: BaseModel | None, what: str
) -> Decision | None:
    """A client-chosen id that exists: a conflict if it is the caller's, else just "taken"
    (without saying anything about the other owner's entity)."""
    if existing is None:
        return None
    if existing.owner_id != owner:
        return reject("validation", "this id is already taken", id="choose another UUID")
    return reject("conflict", f"{what} with this id exists", current)
