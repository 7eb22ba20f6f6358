"""Dead letters: messages that could not be applied, kept with their reason for `ledgerbus dlq`."""

from __future__ import annotations

from nats.aio.msg import Msg

from bus.envelopes import utcnow
from storage.documents import DeadLetter
from storage.staging import to_bson


class DeadLetterStore:
    """Records dead letters (idempotently: one record per stream message)."""

    async def record(
        self,
        msg: Msg,
        *,
        reason: str,
        consumer: str,
        command_id: str | None,
        issuer: str | None = None,
    ) -> DeadLetter:
        try:
            meta = msg.metadata
            stream, seq, deliveries = (
                meta.stream,
                int(meta.sequence.stream),
                int(meta.num_delivered),
            )
        except Exception:
            stream, seq, deliveries = "?", 0, 1
        letter = DeadLetter(
            id=f"{stream}:{seq}" if seq else f"{msg.subject}:{utcnow().timestamp()}",
            stream=stream,
            stream_seq=seq,
            subject=msg.subject,
            consumer=consumer,
            data=msg.data.decode("utf-8", errors="backslashreplace"),
            headers=dict(msg.headers or {}),
            reason=reason,
            deliveries=deliveries,
            command_id=command_id,
            issuer=issuer,
            created_at=utcnow(),
        )
        await DeadLetter.get_pymongo_collection().replace_one(
            {"_id": letter.id}, to_bson(letter), upsert=True
        )
        return letter

    async def pending(self, limit: int = 100, ids: list[str] | None = None) -> list[DeadLetter]:
        """Letters not redriven yet, oldest first (only ``ids`` when given)."""
        query: dict[str, object] = {"redriven_at": None}
        if ids:
            query["_id"] = {"$in": ids}
        return await DeadLetter.find(query).sort("created_at").limit(limit).to_list()

    async def count_pending(self) -> int:
        return await DeadLetter.get_pymongo_collection().count_documents({"redriven_at": None})

    async def mark_redriven(self, letter_id: str) -> None:
        await DeadLetter.get_pymongo_collection().update_one(
            {"_id": letter_id}, {"$set": {"redriven_at": utcnow()}}
        )
