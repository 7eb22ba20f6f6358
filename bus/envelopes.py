"""The three envelopes that travel on the bus: Command, Outcome and Event (see DESIGN.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


def utcnow() -> datetime:
    """The current time, timezone-aware UTC (millisecond precision, as MongoDB keeps it)."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


class Envelope(BaseModel):
    """Base of bus messages: frozen and strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class ActorRef(Envelope):
    """Who issued a command: the person and the device."""

    user_id: str | None = Field(None, description="Issuing user; None only for sign-up.")
    device_id: str | None = Field(None, description="Device that sent it, when known.")


def causing_device(actor: ActorRef) -> str | None:
    """The device a command's events name: ``<user id>:<X-Device-Id>`` (device ids are the
    clients' own, so two people's may be alike), or what a reaction was given (already so)."""
    if actor.device_id is None:
        return None
    return f"{actor.user_id}:{actor.device_id}" if actor.user_id else actor.device_id


class Command(Envelope):
    """An instruction to exactly one actor. Applied at most once; answered by one Outcome."""

    command_id: str = Field(description="Scoped to the issuer (UUIDv5 of user and key).")
    type: str = Field(
        description="`<entity>.<verb>`, e.g. `expense.create`.", examples=["expense.create"]
    )
    actor: ActorRef = Field(description="Who issued it.")
    issued_at: datetime = Field(description="When the edge accepted it (UTC).")
    expected_version: int | None = Field(None, description="For updates and deletes.")
    reply_to: str | None = Field(None, description="Core NATS subject awaiting the outcome.")
    body_hash: str = Field(
        description="Fingerprint of the request body: same key, other body is refused."
    )
    made_at: datetime | None = Field(
        None, description="When the device made it (shown, never trusted)."
    )
    payload: dict[str, Any] = Field(description="The command's fields, validated at the edge.")


StateConflictCode = Literal[
    "already_member",
    "already_paid",
    "balance_open",
    "budget_kind",
    "category_archived",
    "group_archived",
    "group_full",
    "insufficient_savings",
    "last_member",
    "limit_reached",
    "member_left",
    "nothing_owed",
    "owner_stays",
    "split_required",
    "use_leave",
]
"""Refusals of a well-formed request because of what is stored now (the request may succeed
later, or did before): 409 with their own code, not 422, which says the request itself is wrong."""
ErrorCode = (
    Literal[
        "validation",
        "conflict",
        "not_found",
        "forbidden",
        "idempotency_mismatch",
        "internal",
        "not_member",  # a member named in the request is not one of the group (404)
    ]
    | StateConflictCode
)


class FieldError(Envelope):
    """One field that failed validation."""

    loc: list[str | int] = Field(description="Path of the field in the payload.")
    msg: str = Field(description="What is wrong with it.")


IDEMPOTENCY_MISMATCH = "this Idempotency-Key was already used for a different request"
"""The message of an ``idempotency_mismatch``: a key reused with another body (edge or actor)."""


class Outcome(Envelope):
    """Exactly one per command: accepted with the entity, or rejected with a stable code."""

    command_id: str
    type: str
    issuer: str | None = Field(description="User id of the issuer; only they may read it.")
    status: Literal["accepted", "rejected"]
    code: ErrorCode | None = None
    message: str | None = None
    errors: list[FieldError] = Field(default_factory=list)
    entity: dict[str, Any] | None = Field(
        None, description="The resulting entity, or for `conflict` the current one."
    )
    version: int | None = None
    event_ids: list[str] = Field(default_factory=list)
    completed_at: datetime

    @property
    def accepted(self) -> bool:
        return self.status == "accepted"


class Event(Envelope):
    """A fact, in the past tense, in one scope's gap-free sequence."""

    event_id: str
    type: str = Field(description="`<entity>.<past verb>`.", examples=["expense.created"])
    schema_version: int = 1
    command_id: str = Field(description="The command that caused it.")
    scope: str = Field(description="`user:<id>` or `group:<id>`.", examples=["user:0b4e..."])
    seq: int = Field(description="Strictly increasing per scope, no gaps.")
    occurred_at: datetime
    data: dict[str, Any] = Field(
        description="`entity` (full state after), `version`, and `before` for updates/deletes."
    )
    device_id: str | None = Field(
        None,
        description="`<user id>:<X-Device-Id>` of the device whose command caused it, through "
        "every event that followed from it; none when no device sent one.",
    )
