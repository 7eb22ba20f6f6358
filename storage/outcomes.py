"""Reading stored outcomes: what `GET /v1/commands/{id}` and a timed-out waiter return."""

from __future__ import annotations

from bus.envelopes import Outcome
from storage.documents import DeadLetter, ProcessedCommand


async def stored_outcome(command_id: str) -> Outcome | None:
    """The durable outcome of ``command_id``, if it has been applied."""
    row = await ProcessedCommand.get_pymongo_collection().find_one(
        {"_id": command_id}, {"outcome": 1}
    )
    return Outcome.model_validate(row["outcome"]) if row else None


async def stored_outcomes(command_ids: list[str]) -> dict[str, tuple[str, Outcome]]:
    """``{command id: (body hash, outcome)}`` of those of ``command_ids`` already applied."""
    if not command_ids:
        return {}
    rows = ProcessedCommand.get_pymongo_collection().find(
        {"_id": {"$in": command_ids}}, {"outcome": 1, "body_hash": 1}
    )
    return {
        row["_id"]: (row["body_hash"], Outcome.model_validate(row["outcome"])) async for row in rows
    }


async def dead_letter_of(command_id: str) -> DeadLetter | None:
    """The dead letter of ``command_id``, if it could not be applied."""
    return await DeadLetter.find_one(DeadLetter.command_id == command_id)
