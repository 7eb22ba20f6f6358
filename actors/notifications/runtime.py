"""What a notifications process keeps beside its handlers: the :class:`Courier` that sends the
deliveries its reactions write (nothing is prepared before a batch: sending happens after the
item is committed, never inside a transaction), the digest clock, and the rate book that shows
an item's amounts in the person's own currency."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from nats.aio.client import Client as NATS

from actors.notifications.account_mail import asked_by
from actors.notifications.courier import Courier
from actors.notifications.digests import DigestClock
from actors.notifications.push_devices import preload_devices
from actors.notifications.triggers import recipients
from bus.envelopes import Command, Event
from bus.fx import MissingRate
from bus.settings import Settings
from storage.rates import RatesReader
from storage.unit_of_work import BatchWork


class NotificationsRuntime:
    def __init__(self, settings: Settings) -> None:
        self.courier = Courier(settings)
        self.digests = DigestClock(settings, self.courier.send_soon)
        self.reader = RatesReader(
            settings.rates_max_age_days, settings.rates_reload_s, settings.rates_stale_after_days
        )
        self._follow: asyncio.Task[None] | None = None

    async def start(self, nc: NATS) -> None:
        await self.reader.refresh(force=True)
        self._follow = asyncio.create_task(self.reader.follow())
        await self.courier.start(nc)
        self.digests.start()

    def committed(self, events: Sequence[Event]) -> None:
        """Send the account mails the committed reactions wrote now, not at the next sweep."""
        for event in events:
            for asked in asked_by(event):
                self.courier.send_soon(asked.delivery_id)

    def convert(self, amount: Decimal, frm: str, to: str, on: date) -> Decimal | None:
        """``amount`` in ``to`` at ``on``'s rate (an item's amount in the person's currency),
        or None while no rate exists."""
        try:
            return self.reader.book.quote(frm, to, on).convert(amount)
        except MissingRate:
            return None

    async def preload(self, work: BatchWork, events: Sequence[Event]) -> None:
        """The push devices of a batch's recipients, in one query (``preload_devices``)."""
        await preload_devices(work, recipients(events))

    async def prepare(self, commands: Sequence[Command]) -> Mapping[str, Any]:
        return {}

    async def stop(self) -> None:
        if self._follow is not None:
            self._follow.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._follow
        await self.digests.stop()
        await self.courier.stop()
