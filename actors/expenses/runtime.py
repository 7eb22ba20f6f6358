"""What an expenses actor process keeps beside its handlers: the rate book that fixes each
expense's home value inside its own transaction (no waiting on another actor there)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from nats.aio.client import Client as NATS

from bus.envelopes import Command
from bus.settings import Settings
from storage.rates import RatesReader


class ExpensesRuntime:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.reader = RatesReader(
            settings.rates_max_age_days, settings.rates_reload_s, settings.rates_stale_after_days
        )
        self._follow: asyncio.Task[None] | None = None

    async def start(self, nc: NATS) -> None:
        await self.reader.refresh(force=True)
        self._follow = asyncio.create_task(self.reader.follow())

    async def prepare(self, commands: Sequence[Command]) -> dict[str, Any]:
        """The book is kept current in the background; a batch reacting to new rates reads
        them at once."""
        if any(c.type == "rates.updated" for c in commands):
            await self.reader.refresh(force=True)
        return {}

    async def stop(self) -> None:
        if self._follow is not None:
            self._follow.cancel()
            await asyncio.gather(self._follow, return_exceptions=True)
