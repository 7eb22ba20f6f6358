"""A deleted account's inbox, deliveries, preferences and push devices erased
(``user.deleted``): a delivery not yet sent is gone with its item, so nothing more is sent.
Items already in other people's inboxes stay as they were written, as a mail already sent does.
"""

from __future__ import annotations

from actors.erasure import deleted_person
from actors.work import Work
from bus.envelopes import Event
from storage.deliveries import DeliveryDoc
from storage.notification_preferences import PreferencesDoc
from storage.notifications import NotificationDoc
from storage.push_devices import PushDeviceDoc


async def erase_person(event: Event, work: Work) -> None:
    if (user_id := deleted_person(event)) is None:
        return
    work.erase(NotificationDoc, {"recipient_id": user_id})
    work.erase(DeliveryDoc, {"recipient_id": user_id})
    work.erase(PreferencesDoc, {"_id": user_id})
    work.erase(PushDeviceDoc, {"user_id": user_id})
