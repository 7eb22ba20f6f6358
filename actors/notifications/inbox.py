"""The inbox: items made from the events that concern a person (:mod:`.triggers`), and the
commands that mark them read and archive them. Each change is an event in the person's inbox
scope (``inbox:<id>``: ``notification.created``, ``notification.read``,
``notification.archived``), which every socket of theirs follows, so their badges agree.

An item's id is derived from (event, person, kind): an event delivered again finds its items
made and makes nothing.
"""

from __future__ import annotations

from actors.changes import change_data
from actors.kernel import Decision, accept, reject
from actors.notifications.delivery_rules import delivery_id
from actors.notifications.display import in_display, said_in_display
from actors.notifications.drafts import Draft
from actors.notifications.mail_names import mail_fields
from actors.notifications.preferences import channels_for, held_until
from actors.notifications.push_devices import live_devices
from actors.notifications.triggers import TRIGGERS
from actors.work import Work
from bus.envelopes import Command, Event
from bus.ids import derived_id, inbox_scope
from bus.notifications import ArchiveNotification, NotificationsRead, ReadNotifications
from bus.push_devices import MAX_PUSH_DEVICES
from storage.deliveries import DeliveryDoc
from storage.notification_reads import notification_entity
from storage.notifications import NotificationDoc
from storage.shared import group_roles

MAX_READ_ALL = 1000
"""Unread items one ``notification.read`` with ``all`` marks at once (the oldest beyond wait
for the next)."""


MAX_CHANNELS = 1 + MAX_PUSH_DEVICES
"""Deliveries one item may have: an email and a push to each device."""


def notification_id(event_id: str, person: str, kind: str) -> str:
    return derived_id("notification", event_id, person, kind)


async def make_items(event: Event, work: Work) -> None:
    """React to an event the actor follows: an item for each person it concerns."""
    trigger = TRIGGERS.get(event.type)
    if trigger is None:
        return
    for draft in trigger(event):
        for person in await _audience(work, draft):
            await _make(work, event, draft, person)


async def _audience(work: Work, draft: Draft) -> list[str]:
    """Its named recipients, and its group's members but whoever did it."""
    people = list(dict.fromkeys(draft.recipients))
    if draft.group_members is not None:
        roles = await group_roles(work, draft.group_members)
        members = roles.roles if roles is not None else {}
        people += [u for u in members if u not in people and u != draft.actor_id]
    return people


async def _make(work: Work, event: Event, draft: Draft, person: str) -> None:
    ident = notification_id(event.event_id, person, draft.kind)
    if await work.get(NotificationDoc, ident) is not None:
        return  # made when this event came before
    amounts = await in_display(work, person, draft.amounts, event.occurred_at.date())
    doc = NotificationDoc(
        id=ident,
        recipient_id=person,
        kind=draft.kind,
        title=draft.title,
        body=said_in_display(draft.body, amounts),
        actor_id=draft.actor_id,
        amounts=amounts,
        link=draft.link,
        event_id=event.event_id,
        created_at=work.now,
        version=1,
    )
    work.put(doc)
    due = await held_until(work, person, draft.kind) or work.now  # quiet hours hold them
    routes = await _routes(work, person, draft.kind, event.device_id)
    mail = await mail_fields(work, draft, person) if ("email", "") in routes else {}
    deliveries = [
        DeliveryDoc(
            id=delivery_id(ident, channel, target),
            notification_id=ident,
            recipient_id=person,
            kind=draft.kind,
            channel=channel,
            target=target,
            due_at=due,
            created_at=work.now,
            details=mail if channel == "email" else {},
        )
        for channel, target in routes
    ]
    for delivery in deliveries:
        work.put(delivery)  # written before anything is sent: the courier sends what is here
    entity = notification_entity(doc, deliveries)
    work.emit(inbox_scope(person), "notification.created", change_data(entity))


async def read_notifications(command: Command, p: ReadNotifications, work: Work) -> Decision:
    me = command.actor.user_id
    if me is None:
        return reject("forbidden", "sign in first")
    if p.all:
        query = {"recipient_id": me, "read_at": None, "archived": False}
        ids = await work.find_ids(NotificationDoc, query, MAX_READ_ALL, sort="created_at")
    else:
        ids = list(dict.fromkeys(p.ids or ()))
    marked: list[str] = []
    for ident in ids:
        doc = await work.get(NotificationDoc, ident)
        if doc is None or doc.recipient_id != me:
            return reject("not_found", f"no such notification: {ident}")
        if doc.read_at is None:
            work.put(doc.model_copy(update={"read_at": work.now, "version": doc.version + 1}))
            marked.append(ident)
    done = NotificationsRead(ids=marked, read_at=work.now)
    if marked:
        work.emit(inbox_scope(me), "notification.read", change_data(done))
    return accept(done)


async def archive_notification(command: Command, p: ArchiveNotification, work: Work) -> Decision:
    doc = await work.get(NotificationDoc, p.id)
    if doc is None or doc.recipient_id != command.actor.user_id:
        return reject("not_found", "no such notification")
    deliveries = await _deliveries(work, doc.id)
    if doc.archived:
        return accept(notification_entity(doc, deliveries))
    archived = doc.model_copy(update={"archived": True, "version": doc.version + 1})
    work.put(archived)
    entity = notification_entity(archived, deliveries)
    work.emit(inbox_scope(doc.recipient_id), "notification.archived", change_data(entity))
    return accept(entity)


async def _deliveries(work: Work, ident: str) -> list[DeliveryDoc]:
    ids = await work.find_ids(DeliveryDoc, {"notification_id": ident}, MAX_CHANNELS)
    return [d for i in ids if (d := await work.get(DeliveryDoc, i)) is not None]


async def _routes(
    work: Work, person: str, kind: str, caused_on: str | None
) -> list[tuple[str, str]]:
    """(channel, target) of each delivery an item of ``kind`` gets: email, and a push to each
    of the person's devices, as their preferences say; never a push to the device whose
    command caused the event (``caused_on``: its user sees it happen there)."""
    channels = await channels_for(work, person, kind)
    routes = [("email", "")] if "email" in channels else []
    if "push" in channels:
        for device in await live_devices(work, person):
            if caused_on is None or device.device != caused_on:
                routes.append((device.provider, device.id))
    return routes
