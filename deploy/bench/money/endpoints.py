"""Over HTTP: N clients in a closed loop on ``GET /v1/currency/rates`` and ``POST
/v1/currency/convert`` (edge -> NATS request-reply -> currency actor -> back), on an embedded
stack of its own."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import aiohttp

from bus.settings import Settings
from deploy.bench.expenses.options import BenchOptions
from deploy.bench.flags import log_path_of
from deploy.bench.money.options import MoneyBenchOptions
from deploy.bench.money.results import Endpoint, Endpoints
from deploy.bench.stackrun import BenchStack
from deploy.bench.stats import latency_summary
from deploy.bench.users import sign_up_many

RATES_PATH = "/v1/currency/rates?symbols=USD,JPY,GBP,CHF&date=2026-10-29"
CONVERT_BODY = {"amount": "1234.56", "from": "USD", "to": "JPY", "date": "2024-02-29"}


async def closed_loop(
    base: str, token: str, method: str, path: str, body: object, o: MoneyBenchOptions
) -> Endpoint:
    """``o.clients`` clients sending one request after another for the warm-up and then the
    measured ``o.duration_s``."""
    latencies: list[float] = []  # of answered-200 requests in the measured window
    errors = 0
    first_error: str | None = None
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(base, headers=headers) as http:
        begin = time.perf_counter() + o.warmup_s
        stop_at = begin + o.duration_s

        async def client() -> None:
            nonlocal errors, first_error
            while (now := time.perf_counter()) < stop_at:
                async with http.request(method, path, json=body) as resp:
                    text = await resp.text()
                    ok = resp.status == 200
                if now < begin:
                    continue
                if ok:
                    latencies.append(time.perf_counter() - now)
                else:  # counted apart: a failing endpoint must not look fast
                    errors += 1
                    first_error = first_error or f"{resp.status} {text[:300]}"

        await asyncio.gather(*(client() for _ in range(o.clients)))
    return Endpoint(
        requests=len(latencies),
        per_s=round(len(latencies) / o.duration_s, 1),
        errors=errors,
        first_error=first_error,
        latency_ms=latency_summary(latencies),
    )


async def _wait_for_currency_actor(base: str, token: str, timeout_s: float = 120.0) -> None:
    """The edge is ready before the currency actor has seeded and loaded its book: wait."""
    headers = {"Authorization": f"Bearer {token}"}
    deadline = time.perf_counter() + timeout_s
    async with aiohttp.ClientSession(base, headers=headers) as http:
        while time.perf_counter() < deadline:
            async with http.get("/v1/currency/rates?symbols=USD") as resp:
                if resp.status == 200:
                    return
            await asyncio.sleep(0.2)
    raise RuntimeError("the currency actor never answered")


async def over_http(
    settings: Settings, o: MoneyBenchOptions, say: Callable[[str], None]
) -> Endpoints:
    """Both endpoints, on a stack that is stopped (and its directory removed) whatever
    happens."""
    data_dir = Path(tempfile.mkdtemp(prefix="ledgerbus-bench-money-"))
    log_path = log_path_of("money", o.log_path)
    with log_path.open("w") as log:
        stack = BenchStack(
            settings, BenchOptions(), data_dir, log, actors=["accounts", "expenses", "currency"]
        )
        stack.env["LEDGERBUS_RATES_REFRESH_INTERVAL_S"] = "0"  # offline: the seed only
        try:
            say("starting an embedded stack (NATS, SecantusDB, edge, accounts, expenses, currency)")
            await stack.start()
            [user] = await sign_up_many(stack.base_url, 1)
            await _wait_for_currency_actor(stack.base_url, user.token)
            say(f"rates endpoint: {o.clients} clients, {o.duration_s:g} s")
            rates = await closed_loop(stack.base_url, user.token, "GET", RATES_PATH, None, o)
            say(f"convert endpoint: {o.clients} clients, {o.duration_s:g} s")
            converts = await closed_loop(
                stack.base_url, user.token, "POST", "/v1/currency/convert", CONVERT_BODY, o
            )
        finally:
            await stack.stop()
            shutil.rmtree(data_dir, ignore_errors=True)
    return Endpoints(rates, converts, str(log_path))
