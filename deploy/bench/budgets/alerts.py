"""The delay from an expense command to the budget alert on a device: a user with a Socket.IO
device connected makes a budget of 100.00 counting one category of its own, with thresholds at
10, 20, ..., 100 percent; each expense of 10.00 in that category crosses the next one. The time
from just before ``POST /v1/expenses`` to the arrival of that ``budget.threshold_crossed`` on the
device, one expense at a time (a budget holds at most 10 thresholds, so every tenth sample starts
on a new budget and the used one is deleted)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from datetime import date

import aiohttp
import socketio

from deploy.bench.budgets.api import (
    ALERT_AMOUNT,
    ALERT_BUDGET,
    ALERT_THRESHOLDS,
    ALERT_WAIT_S,
    CURRENCY,
    REQUEST_TIMEOUT_S,
    write,
)
from deploy.bench.budgets.results import AlertFigures
from deploy.bench.devices import connect_device, disconnect_device
from deploy.bench.http import call, session
from deploy.bench.stats import latency_summary
from deploy.bench.users import BenchUser


class AlertDevice:
    """A python-socketio client of one user, noting when each budget alert first arrives."""

    def __init__(self) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self.client.on("budget.threshold_crossed", self._on_alert)
        self.arrivals: dict[tuple[str, int], float] = {}
        self.received = 0
        self._awaited: tuple[tuple[str, int], asyncio.Event] | None = None

    def _on_alert(self, data: object = None) -> None:
        now = time.perf_counter()
        self.received += 1
        inner = data.get("data") if isinstance(data, dict) else None
        entity = inner.get("entity") if isinstance(inner, dict) else None
        if not isinstance(entity, dict):
            return
        key = (str(entity.get("budget_id")), int(entity.get("threshold") or 0))
        self.arrivals.setdefault(key, now)
        if self._awaited is not None and self._awaited[0] == key:
            self._awaited[1].set()

    async def connect(self, base_url: str, token: str) -> None:
        await connect_device(self.client, base_url, token)

    async def arrival(self, key: tuple[str, int], timeout_s: float) -> float | None:
        """When the alert ``key`` arrived (``time.perf_counter``), waiting up to ``timeout_s``."""
        if key not in self.arrivals:
            self._awaited = (key, asyncio.Event())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._awaited[1].wait(), timeout_s)
            self._awaited = None
        return self.arrivals.get(key)

    async def close(self) -> None:
        await disconnect_device(self.client)


@dataclass
class Samples:
    """The alert delays and write times taken so far, and the expenses that failed."""

    wanted: int
    delays: list[float] = field(default_factory=list)
    writes: list[float] = field(default_factory=list)
    missing: int = 0
    errors: int = 0
    first_error: str | None = None

    @property
    def done(self) -> bool:
        return len(self.delays) + self.missing + self.errors >= self.wanted


async def _one_budget(
    http: aiohttp.ClientSession, device: AlertDevice, n: int, day: date, s: Samples
) -> None:
    """Budget ``n``: its thresholds crossed one expense at a time (until enough samples), then
    the budget deleted."""
    category = await write(http, "POST", "/v1/categories", {"name": f"Bench alerts {n}"})
    budget = await write(
        http,
        "POST",
        "/v1/budgets",
        {
            "name": f"Alerts {n}",
            "amount": ALERT_BUDGET,
            "currency": CURRENCY,
            "period": "monthly",
            "category_ids": [category["id"]],
            "thresholds": ALERT_THRESHOLDS,
        },
    )
    body = {
        "amount": ALERT_AMOUNT,
        "currency": CURRENCY,
        "date": day.isoformat(),
        "category_id": category["id"],
    }
    for threshold in ALERT_THRESHOLDS:
        if s.done:
            break
        sent = time.perf_counter()
        status, data = await call(http, "POST", "/v1/expenses", body)
        answered = time.perf_counter()
        if status != 201:
            s.errors += 1
            s.first_error = s.first_error or f"{status} {str(data)[:300]}"
            continue
        s.writes.append(answered - sent)
        arrived = await device.arrival((str(budget["id"]), threshold), ALERT_WAIT_S)
        if arrived is None:
            s.missing += 1
        else:
            s.delays.append(arrived - sent)
    await write(http, "DELETE", f"/v1/budgets/{budget['id']}")


async def alert_delays(base_url: str, user: BenchUser, samples: int, day: date) -> AlertFigures:
    """``samples`` expenses one at a time, each crossing the next threshold of the user's
    budget: the time from the command to the alert on the device, and of the write itself."""
    device = AlertDevice()
    t0 = time.perf_counter()
    await device.connect(base_url, user.token)
    connect_ms = round((time.perf_counter() - t0) * 1000.0, 1)
    s = Samples(samples)
    rounds = 0
    try:
        async with session(base_url, user.token, REQUEST_TIMEOUT_S) as http:
            while not s.done:
                rounds += 1
                await _one_budget(http, device, rounds, day, s)
    finally:
        await device.close()
    return AlertFigures(
        samples=samples,
        received=len(s.delays),
        missing=s.missing,
        errors=s.errors,
        first_error=s.first_error,
        budgets_used=rounds,
        alerts_on_device=device.received,
        connect_ms=connect_ms,
        alert_ms=latency_summary(s.delays),
        write_ms=latency_summary(s.writes),
    )
