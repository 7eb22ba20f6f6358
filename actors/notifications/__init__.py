"""The notifications actor: an inbox item for what concerns a person (:mod:`.inbox`, from the
events of :mod:`.triggers`), read and archived by commands; its courier (:mod:`.courier`)
delivers them beyond the app through the mail and push channels (:mod:`.mail`, :mod:`.webpush`,
:mod:`.mobile_push`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from beanie import Document

from actors.erasure import USER_DELETED
from actors.handling import handlers, on
from actors.kernel import ActorDefinition
from actors.notifications import mail_names
from actors.notifications.account_mail import (
    ACCOUNT_MAILS,
    queue_account_mail,
    security_reaction,
)
from actors.notifications.erasure import erase_person
from actors.notifications.inbox import (
    archive_notification,
    make_items,
    notification_id,
    read_notifications,
)
from actors.notifications.preferences import set_preferences
from actors.notifications.push_devices import (
    push_device_id,
    register_push_device,
    remove_push_device,
)
from actors.notifications.runtime import NotificationsRuntime
from actors.notifications.triggers import TRIGGERS, addressed, recipients
from actors.reads import Read, callers, ref
from bus.envelopes import Command, Event
from bus.notification_preferences import SetNotificationPreferences
from bus.notifications import ArchiveNotification, ReadNotifications
from bus.push_devices import RegisterPushDevice, RemovePushDevice
from storage.notification_preferences import PreferencesDoc
from storage.notifications import NotificationDoc
from storage.push_devices import PushDeviceDoc
from storage.shared import prefetched


def prefetch(events: Sequence[Event]) -> Mapping[type[Document], list[str]]:
    """The items a batch of events could make, read in one query: those made before (an event
    delivered again) are found without a read each; and their people's preferences and
    profiles (their push devices: ``NotificationsRuntime.preload``)."""
    made = addressed(events)
    ids = [notification_id(e.event_id, person, d.kind) for e, d, person in made]
    people = recipients(events)
    drafts = [d for _, d, _ in made]
    # Their profiles too (each item says its amounts in the person's own currency), and whom
    # and which groups their mails name.
    named = prefetched(
        people=[*people, *mail_names.named(drafts, mail_names.PERSON)],
        groups=mail_names.named(drafts, mail_names.GROUP),
    )
    return {NotificationDoc: ids, PreferencesDoc: people, **named}


def the_device() -> Read:
    """The device a registration names (its id derived from the caller and the device)."""

    def load(command: Command, payload: RegisterPushDevice) -> dict[type[Document], list[str]]:
        user_id = command.actor.user_id
        return {PushDeviceDoc: [push_device_id(user_id, payload)] if user_id else []}

    return Read("the registered PushDeviceDoc", ("provider", "subscription", "token"), load)


NOTIFICATIONS = ActorDefinition(
    name="notifications",
    handlers=handlers(
        on(ReadNotifications, read_notifications, reads=(ref(NotificationDoc, "ids"),)),
        on(ArchiveNotification, archive_notification, reads=(ref(NotificationDoc, "id"),)),
        on(SetNotificationPreferences, set_preferences, reads=(callers(PreferencesDoc),)),
        on(RegisterPushDevice, register_push_device, reads=(the_device(),)),
        on(RemovePushDevice, remove_push_device, reads=(ref(PushDeviceDoc, "id"),)),
    ),
    reactions={
        **dict.fromkeys(TRIGGERS, make_items),
        **dict.fromkeys(ACCOUNT_MAILS, queue_account_mail),
        "user.security": security_reaction,
        USER_DELETED: erase_person,
    },
    prefetch_events=prefetch,
    emits=(
        "notification.created",
        "notification.read",
        "notification.archived",
        "notification_preferences.updated",
        "push_device.registered",
        "push_device.removed",
    ),
    runtime=NotificationsRuntime,
)
