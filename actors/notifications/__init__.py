"""The notifications actor: an inbox item for what concerns a person (:mod:`.inbox`, from the
events of :mod:`.triggers`), read and archived by commands; its courier (:mod:`.courier`)
delivers them beyond the app through the mail and push channels (:mod:`.mail`, :mod:`.webpush`,
:mod:`.mobile_push`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from beanie import Document

from actors.handling import handlers, on
from actors.kernel import ActorDefinition
from actors.notifications.inbox import (
    archive_notification,
    make_items,
    notification_id,
    read_notifications,
)
from actors.notifications.runtime import NotificationsRuntime
from actors.notifications.triggers import TRIGGERS
from actors.reads import ref
from bus.envelopes import Event
from bus.notifications import ArchiveNotification, ReadNotifications
from storage.notifications import NotificationDoc


def prefetch(events: Sequence[Event]) -> Mapping[type[Document], list[str]]:
    """The items a batch of events could make, read in one query: those made before (an event
    delivered again) are found without a read each."""
    ids = [
        notification_id(event.event_id, person, draft.kind)
        for event in events
        if event.type in TRIGGERS
        for draft in TRIGGERS[event.type](event)
        for person in draft.recipients
    ]
    return {NotificationDoc: ids}


NOTIFICATIONS = ActorDefinition(
    name="notifications",
    handlers=handlers(
        on(ReadNotifications, read_notifications, reads=(ref(NotificationDoc, "ids"),)),
        on(ArchiveNotification, archive_notification, reads=(ref(NotificationDoc, "id"),)),
    ),
    reactions=dict.fromkeys(TRIGGERS, make_items),
    prefetch_events=prefetch,
    emits=("notification.created", "notification.read", "notification.archived"),
    runtime=NotificationsRuntime,
)
