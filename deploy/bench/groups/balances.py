"""Reading a group's balances over HTTP: the running balances (checked to add up to zero and
against a local fold of the bills accepted), the balances at a moment folded from the event log
by the splits actor over request-reply, and one member's balance explained."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from urllib.parse import quote

import aiohttp

from deploy.bench.groups.api import ApiObject, Gets, timed_gets
from deploy.bench.groups.bills import Bill
from deploy.bench.groups.inprocess import fold, ms
from deploy.bench.groups.results import AsOf, Balances, Explain
from deploy.bench.http import RequestFailedError, call
from deploy.bench.stats import latency_summary


def nets_of(balances: ApiObject) -> dict[tuple[str, str], Decimal]:
    """Each member's net in each currency, as the balances tell them."""
    return {(m["user_id"], m["currency"]): Decimal(m["net"]) for m in balances["members"]}


def zero_sum(balances: ApiObject) -> bool:
    """Whether the members' nets add up to exactly zero in every currency."""
    totals: dict[str, Decimal] = {}
    for m in balances["members"]:
        totals[m["currency"]] = totals.get(m["currency"], Decimal(0)) + Decimal(m["net"])
    return all(total == 0 for total in totals.values())


def local_nets(bills: Sequence[Bill]) -> dict[tuple[str, str], Decimal]:
    """Each member's net in each currency, folded here from ``bills``."""
    tally = fold([b.parts() for b in bills])
    return {(user, currency): net for user, currency, net in tally.member_nets()}


async def running_balances(
    http: aiohttp.ClientSession, path: str, reads: int, accepted: Sequence[Bill]
) -> tuple[Balances, ApiObject]:
    """``reads`` GETs of the running balances, checked against a fold of ``accepted``; the
    figures and the last balances read."""
    gets: Gets = await timed_gets(http, path, reads)
    if not gets.kept:
        raise RequestFailedError(f"GET {path} never answered 200: {gets.first_error}")
    current = gets.kept[-1]
    figures = Balances(
        requests=reads,
        latency_ms=latency_summary(gets.latencies),
        errors=gets.errors,
        first_error=gets.first_error,
        bytes=gets.size,
        members=len(current["members"]),
        debts=len(current["debts"]),
        plan=len(current["plan"]),
        version=int(current["version"]),
        zero_sum=zero_sum(current),
        matches_local=nets_of(current) == local_nets(accepted),
    )
    return figures, current


async def balances_as_of(
    http: aiohttp.ClientSession,
    path: str,
    moment: datetime,
    reads: int,
    current: ApiObject | None = None,
    fraction: float | None = None,
) -> AsOf:
    """``reads`` GETs of the balances at ``moment`` (ISO 8601 with its offset, URL-encoded):
    the splits actor folds the group's events up to then for each."""
    as_of = moment.astimezone().isoformat()
    gets = await timed_gets(
        http, f"{path}?as_of={quote(as_of, safe='')}", reads, stop_on_error=True
    )
    past = gets.kept[-1] if gets.kept else None
    return AsOf(
        fraction=fraction,
        as_of=as_of,
        requests=len(gets.latencies) + gets.errors,
        latency_ms=latency_summary(gets.latencies),
        errors=gets.errors,
        first_error=gets.first_error,
        bytes=gets.size,
        events_folded=int(past["version"]) if past else None,
        zero_sum=zero_sum(past) if past else None,
        matches_current=(
            nets_of(past) == nets_of(current) if past is not None and current is not None else None
        ),
    )


async def explain(http: aiohttp.ClientSession, path: str, user_id: str) -> Explain:
    """``GET .../balances/{user}/explain?limit=200`` once."""
    t0 = time.perf_counter()
    status, explained = await call(http, "GET", f"{path}/{user_id}/explain?limit=200")
    return Explain(
        ms=ms(time.perf_counter() - t0),
        status=status,
        items=len(explained["items"]) if status == 200 and isinstance(explained, dict) else 0,
        error=None if status == 200 else f"{status} {str(explained)[:500]}",
    )
