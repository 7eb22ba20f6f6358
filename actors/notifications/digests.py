"""Digests: the items of the kinds a person gathers (daily or weekly) mailed together once
their day or week has ended in their timezone (:mod:`bus.digests`).

A clock in each notifications process looks every ``notification_digest_tick_s`` for people
whose last period has items and no digest yet, and writes that period's digest delivery under
an id derived from (person, period): two processes looking at once write it once, and the
courier sends it once, like any delivery. Quiet hours hold it until they end. The mail is made
when it is sent, from the items of the period.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime
from typing import cast

import structlog

from actors.notifications.delivery_result import MailParts, PermanentFailure
from actors.notifications.delivery_rules import deep_link, delivery_id
from bus.digests import PERIOD_WORDS, DigestPeriod, Period, last_ended
from bus.envelopes import utcnow
from bus.notification_preferences import effective
from bus.quiet_hours import QuietHours, quiet_until
from bus.settings import Settings
from storage.deliveries import DeliveryDoc, insert_once
from storage.notification_preferences import PreferencesDoc, with_digests
from storage.notifications import items_between
from storage.shared import Addressee, addressee

log = structlog.get_logger(__name__)
PAGE = 500
"""People read at once while looking for digests due."""


def digest_id(person: str, period: Period) -> str:
    return delivery_id(f"digest:{person}:{period.kind}:{period.key}", "email")


class DigestClock:
    """Writes the digests due; ``woke`` is told each one it wrote (the courier sends it)."""

    def __init__(
        self,
        settings: Settings,
        woke: Callable[[str], None],
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.settings = settings
        self.woke = woke
        self.clock = clock
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.settings.notification_digest_tick_s > 0:
            self._task = asyncio.create_task(self._forever())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _forever(self) -> None:
        while True:
            await asyncio.sleep(self.settings.notification_digest_tick_s)
            try:
                await self.tick()
            except Exception as exc:  # the next tick tries again
                log.warning("digest_tick_failed", error=repr(exc)[:300])

    async def tick(self) -> int:
        """Write every digest due now; how many this call wrote."""
        now, made = self.clock(), 0
        for kind in cast(tuple[DigestPeriod, ...], ("daily", "weekly")):
            after = ""
            while True:
                page = await with_digests(kind, after, PAGE)
                for prefs in page:
                    made += await self._digest(prefs, kind, now)
                if len(page) < PAGE:
                    break
                after = page[-1].id
        return made

    async def _digest(self, prefs: PreferencesDoc, kind: DigestPeriod, now: datetime) -> int:
        person = await addressee(prefs.id)
        if person is None:
            return 0
        period = last_ended(now, person.timezone, kind)
        ident = digest_id(person.id, period)
        if await DeliveryDoc.get(ident) is not None:
            return 0
        kinds = sorted(
            k for k, c in effective(prefs.kinds).items() if c["email"] and c["digest"] == kind
        )
        if not kinds or not await items_between(person.id, kinds, period.start, period.end):
            return 0  # nothing to tell: no mail
        quiet = prefs.quiet_hours
        held = (
            quiet_until(now, person.timezone, QuietHours.model_validate(quiet)) if quiet else None
        )
        digest = DeliveryDoc(
            id=ident,
            notification_id=f"digest:{person.id}:{kind}:{period.key}",
            recipient_id=person.id,
            kind="digest",
            channel="email",
            details={
                "period": kind,
                "key": period.key,
                "start": period.start.isoformat(),
                "end": period.end.isoformat(),
                "kinds": ",".join(kinds),
            },
            due_at=held or now,
            created_at=now,
        )
        if not await insert_once(digest):
            return 0  # another process wrote it first
        log.info("digest_made", user_id=person.id, period=kind, key=period.key)
        if held is None:
            self.woke(ident)
        return 1


async def digest_mail(
    delivery: DeliveryDoc, person: Addressee, settings: Settings
) -> MailParts | PermanentFailure:
    """The digest's mail: the period's items of the kinds it gathers, each with its link."""
    details = delivery.details
    try:
        kinds = [k for k in details["kinds"].split(",") if k]
        start, end = (datetime.fromisoformat(details[k]) for k in ("start", "end"))
        words = PERIOD_WORDS[cast(DigestPeriod, details["period"])]
    except (KeyError, ValueError) as exc:
        return PermanentFailure(f"the digest record is unreadable: {exc!r}")
    items = await items_between(person.id, kinds, start, end)
    base = settings.public_base_url
    listed = [{"title": i.title, "detail": i.body, "link": deep_link(base, i.link)} for i in items]
    context = {
        "name": person.name,
        "period": words,
        "link": f"{base.rstrip('/')}/notifications",
        "items": listed,
    }
    return "digest", context, person.email, None
