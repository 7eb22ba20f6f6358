"""Notifications (the notifications actor's): an inbox item for what concerns a person, and the
commands that read and archive them.

An item is made once per (event, person, kind) from an event that concerns them: a budget's
threshold or overrun, a goal reached, a group bill they share in (added, changed, deleted), a
flag on their expense, a receipt read or not. It says what happened in words, with the amounts
as the event gave them and a link (the entity and its id) to open. Every device of the person
hears ``notification.created`` and ``notification.read`` on its socket, so badges agree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import ConfigDict, Field, model_validator

from bus.entities import Entity
from bus.limits import EntityId
from bus.payload import Payload, schema_rules

NotificationKind = Literal[
    "budget_threshold",
    "budget_exceeded",
    "goal_achieved",
    "recurring_made",
    "group_bill",
    "group_membership",
    "invite_accepted",
    "payment_reminder",
    "debts_simplified",
    "expense_flagged",
    "receipt_read",
    "receipt_failed",
    "security",
]
MAX_READ_IDS = 100
"""Items one ``notification.read`` may name."""


class NotificationLink(Entity):
    """What the item is about, for the app to open: an entity kind and its id."""

    entity: str = Field(description="budget, goal, group_expense, expense, flag or receipt.")
    id: str
    group_id: str | None = Field(None, description="The group, for a group's entity.")


class NotificationAmount(Entity):
    amount: str = Field(description="A decimal as a string, as the event gave it.")
    currency: str
    display_amount: str | None = Field(
        None,
        description="The amount in your home currency at the rate of the event's day (none "
        "when it is in it already, or no rate is known).",
    )
    display_currency: str | None = Field(None, description="Your home currency, with it.")


class NotificationDelivery(Entity):
    """How the item went out beyond the app, on one channel."""

    channel: Literal["email", "web_push", "fcm", "apns"] = Field(
        description="email, or a push to one of the person's devices (by its provider)."
    )
    device_id: str | None = Field(None, description="The push device, for a push.")
    status: Literal["pending", "retrying", "sent", "failed"] = Field(
        description="pending: not tried yet; retrying: a temporary failure, tried again later; "
        "sent: the provider accepted it; failed: given up (last_error says why)."
    )
    attempts: int
    due_at: datetime | None = Field(
        None,
        description="Not sent before this: later than created_at while quiet hours hold it, "
        "or while it waits to be retried.",
    )
    last_error: str | None = None
    sent_at: datetime | None = None


class Notification(Entity):
    id: str
    kind: NotificationKind
    title: str = Field(description="One line: what happened.")
    body: str = Field(description="A sentence or two: who, what, how much.")
    actor_id: str | None = Field(None, description="The person who did it, when one did.")
    amounts: list[NotificationAmount] = Field(default_factory=list)
    link: NotificationLink
    created_at: datetime
    read_at: datetime | None = None
    archived: bool = False
    deliveries: list[NotificationDelivery] = Field(
        default_factory=list, description="Its mail (and push) deliveries and how they went."
    )
    version: int


class NotificationsRead(Entity):
    """Items marked read by one command (none when all were read already)."""

    ids: list[str]
    read_at: datetime


def _ids_or_all(schema: dict[str, Any]) -> None:
    """Exactly one of: ``ids`` (1 or more, ``all`` absent or false), or ``all: true`` (``ids``
    absent or null)."""
    schema["oneOf"] = [
        {
            "required": ["ids"],
            "properties": {"ids": {"type": "array", "minItems": 1}, "all": {"const": False}},
        },
        {
            "required": ["all"],
            "properties": {"all": {"const": True}, "ids": {"type": "null"}},
        },
    ]


class ReadNotifications(Payload):
    """Mark items read: the ``ids`` given, or ``all`` the person's unread items."""

    COMMAND: ClassVar[str] = "notification.read"
    ACTOR: ClassVar[str] = "notifications"

    model_config = ConfigDict(
        frozen=True, extra="forbid", json_schema_extra=schema_rules(_ids_or_all)
    )

    ids: Annotated[list[EntityId], Field(min_length=1, max_length=MAX_READ_IDS)] | None = Field(
        None, description=f"1..{MAX_READ_IDS} items to mark read."
    )
    all: bool = Field(False, description="Every unread item instead.")

    @model_validator(mode="after")
    def _one_of(self) -> Self:
        if self.all == bool(self.ids):
            raise ValueError("give either ids (1 or more) or all: true")
        return self


class ArchiveNotification(Payload):
    """Move an item out of the inbox (it stays readable by id)."""

    COMMAND: ClassVar[str] = "notification.archive"
    ACTOR: ClassVar[str] = "notifications"

    id: EntityId
