"""Reads of receipts: the entity, the caller's own receipts, and the candidates a new image is
compared with to find the same receipt photographed again."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bus.receipts import Receipt
from storage.groups import GroupDoc
from storage.receipts import ReceiptDoc

HIDDEN = {"scope", "revision_id", "file_id"}


def receipt_entity(doc: ReceiptDoc) -> Receipt:
    return Receipt.model_validate(doc.model_dump(exclude=HIDDEN))


async def receipt_for(user_id: str, receipt_id: str) -> ReceiptDoc | None:
    """The receipt if it is ``user_id``'s."""
    doc = await ReceiptDoc.get(receipt_id)
    return doc if doc is not None and doc.owner_id == user_id else None


async def receipt_by_hash(user_id: str, sha256: str) -> ReceiptDoc | None:
    return await ReceiptDoc.find_one({"owner_id": user_id, "sha256": sha256})


async def people_sharing_with(user_id: str) -> list[str]:
    """The person and everyone in a group with them."""
    cursor = GroupDoc.get_pymongo_collection().find({"member_ids": user_id}, {"member_ids": 1})
    people = {user_id}
    async for row in cursor:
        people.update(row.get("member_ids", []))
    return sorted(people)


async def hashed_receipts(
    owners: list[str], since: datetime, exclude: str, limit: int
) -> list[dict[str, Any]]:
    """Recent receipts of ``owners`` with a perceptual hash: ``{_id, owner_id, phash}``."""
    cursor = (
        ReceiptDoc.get_pymongo_collection()
        .find(
            {
                "owner_id": {"$in": owners},
                "phash": {"$ne": None},
                "created_at": {"$gte": since},
                "_id": {"$ne": exclude},
            },
            {"owner_id": 1, "phash": 1},
        )
        .sort("created_at", -1)
        .limit(limit)
    )
    return [row async for row in cursor]


async def stuck_receipts(since_before: datetime, limit: int) -> list[ReceiptDoc]:
    """Receipts pending since before ``since_before`` (recorded, or sent to be read again)."""
    query = {"status": "pending", "updated_at": {"$lt": since_before}}
    return await ReceiptDoc.find(query).sort("updated_at").limit(limit).to_list()
