"""Reading stored outcomes: what `GET /v1/commands/{id}` and a timed-out waiter return."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bus.envelopes import Outcome
from storage.documents import DeadLetter, ProcessedCommand


@dataclass(frozen=True, slots=True)
class Processed:
    """An applied command as stored: the hash of the body it was applied with, and its outcome."""

    body_hash: str
    outcome: Outcome


async def processed_command(command_id: str) -> Processed | None:
    """The stored record of ``command_id``, if it has been applied."""
    row = await ProcessedCommand.get_pymongo_collection().find_one(
        {"_id": command_id}, {"outcome": 1, "body_hash": 1}
    )
    if row is None:
        return None
    return Processed(row["body_hash"], Outcome.model_validate(row["outcome"]))


async def stored_outcome(command_id: str) -> Outcome | None:
    """The durable outcome of ``command_id``, if it has been applied."""
    row = await ProcessedCommand.get_pymongo_collection().find_one(
        {"_id": command_id}, {"outcome": 1}
    )
    return Outcome.model_validate(row["outcome"]) if row else None


async def processed_in(command_ids: Sequence[str], session: Any) -> dict[str, dict[str, Any]]:
    """``{command id: {"body_hash", "outcome"}}`` of those of ``command_ids`` already applied,
    read in the batch's transaction ``session`` (a batch replays these instead of applying)."""
    rows = ProcessedCommand.get_pymongo_collection().find(
        {"_id": {"$in": list(command_ids)}}, {"body_hash": 1, "outcome": 1}, session=session
    )
    return {row["_id"]: row async for row in rows}


async def applied_ids(command_ids: Sequence[str]) -> set[str]:
    """Those of ``command_ids`` already applied (their outcome is durable)."""
    if not command_ids:
        return set()
    rows = ProcessedCommand.get_pymongo_collection().find(
        {"_id": {"$in": list(command_ids)}}, {"_id": 1}
    )
    return {row["_id"] async for row in rows}


async def stored_outcomes(command_ids: list[str]) -> dict[str, tuple[str | None, Outcome]]:
    """``{command id: (body hash, outcome)}`` of those of ``command_ids`` already applied, and
    of those that became dead letters (``rejected``/``internal``: they will not be applied
    unless an operator redrives them)."""
    if not command_ids:
        return {}
    found: dict[str, tuple[str | None, Outcome]] = {}
    dead = DeadLetter.get_pymongo_collection().find(
        {"command_id": {"$in": command_ids}, "redriven_at": None}
    )
    async for row in dead:
        found[row["command_id"]] = (
            None,
            Outcome(
                command_id=row["command_id"],
                type=_command_type(row.get("data", "")),
                issuer=row.get("issuer"),
                status="rejected",
                code="internal",
                message="this command could not be applied; it is kept for an operator",
                completed_at=row["created_at"],
            ),
        )
    rows = ProcessedCommand.get_pymongo_collection().find(
        {"_id": {"$in": command_ids}}, {"outcome": 1, "body_hash": 1}
    )
    async for row in rows:
        found[row["_id"]] = (row["body_hash"], Outcome.model_validate(row["outcome"]))
    return found


async def dead_letter_of(command_id: str) -> DeadLetter | None:
    """The dead letter of ``command_id``, if it could not be applied."""
    return await DeadLetter.find_one(DeadLetter.command_id == command_id)


def _command_type(body: str) -> str:
    try:
        found = json.loads(body).get("type")
    except (ValueError, AttributeError):
        return "unknown"
    return found if isinstance(found, str) else "unknown"
