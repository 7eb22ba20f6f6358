"""The courier's push senders: one item to one device, by the device's provider (Web Push with
the VAPID key, FCM HTTP v1, APNs), each keyed by its delivery (Web Push ``Topic``, FCM collapse
key, APNs collapse id) so a push sent again replaces rather than adds. A device its service
calls gone is marked so, and gets no more pushes.
"""

from __future__ import annotations

import json

import aiohttp
from pydantic import ValidationError

from actors.notifications.apns import ApnsSender
from actors.notifications.delivery_result import DeliveryResult, Expired, PermanentFailure
from actors.notifications.delivery_rules import deep_link
from actors.notifications.mobile_push import FcmSender, MobileMessage
from actors.notifications.webpush import send_web_push, topic_for
from bus.envelopes import utcnow
from bus.push_subscription import ApnsDeviceToken, FcmDeviceToken, parse_web_push_subscription
from bus.settings import Settings
from bus.vapid import VapidKey, load_vapid_key
from storage.deliveries import DeliveryDoc
from storage.notifications import NotificationDoc
from storage.push_devices import PushDeviceDoc, mark_gone, push_device

PUSH_TTL_S = 24 * 3600
"""How long a push service keeps a push for a device that is off: a day, then it is stale."""


class PushChannels:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._http: aiohttp.ClientSession | None = None
        self._vapid: VapidKey | None = None
        self._fcm: FcmSender | None = None
        self._apns: ApnsSender | None = None

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
        if self._apns is not None:
            await self._apns.close()

    def _session(self) -> aiohttp.ClientSession:
        if self._http is None:
            self._http = aiohttp.ClientSession()
            self._fcm = FcmSender.from_settings(self.settings, self._http)
            self._apns = ApnsSender.from_settings(self.settings)  # HTTP/2: a client of its own
        return self._http

    async def send(self, delivery: DeliveryDoc, item: NotificationDoc) -> DeliveryResult:
        device = await push_device(delivery.target)
        if device is None:
            return PermanentFailure("the device was removed")
        session = self._session()
        link = deep_link(self.settings.public_base_url, item.link)
        if device.provider == "web_push":
            result = await self._web_push(device, delivery, item, link, session)
        else:
            message = MobileMessage(
                title=item.title,
                body=item.body,
                data={"notification_id": item.id, "kind": item.kind, "url": link},
            )
            result = await self._mobile(device, delivery, message)
        if isinstance(result, Expired):
            await mark_gone(device.id, result.reason, utcnow())
        return result

    async def _web_push(
        self,
        device: PushDeviceDoc,
        delivery: DeliveryDoc,
        item: NotificationDoc,
        link: str,
        session: aiohttp.ClientSession,
    ) -> DeliveryResult:
        raw = {"endpoint": device.endpoint, "keys": {"p256dh": device.p256dh, "auth": device.auth}}
        try:
            subscription = parse_web_push_subscription(
                raw, allow_http_loopback=self.settings.push_allow_http_loopback
            )
        except ValidationError as exc:
            return PermanentFailure(
                f"the subscription is not one to push to: {exc.errors()[0]['msg']}"
            )
        if self._vapid is None:
            self._vapid = load_vapid_key(self.settings)
        payload = json.dumps(
            {"id": item.id, "kind": item.kind, "title": item.title, "body": item.body, "url": link}
        ).encode()
        return await send_web_push(
            subscription,
            payload,
            ttl_s=PUSH_TTL_S,
            urgency="normal",
            topic=topic_for(delivery.id),
            settings=self.settings,
            vapid=self._vapid,
            session=session,
        )

    async def _mobile(
        self, device: PushDeviceDoc, delivery: DeliveryDoc, message: MobileMessage
    ) -> DeliveryResult:
        key = topic_for(delivery.id)
        if device.provider == "fcm":
            if self._fcm is None:
                return PermanentFailure("FCM is not configured on this server")
            return await self._fcm.send(
                FcmDeviceToken(token=device.token or ""),
                message,
                collapse_key=key,
                ttl_s=PUSH_TTL_S,
            )
        if self._apns is None:
            return PermanentFailure("APNs is not configured on this server")
        return await self._apns.send(
            ApnsDeviceToken(token=device.token or ""), message, collapse_id=key, ttl_s=PUSH_TTL_S
        )
