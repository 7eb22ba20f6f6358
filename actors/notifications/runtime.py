"""What a notifications process keeps beside its handlers: the :class:`Courier` that sends the
deliveries its reactions write (nothing is prepared before a batch: sending happens after the
item is committed, never inside a transaction)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from nats.aio.client import Client as NATS

from actors.notifications.courier import Courier
from actors.notifications.digests import DigestClock
from bus.envelopes import Command
from bus.settings import Settings


class NotificationsRuntime:
    def __init__(self, settings: Settings) -> None:
        self.courier = Courier(settings)
        self.digests = DigestClock(settings, self.courier.send_soon)

    async def start(self, nc: NATS) -> None:
        await self.courier.start(nc)
        self.digests.start()

    async def prepare(self, commands: Sequence[Command]) -> Mapping[str, Any]:
        return {}

    async def stop(self) -> None:
        await self.digests.stop()
        await self.courier.stop()
