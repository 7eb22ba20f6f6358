"""What a round applied, read back from the database: the processed-command records of the
round's command ids (one per command applied, written in the same transaction as its effect),
how many of them were accepted, and when the first and the last were processed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from storage.documents import DeadLetter, ProcessedCommand

PROCESSED = ProcessedCommand.Settings.name
DEAD_LETTERS = DeadLetter.Settings.name


@dataclass(frozen=True)
class Applied:
    """The round's records: applied (distinct command ids with a record), accepted, the dead
    letters in all, and the first and last ``processed_at`` as epoch seconds."""

    applied: int
    accepted: int
    dead_letters: int
    first_epoch: float | None
    last_epoch: float | None


def _epoch(value: datetime | None) -> float | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()


async def applied(db: AsyncDatabase[dict[str, Any]], ids: Sequence[str]) -> Applied:
    """Count and time the records of ``ids`` (the ids are a record's ``_id``: distinct)."""
    rows = await (
        await db[PROCESSED].aggregate(
            [
                {"$match": {"_id": {"$in": list(ids)}}},
                {
                    "$group": {
                        "_id": None,
                        "applied": {"$sum": 1},
                        "accepted": {
                            "$sum": {"$cond": [{"$eq": ["$outcome.status", "accepted"]}, 1, 0]}
                        },
                        "first": {"$min": "$processed_at"},
                        "last": {"$max": "$processed_at"},
                    }
                },
            ]
        )
    ).to_list()
    row = rows[0] if rows else {}
    return Applied(
        applied=int(row.get("applied", 0)),
        accepted=int(row.get("accepted", 0)),
        dead_letters=await db[DEAD_LETTERS].count_documents({}),
        first_epoch=_epoch(row.get("first")),
        last_epoch=_epoch(row.get("last")),
    )
