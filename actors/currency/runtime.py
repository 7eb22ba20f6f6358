"""What a currency actor process keeps running beside its handlers.

- the rate book, following the rate store (seeded from the bundled ECB history when empty);
- the provider fetch for ``rates.refresh`` commands, done before their transaction;
- the refresh schedule: every process publishes the same command id per time slot, so JetStream
  and the processed-command records make it one refresh however many processes run;
- the request-reply responders ``rpc.currency.convert`` and ``rpc.currency.rates`` (a queue
  group: each query is answered by one process).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import aiohttp
import structlog
from nats.aio.client import Client as NATS
from nats.aio.subscription import Subscription
from pydantic import BaseModel

from actors.currency.provider import ProviderError, fetch_rates
from actors.currency.rules import convert_one, rates_table
from actors.currency.seed import reference_history, reference_history_path
from actors.responders import responder
from bus.client import CommandSender, build_command
from bus.conversions import ConvertBatch, ConvertBatchReply, RatesQuery, SourceStatus
from bus.envelopes import Command, utcnow
from bus.fx import DayRates
from bus.settings import Settings
from bus.subjects import CONVERT_RPC, RATES_RPC
from storage.outcomes import applied_ids, stored_outcome
from storage.rates import RateSeedDoc, RateSourceDoc, RatesReader, seed_days

log = structlog.get_logger(__name__)

SEED_SOURCE = "ECB"


def today() -> date:
    return datetime.now(UTC).date()


class CurrencyRuntime:
    """See the module docstring."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.reader = RatesReader(
            settings.rates_max_age_days, settings.rates_reload_s, settings.rates_stale_after_days
        )
        self.sources: list[SourceStatus] = []  # every rate source's health, kept current
        self._http: aiohttp.ClientSession | None = None
        self._nc: NATS | None = None
        self._subs: list[Subscription] = []
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self, nc: NATS) -> None:
        self._nc = nc
        self._http = aiohttp.ClientSession()
        if self.settings.rates_seed:
            await self.seed()
        await self._read_store()
        log.info(
            "rates_loaded",
            days=self.reader.loaded_days,
            first=str(self.reader.book.first_day()),
            last=str(self.reader.book.last_day()),
        )
        for subject, answer in ((CONVERT_RPC, self._convert), (RATES_RPC, self._rates)):
            self._subs.append(await nc.subscribe(subject, queue="currency", cb=responder(answer)))
        self._tasks.append(asyncio.create_task(self._follow_store()))
        if self.settings.rates_refresh_interval_s > 0:
            self._tasks.append(asyncio.create_task(self._refresh_on_schedule()))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for sub in self._subs:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
        self._subs.clear()
        if self._http is not None:
            await self._http.close()

    # -- the rate store -------------------------------------------------------------------

    async def seed(self) -> int:
        """Load the bundled ECB history once (recorded, so later starts skip even parsing it)."""
        origin = reference_history_path()
        if await RateSeedDoc.get(origin) is not None:
            return 0
        started = time.perf_counter()
        days = await asyncio.to_thread(reference_history, SEED_SOURCE)
        inserted = await seed_days(days)
        await RateSeedDoc(id=origin, days=len(days), seeded_at=utcnow()).save()
        log.info(
            "rates_seeded",
            origin=origin,
            days=inserted,
            first=str(days[0].day) if days else None,
            last=str(days[-1].day) if days else None,
            seconds=round(time.perf_counter() - started, 2),
        )
        return inserted

    async def _read_store(self, force: bool = True) -> None:
        await self.reader.refresh(force=force)
        rows = await RateSourceDoc.find_all().to_list()
        self.sources = [
            SourceStatus(
                name=row.id,
                latest_day=date.fromisoformat(row.latest_day) if row.latest_day else None,
                last_success_at=row.last_success_at,
                last_attempt_at=row.last_attempt_at,
                last_error=row.last_error,
                stale=row.stale,
            )
            for row in rows
        ]

    async def _follow_store(self) -> None:
        """Keep the book and the sources' health current, off the path of every query."""
        while True:
            await asyncio.sleep(self.settings.rates_reload_s)
            try:
                await self._read_store()
            except Exception as exc:  # the database is away: answer from what is known
                log.warning("rates_read_failed", error=repr(exc)[:300])

    # -- before each batch ----------------------------------------------------------------

    async def prepare(self, commands: Sequence[Command]) -> dict[str, Any]:
        """For a batch with new ``rates.refresh`` commands: the book read at once (new rates are
        judged against the latest known) and one provider fetch, outside any transaction."""
        refreshes = [c.command_id for c in commands if c.type == "rates.refresh"]
        if refreshes or any(c.type == "rates.set" for c in commands):
            await self.reader.refresh(force=True)
        if not refreshes:
            return {}
        done = await applied_ids(refreshes)
        fresh = [command_id for command_id in refreshes if command_id not in done]
        if not fresh:
            return {}
        fetched = await self._fetch()
        return dict.fromkeys(fresh, fetched)

    async def _fetch(self) -> list[DayRates] | ProviderError:
        if self._http is None:
            raise RuntimeError("CurrencyRuntime.start() first")
        try:
            days = await fetch_rates(
                self._http,
                self.settings.rates_provider_url,
                timeout_s=self.settings.rates_fetch_timeout_s,
                source=self.settings.rates_provider_name,
            )
        except ProviderError as exc:
            log.warning("rates_fetch_failed", url=self.settings.rates_provider_url, error=str(exc))
            return exc
        log.info("rates_fetched", days=len(days), latest=str(days[-1].day) if days else None)
        return days

    # -- the schedule ---------------------------------------------------------------------

    async def _refresh_on_schedule(self) -> None:
        interval = self.settings.rates_refresh_interval_s
        if self._nc is None:
            raise RuntimeError("CurrencyRuntime.start() first")
        sender = CommandSender(self._nc, self.settings.node_id, stored_outcome)
        while True:
            slot = int(time.time() // interval)
            command = build_command(
                "rates.refresh",
                {"trigger": "schedule"},
                issuer=None,
                issuer_scope="schedule",
                idempotency_key=f"rates.refresh:{self.settings.rates_provider_name}:{slot}",
            )
            try:
                await sender.publish(command)
            except Exception as exc:  # NATS down: the next slot tries again
                log.warning("rates_schedule_publish_failed", error=str(exc))
            await asyncio.sleep(max(1.0, (slot + 1) * interval - time.time()))

    # -- request-reply --------------------------------------------------------------------

    async def _convert(self, data: bytes) -> ConvertBatchReply:
        batch = ConvertBatch.model_validate_json(data)
        failing = {s.name for s in self.sources if s.stale}
        on = today()
        return ConvertBatchReply(
            results=[
                convert_one(
                    item, self.reader.book, on, self.settings.rates_stale_after_days, failing
                )
                for item in batch.items
            ]
        )

    async def _rates(self, data: bytes) -> BaseModel:
        query = RatesQuery.model_validate_json(data)
        return rates_table(
            query.base,
            query.symbols,
            query.date or today(),
            self.reader.book,
            self.settings.rates_stale_after_days,
            self.sources,
        )
