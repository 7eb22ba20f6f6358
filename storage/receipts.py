"""Receipts (the ocr actor's): the record of each upload, and its image in GridFS.

GridFS is not transactional, so an upload writes the image first (its id is the receipt's)
and the record after, through the ocr actor; an image left without a record (the edge died in
between) is swept after a while. Amounts inside ``fields`` are decimal strings.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

import pymongo
from beanie import Document
from gridfs import AsyncGridFSBucket
from gridfs.errors import FileExists, NoFile
from pydantic import Field
from pymongo import IndexModel

BUCKET = "receipt_images"


class ReceiptDoc(Document):
    id: str = Field(alias="_id")  # type: ignore[assignment]
    scope: str
    owner_id: str
    file_id: str
    sha256: str
    content_type: str
    size: int
    width: int | None = None
    height: int | None = None
    status: str = "pending"  # pending | scanned | failed
    reason: str | None = None
    expense_id: str | None = None
    group_id: str | None = None
    auto_apply: bool = False
    fields: dict[str, Any] = Field(default_factory=dict)
    confidence: dict[str, float] = Field(default_factory=dict)
    checks: dict[str, bool] = Field(default_factory=dict)
    text: str = ""
    phash: str | None = None
    duplicates: list[str] = Field(default_factory=list)
    version: int
    created_at: datetime
    updated_at: datetime
    scanned_at: datetime | None = None

    class Settings:
        name = "receipts"
        indexes = [
            IndexModel(
                [("owner_id", pymongo.ASCENDING), ("sha256", pymongo.ASCENDING)], unique=True
            ),
            IndexModel([("status", pymongo.ASCENDING), ("updated_at", pymongo.ASCENDING)]),
            IndexModel([("owner_id", pymongo.ASCENDING), ("created_at", pymongo.ASCENDING)]),
        ]


def bucket() -> AsyncGridFSBucket:
    """The GridFS bucket of receipt images, on the database Beanie is bound to."""
    return AsyncGridFSBucket(ReceiptDoc.get_pymongo_collection().database, bucket_name=BUCKET)


async def store_image(
    file_id: str, data: bytes, owner: str, sha256: str, content_type: str
) -> None:
    """Write the image (once: the same id again is the same file)."""
    metadata = {"owner_id": owner, "sha256": sha256, "content_type": content_type}
    try:
        await bucket().upload_from_stream_with_id(file_id, sha256, data, metadata=metadata)
    except FileExists:
        if await _files().find_one({"_id": file_id}, {"_id": 1}) is not None:
            return  # written before: the same id is the same file
        # Chunks of a write that died before its file entry: start it again.
        await (
            ReceiptDoc.get_pymongo_collection()
            .database[f"{BUCKET}.chunks"]
            .delete_many({"files_id": file_id})
        )
        await bucket().upload_from_stream_with_id(file_id, sha256, data, metadata=metadata)


def _files() -> Any:
    return ReceiptDoc.get_pymongo_collection().database[f"{BUCKET}.files"]


async def image_info(file_id: str) -> dict[str, Any] | None:
    """The stored image's file entry (length, upload date, metadata), if it exists."""
    found: dict[str, Any] | None = await _files().find_one({"_id": file_id})
    return found


async def read_image(file_id: str) -> bytes | None:
    try:
        stream = await bucket().open_download_stream(file_id)
    except NoFile:
        return None
    data: bytes = await stream.read()
    return data


async def orphan_images(uploaded_before: datetime, limit: int) -> list[str]:
    """Images older than ``uploaded_before`` that no receipt record names. Those found to have
    their record are marked so, and not looked at again."""
    query = {"uploadDate": {"$lt": uploaded_before}, "metadata.recorded": {"$ne": True}}
    ids = [row["_id"] async for row in _files().find(query, {"_id": 1}).limit(limit * 4)]
    if not ids:
        return []
    named = ReceiptDoc.get_pymongo_collection().find({"file_id": {"$in": ids}}, {"file_id": 1})
    kept = {row["file_id"] async for row in named}
    if kept:
        await _files().update_many(
            {"_id": {"$in": list(kept)}}, {"$set": {"metadata.recorded": True}}
        )
    return [i for i in ids if i not in kept][:limit]


async def delete_image(file_id: str) -> None:
    with contextlib.suppress(NoFile):
        await bucket().delete(file_id)


async def erase_images(owner: str, session: Any) -> int:
    """Delete every image ``owner`` uploaded, in ``session``'s transaction (an account
    deleted); how many. GridFS keeps a file as an entry and its chunks: both go."""
    files = _files()
    ids = [
        row["_id"]
        async for row in files.find({"metadata.owner_id": owner}, {"_id": 1}, session=session)
    ]
    if ids:
        chunks = files.database[f"{BUCKET}.chunks"]
        await chunks.delete_many({"files_id": {"$in": ids}}, session=session)
        await files.delete_many({"_id": {"$in": ids}}, session=session)
    return len(ids)
