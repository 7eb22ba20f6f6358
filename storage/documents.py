"""Beanie documents of the bus's own bookkeeping: processed commands, the event log, dead letters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pymongo
from beanie import Document
from pydantic import Field
from pymongo import IndexModel

from bus.envelopes import Event


class ProcessedCommand(Document):
    """ "Command X was applied, with this outcome": written in the same transaction as its effect."""

    id: str = Field(alias="_id")  # type: ignore[assignment]  # the command id
    type: str
    issuer: str | None
    body_hash: str
    outcome: dict[str, Any]
    processed_at: datetime

    class Settings:
        name = "processed_commands"


class EventRecord(Document):
    """The permanent per-scope event log (rebuilds, `as_of`, sync read it)."""

    id: str = Field(alias="_id")  # type: ignore[assignment]  # the event id
    scope: str
    seq: int
    type: str
    schema_version: int = 1
    command_id: str
    occurred_at: datetime
    data: dict[str, Any]
    device_id: str | None = None

    def to_event(self) -> Event:
        """The event as it travels on the bus."""
        return Event(
            event_id=self.id,
            type=self.type,
            schema_version=self.schema_version,
            command_id=self.command_id,
            scope=self.scope,
            seq=self.seq,
            occurred_at=self.occurred_at,
            data=self.data,
            device_id=self.device_id,
        )

    class Settings:
        name = "events"
        indexes = [
            IndexModel([("scope", pymongo.ASCENDING), ("seq", pymongo.ASCENDING)], unique=True),
        ]


class OutboxEntry(Document):
    """The events of one committed batch not yet confirmed on JetStream (one entry per batch).

    Written in the batch's transaction and deleted once JetStream acked every event, so the
    relay only ever scans this small collection, never the event log.
    """

    id: str = Field(alias="_id")  # type: ignore[assignment]
    event_ids: list[str]
    created_at: datetime

    class Settings:
        name = "outbox"


class ScopeCounter(Document):
    """The last `seq` handed out in one scope."""

    id: str = Field(alias="_id")  # type: ignore[assignment]  # the scope
    seq: int = 0

    class Settings:
        name = "scope_counters"


class DeadLetter(Document):
    """A message that could not be applied, kept with its reason instead of retried forever."""

    id: str = Field(alias="_id")  # type: ignore[assignment]  # "<stream>:<stream sequence>"
    stream: str
    stream_seq: int
    subject: str
    consumer: str
    data: str  # the message body, as text (undecodable bytes are escaped)
    headers: dict[str, str] = Field(default_factory=dict)
    reason: str
    deliveries: int
    command_id: str | None = None
    issuer: str | None = None  # who sent the command: only they see it at /v1/commands/{id}
    created_at: datetime
    redriven_at: datetime | None = None

    class Settings:
        name = "dead_letters"
        indexes = [
            IndexModel([("redriven_at", pymongo.ASCENDING), ("created_at", pymongo.ASCENDING)]),
            IndexModel([("command_id", pymongo.ASCENDING)]),
        ]
