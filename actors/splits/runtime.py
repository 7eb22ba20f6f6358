"""What a splits actor process keeps beside its handlers: the rate book that values entries in
their group's currency, and the responder of ``rpc.splits.balances`` (balances at a past
moment, folded from the event log)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from typing import Any

import structlog
from nats.aio.client import Client as NATS
from nats.aio.subscription import Subscription

from actors.responders import responder
from actors.splits.balances import Tally
from actors.splits.history import replay
from bus.entities import Debt, GroupBalances, MemberNet
from bus.envelopes import Command
from bus.groups import BalancesQuery
from bus.rpc import QueryFailed
from bus.settings import Settings
from bus.subjects import BALANCES_RPC
from storage.group_reads import entry_changes, snapshots_around
from storage.groups import GroupDoc
from storage.rates import RatesReader


def tally_view(group: GroupDoc, tally: Tally, version: int, **extra: Any) -> GroupBalances:
    """A tally as the API shows balances."""

    def debts(transfers: Sequence[Any]) -> list[Debt]:
        return [
            Debt(from_user=t.from_user, to_user=t.to_user, amount=t.amount, currency=t.currency)
            for t in transfers
        ]

    simplify = bool(group.settings.get("simplify_debts", True))
    pairwise = debts(tally.debts())
    return GroupBalances(
        group_id=group.id,
        currency=group.currency,
        members=[MemberNet(user_id=u, currency=c, net=n) for u, c, n in tally.member_nets()],
        debts=pairwise,
        plan=debts(tally.plan()) if simplify else pairwise,
        simplify_debts=simplify,
        version=version,
        **extra,
    )


log = structlog.get_logger(__name__)


class SplitsRuntime:
    def __init__(self, settings: Settings) -> None:
        self.reader = RatesReader(
            settings.rates_max_age_days, settings.rates_reload_s, settings.rates_stale_after_days
        )
        self._follow: asyncio.Task[None] | None = None
        self._subs: list[Subscription] = []

    async def start(self, nc: NATS) -> None:
        await self.reader.refresh(force=True)
        self._follow = asyncio.create_task(self.reader.follow())
        self._subs.append(
            await nc.subscribe(BALANCES_RPC, queue="splits", cb=responder(self.balances_at))
        )

    async def prepare(self, commands: Sequence[Command]) -> dict[str, Any]:
        if any(c.type == "rates.updated" for c in commands):
            await self.reader.refresh(force=True)
        return {}

    async def stop(self) -> None:
        for sub in self._subs:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
        self._subs.clear()
        if self._follow is not None:
            self._follow.cancel()
            await asyncio.gather(self._follow, return_exceptions=True)

    async def balances_at(self, data: bytes) -> GroupBalances:
        """The group's balances at ``as_of``: the latest snapshot before then, and the entry
        events after it up to then (read by `seq` up to the next snapshot), folded in order
        (the caller checked membership)."""
        query = BalancesQuery.model_validate_json(data)
        group = await GroupDoc.get(query.group_id)
        if group is None:
            raise QueryFailed("not_found", "no such group")
        began = time.perf_counter()
        snapshot, later = await snapshots_around(group.id, query.as_of)
        found = time.perf_counter()
        start = Tally.from_data(snapshot.tally) if snapshot is not None else None
        since = snapshot.version if snapshot is not None else 0
        changes = await entry_changes(group.id, query.as_of, snapshot, later)
        read = time.perf_counter()
        tally = replay(changes, start)
        view = tally_view(group, tally, since + len(changes), as_of=query.as_of)
        log.info(
            "past_balances",
            group_id=group.id,
            snapshot_version=since,
            events=len(changes),
            snapshot_ms=round((found - began) * 1000, 1),
            read_ms=round((read - found) * 1000, 1),
            fold_ms=round((time.perf_counter() - read) * 1000, 1),
        )
        return view
