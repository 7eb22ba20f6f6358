"""The courier: sends the deliveries the inbox wrote (:mod:`storage.deliveries`), each exactly
once per (item, channel, target) as the receiving server sees it.

It is woken by ``notification.created`` (a queue group: one process of the actor per item),
and every ``notification_sweep_s`` it looks for what no event will bring: retries whose time
has come, deliveries quiet hours held, first attempts whose wake-up was lost, claims a dead
sender left. For each delivery
it *claims* it (so no other process sends it meanwhile), sends it, and records the outcome:
sent; retried later with exponential backoff on a temporary failure; failed, with the reason
on the item, on a permanent one (a 5xx reply, a mail that cannot be rendered) or after
``notification_max_attempts``. Nothing it does raises into the process: a failure is an outcome.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import urlencode

import structlog
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from prometheus_client import Counter, Histogram

from actors.notifications.account_mail import account_mail, is_account_mail
from actors.notifications.delivery_result import (
    DeliveryResult,
    Expired,
    MailParts,
    PermanentFailure,
    Sent,
    TemporaryFailure,
)
from actors.notifications.delivery_rules import backoff_s, deep_link, delivery_id, message_id
from actors.notifications.digests import digest_mail
from actors.notifications.mail import (
    MailSender,
    MailSettings,
    PermanentMailFailure,
    TemplateFailed,
    TemporaryMailFailure,
    render_mail,
)
from actors.notifications.push_channels import PushChannels
from bus.envelopes import Event, utcnow
from bus.notification_preferences import ALWAYS, unsubscribe_token
from bus.push_devices import PUSH_PROVIDERS
from bus.settings import Settings
from bus.subjects import NOTIFICATION_CREATED
from storage.deliveries import DeliveryDoc, claim, due_deliveries, record
from storage.notification_preferences import preferences_of
from storage.notifications import NotificationDoc
from storage.shared import Addressee, addressee

log = structlog.get_logger(__name__)

QUEUE = "notifications-courier"
SWEEP_BATCH = 200

DELIVERIES = Counter(
    "ledgerbus_notification_deliveries_total",
    "Attempts to deliver a notification beyond the app, by channel and what the delivery became: "
    "sent, retrying (a temporary failure, tried again later) or failed (given up).",
    ["channel", "status"],
)
SEND_SECONDS = Histogram(
    "ledgerbus_notification_send_duration_seconds",
    "Time one delivery attempt took (rendering and the provider's answer), by channel.",
    ["channel"],
)


def outcome_changes(
    attempts: int, outcome: DeliveryResult, now: datetime, settings: Settings
) -> dict[str, object]:
    """What a delivery's record becomes after its ``attempts``-th attempt ended in ``outcome``."""
    if isinstance(outcome, Sent):
        return {
            "status": "sent",
            "sent_at": now,
            "provider_id": outcome.message_id,
            "last_error": None,
        }
    if isinstance(outcome, PermanentFailure | Expired):
        return {"status": "failed", "last_error": outcome.reason}
    if attempts >= settings.notification_max_attempts:
        return {
            "status": "failed",
            "last_error": f"gave up after {attempts} attempts: {outcome.reason}",
        }
    wait = backoff_s(
        attempts, settings.notification_retry_base_s, settings.notification_retry_max_s
    )
    if outcome.retry_after_s is not None:  # the provider said when
        wait = min(settings.notification_retry_max_s, max(wait, outcome.retry_after_s))
    return {
        "status": "retrying",
        "due_at": now + timedelta(seconds=wait),
        "last_error": outcome.reason,
    }


KIND_HEADER = "X-Ledgerbus-Kind"
"""The header naming what a mail is about (``budget_exceeded``, ``welcome``, ``security``...)."""


class Courier:
    def __init__(self, settings: Settings, clock: Callable[[], datetime] = utcnow) -> None:
        self.settings = settings
        self.clock = clock  # what "due" and "lapsed" are measured against
        self.holder = f"{settings.node_id}-{uuid.uuid4().hex[:8]}"
        self.mail = MailSettings.from_settings(settings)
        self.mailer = MailSender(self.mail)
        self.push = PushChannels(settings)
        self._slots = asyncio.Semaphore(settings.notification_senders)
        self._sending: set[asyncio.Task[DeliveryResult | None]] = set()
        self._subscription: Subscription | None = None
        self._sweeper: asyncio.Task[None] | None = None

    async def start(self, nc: NATS) -> None:
        self._subscription = await nc.subscribe(NOTIFICATION_CREATED, queue=QUEUE, cb=self._woken)
        if self.settings.notification_sweep_s > 0:
            self._sweeper = asyncio.create_task(self._sweep_forever())

    async def stop(self) -> None:
        """Stop taking work and let the sends under way finish (within the SMTP timeout): a
        send cut off here would be sent again by another process once its claim lapsed."""
        if self._subscription is not None:
            with contextlib.suppress(Exception):
                await self._subscription.unsubscribe()
        if self._sweeper is not None:
            self._sweeper.cancel()
            await asyncio.gather(self._sweeper, return_exceptions=True)
        if self._sending:
            await asyncio.wait(self._sending, timeout=self.settings.smtp_timeout_s + 5)
        for task in self._sending:
            task.cancel()
        await self.push.close()
        await self.mailer.close()

    async def _woken(self, msg: Msg) -> None:
        try:
            event = Event.model_validate_json(msg.data)
            item = event.data["entity"]
            for delivery in item["deliveries"]:  # their ids derive from what the item says
                target = delivery.get("device_id") or ""
                self._start(delivery_id(str(item["id"]), delivery["channel"], target))
        except Exception as exc:  # the sweep finds what a lost wake-up leaves
            log.warning("notification_wake_failed", error=repr(exc)[:300])

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.settings.notification_sweep_s)
            try:
                await self.sweep()
            except Exception as exc:
                log.warning("notification_sweep_failed", error=repr(exc)[:300])

    async def sweep(self) -> int:
        """Start every delivery due now that no event will bring; how many were found."""
        due = await due_deliveries(self.clock(), SWEEP_BATCH)
        for delivery in due:
            self._start(delivery.id)
        return len(due)

    def send_soon(self, delivery_id: str) -> None:
        """Send a delivery written outside an event (a digest) without waiting for the sweep."""
        self._start(delivery_id)

    def _start(self, delivery_id: str) -> None:
        task = asyncio.create_task(self.deliver(delivery_id))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def deliver(self, delivery_id: str) -> DeliveryResult | None:
        """Claim, send and record one delivery; None when it was not this process's to send
        (sent already, not due, or being sent by another)."""
        async with self._slots:
            claimed = await claim(
                delivery_id, self.holder, self.clock(), self.settings.notification_lease_s
            )
            if claimed is None:
                return None
            with SEND_SECONDS.labels(claimed.channel).time():
                outcome = await self._send(claimed)
            changes = outcome_changes(claimed.attempts, outcome, self.clock(), self.settings)
            kept = await record(delivery_id, self.holder, changes)
            DELIVERIES.labels(claimed.channel, str(changes["status"])).inc()
            log.info(
                "notification_delivery",
                delivery=delivery_id,
                channel=claimed.channel,
                attempt=claimed.attempts,
                status=changes["status"],
                error=changes.get("last_error"),
                recorded=kept,
            )
            return outcome

    async def _send(self, delivery: DeliveryDoc) -> DeliveryResult:
        try:
            if delivery.channel == "email":
                return await self._email(delivery)
            if delivery.channel in PUSH_PROVIDERS:
                item = await NotificationDoc.get(delivery.notification_id)
                if item is None:
                    return PermanentFailure("the notification no longer exists")
                return await self.push.send(delivery, item)
            return PermanentFailure(f"no sender for the channel {delivery.channel!r}")
        except Exception as exc:  # our own database or a bug: not the provider's answer
            log.warning("notification_send_crashed", delivery=delivery.id, error=repr(exc)[:300])
            return TemporaryFailure(f"{type(exc).__name__}: {exc}"[:300])

    async def _email(self, delivery: DeliveryDoc) -> DeliveryResult:
        person = await addressee(delivery.recipient_id)
        if person is None:
            return PermanentFailure("the account no longer exists")
        if is_account_mail(delivery.kind):
            made = await account_mail(delivery, person, self.settings)
        elif delivery.kind == "digest":
            made = await digest_mail(delivery, person, self.settings)
        else:
            made = await self._notification_mail(delivery, person)
        if isinstance(made, PermanentFailure):
            return made
        template, context, to, unsubscribe = made
        ident = message_id(delivery.id, self.mail.sender)
        try:
            message = render_mail(
                template,
                context,
                to=to,
                sender=self.mail.sender,
                message_id=ident,
                unsubscribe_url=unsubscribe,
            )
            message[KIND_HEADER] = delivery.kind  # for mail rules (and tests) to sort by
            await self.mailer.send(message)
        except TemplateFailed as exc:
            return PermanentFailure(f"cannot be rendered: {exc.reason}")
        except PermanentMailFailure as exc:
            return PermanentFailure(exc.reason, exc.code)
        except TemporaryMailFailure as exc:
            return TemporaryFailure(exc.reason, exc.code)
        return Sent(250, ident)

    async def _notification_mail(
        self, delivery: DeliveryDoc, person: Addressee
    ) -> MailParts | PermanentFailure:
        item = await NotificationDoc.get(delivery.notification_id)
        if item is None:
            return PermanentFailure("the notification no longer exists")
        context = {
            "name": person.name,
            "title": item.title,
            "body": item.body,
            "link": deep_link(self.settings.public_base_url, item.link),
        }
        unsubscribe = await self._unsubscribe_url(person.id, item.kind)
        if delivery.details:  # its kind's own template, with the fields the item was made with
            template = delivery.details.get("template") or item.kind
            return template, {**delivery.details, **context}, person.email, unsubscribe
        return "notification", context, person.email, unsubscribe

    async def _unsubscribe_url(self, user_id: str, kind: str) -> str | None:
        """The RFC 8058 one-click link that turns this kind's email off for this person (none
        for what cannot be turned off)."""
        prefs = await preferences_of(user_id)
        if prefs is None or (kind, "email") in ALWAYS:
            return None
        token = unsubscribe_token(prefs.unsubscribe_key, user_id, kind)
        query = urlencode({"user": user_id, "kind": kind, "token": token})
        return f"{self.settings.api_base_url}/v1/notifications/unsubscribe?{query}"
