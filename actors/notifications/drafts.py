"""An inbox item to make, as a trigger (:mod:`.triggers`) describes it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bus.envelopes import Event
from bus.notifications import NotificationKind


@dataclass(frozen=True)
class Draft:
    """One inbox item to make, for each of ``recipients`` (and ``group_members``' members)."""

    kind: NotificationKind
    title: str
    body: str
    link: dict[str, Any]
    recipients: tuple[str, ...] = ()
    group_members: str | None = None
    actor_id: str | None = None
    amounts: list[dict[str, str]] = field(default_factory=list)
    mail: dict[str, str] = field(default_factory=dict)
    """The fields of its kind's own mail template (``templates/<kind>.*``) when the event gives
    them all; empty: it is mailed with the template every item can use (title and sentence)."""
    names: Mapping[str, str] = field(default_factory=dict)
    """Mail fields that name a person or a group the event gives only by id (``person:<id>``,
    ``group:<id>``: :mod:`.mail_names` reads them when the item is made)."""
    shares: Mapping[str, str] = field(default_factory=dict)
    """Each recipient's own share (the mail's ``share``)."""
    template: str | None = None
    """The mail template, when not the one of its kind (a payment is a ``group_bill`` item)."""


def entity_of(event: Event) -> Mapping[str, Any]:
    """The event's ``entity`` (empty when it has none a trigger could read)."""
    entity = event.data.get("entity")
    return entity if isinstance(entity, Mapping) else {}


def money(amount: Any, currency: Any) -> dict[str, str]:
    """An amount as an item keeps it (``Draft.amounts``), as the event wrote it."""
    return {"amount": str(amount), "currency": str(currency)}


def caused_by(event: Event) -> str | None:
    """The person whose device's command made the event (``<user id>:<device id>``), if told."""
    user = (event.device_id or "").partition(":")[0]
    return user or None
