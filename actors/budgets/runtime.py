"""What a budgets actor process keeps beside its handlers: the rate book that values expenses
in a budget's currency, the responder of ``rpc.budgets.views`` (budgets with their status,
goals with their progress) and the recurring-expense scheduler."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from nats.aio.client import Client as NATS
from nats.aio.subscription import Subscription

from actors.budgets.budget_lookups import preload_scopes
from actors.budgets.scheduler import Scheduler
from actors.budgets.views import answer_views
from actors.responders import responder
from bus.client import CommandSender
from bus.envelopes import Command, Event
from bus.fx import MissingRate
from bus.settings import Settings
from bus.subjects import BUDGET_VIEWS_RPC, EXPENSE_EVENTS
from storage.outcomes import stored_outcome
from storage.rates import RatesReader
from storage.unit_of_work import BatchWork


class BudgetsRuntime:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.reader = RatesReader(
            settings.rates_max_age_days, settings.rates_reload_s, settings.rates_stale_after_days
        )
        self._tasks: list[asyncio.Task[None]] = []
        self._subs: list[Subscription] = []
        self._sender: CommandSender | None = None

    async def start(self, nc: NATS) -> None:
        await self.reader.refresh(force=True)
        self._tasks.append(asyncio.create_task(self.reader.follow()))
        self._subs.append(
            await nc.subscribe(BUDGET_VIEWS_RPC, queue="budgets", cb=responder(answer_views))
        )
        if self.settings.recurring_tick_s > 0:
            self._sender = CommandSender(nc, f"{self.settings.node_id}-recurring", stored_outcome)
            await self._sender.start()
            scheduler = Scheduler(self._sender, self.settings.outcome_wait_s)
            self._tasks.append(asyncio.create_task(scheduler.run(self.settings.recurring_tick_s)))

    def convert(self, amount: Decimal, frm: str, to: str, on: date) -> Decimal | None:
        """``amount`` in ``to`` at ``on``'s rate, or None while no rate exists."""
        try:
            return self.reader.book.quote(frm, to, on).convert(amount)
        except MissingRate:
            return None

    async def prepare(self, commands: Sequence[Command]) -> dict[str, Any]:
        """A batch reacting to new rates reads them at once."""
        if any(c.type == "rates.updated" for c in commands):
            await self.reader.refresh(force=True)
        return {}

    async def preload(self, work: BatchWork, events: Sequence[Event]) -> None:
        """A batch's expense events' budgets and tallies, a query each (``preload_scopes``)."""
        await preload_scopes(work, [e.scope for e in events if e.type in EXPENSE_EVENTS])

    async def stop(self) -> None:
        for sub in self._subs:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
        self._subs.clear()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        if self._sender is not None:
            await self._sender.stop()
