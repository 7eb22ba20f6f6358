"""What an expenses actor process keeps beside its handlers: the rate book that fixes each
expense's home value inside its own transaction (no waiting on another actor there)."""

from __future__ import annotations

from collections.abc import Sequence

from nats.aio.client import Client as NATS

from bus.envelopes import Command
from bus.settings import Settings
from storage.rates import RatesReader


class ExpensesRuntime:
    def __init__(self, settings: Settings) -> None:
        self.reader = RatesReader(settings.rates_max_age_days, settings.rates_reload_s)

    async def start(self, nc: NATS) -> None:
        await self.reader.refresh(force=True)

    async def prepare(self, commands: Sequence[Command]) -> None:
        """Top the book up; at once when the batch reacts to new rates."""
        await self.reader.refresh(force=any(c.type == "rates.updated" for c in commands))

    async def stop(self) -> None:
        return None
