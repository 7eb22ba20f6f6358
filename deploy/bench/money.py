"""``ledgerbus bench money``: conversions per second through the in-process money functions, and
requests per second of the rates and convert endpoints on an embedded stack of its own.

In process: a rate book loaded with the full ECB history bundled for the offline seed, then
(a) ``convert`` alone (multiply, round half-even) and (b) a whole conversion (find both legs on
or before the day, cross rate through EUR, convert), over random amounts, pairs and days.
Over HTTP: N clients in a closed loop on ``GET /v1/currency/rates`` and ``POST
/v1/currency/convert`` (edge -> NATS request-reply -> currency actor -> back).
"""

from __future__ import annotations

import asyncio
import gc
import random
import shutil
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

import aiohttp

from actors.currency.seed import reference_history
from bus.fx import MissingRate, RateBook
from bus.money import convert
from bus.settings import Settings
from deploy.bench.flags import log_path_of
from deploy.bench.options import BenchOptions
from deploy.bench.report import progress
from deploy.bench.stackrun import BenchStack
from deploy.bench.stats import latency_summary, percentile
from deploy.bench.users import sign_up_many

PAIRS = ["USD", "JPY", "GBP", "CHF", "SEK", "EUR", "KRW", "INR", "CZK", "PLN"]


@dataclass(frozen=True)
class MoneyBenchOptions:
    conversions: int = 300_000
    clients: int = 16
    duration_s: float = 15.0
    warmup_s: float = 2.0
    log_path: Path | None = None


def _micros(seconds: list[float]) -> dict[str, float]:
    """p50/p99 of per-call times in microseconds (each sample a batch's mean)."""
    ordered = sorted(seconds)
    if not ordered:
        return {}
    return {
        "p50": round(percentile(ordered, 50) * 1e6, 2),
        "p99": round(percentile(ordered, 99) * 1e6, 2),
    }


def _timed(label: str, work: list[tuple[Any, ...]], fn: Any, batch: int = 1000) -> dict[str, Any]:
    """Run ``fn(*args)`` over ``work``; throughput and per-call latency from batches of calls."""
    per_call: list[float] = []
    started = time.perf_counter()
    for i in range(0, len(work), batch):
        chunk = work[i : i + batch]
        t0 = time.perf_counter()
        for args in chunk:
            fn(*args)
        per_call.append((time.perf_counter() - t0) / len(chunk))
    elapsed = time.perf_counter() - started
    return {
        "name": label,
        "calls": len(work),
        "per_s": round(len(work) / elapsed),
        "latency_us": _micros(per_call),
    }


def in_process(o: MoneyBenchOptions) -> dict[str, Any]:
    rng = random.Random(20261122)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    book = RateBook()
    days = reference_history()
    book.add_all(days)
    day_count, last = len(days), days[-1].day
    del days  # the book keeps its own copy: measure what it holds alone
    gc.collect()
    book_bytes = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    first = date(2000, 1, 3)
    span = (last - first).days
    work_convert = [
        (Decimal(rng.randint(1, 10_000_00)) / 100, Decimal("1.0860"), "USD")
        for _ in range(o.conversions)
    ]
    work_full: list[tuple[Any, ...]] = []
    for _ in range(o.conversions):
        frm, to = rng.sample(PAIRS, 2)
        on = first + timedelta(days=rng.randrange(span))
        work_full.append((Decimal(rng.randint(1, 10_000_00)) / 100, frm, to, on))
    missing = 0

    def full(amount: Decimal, frm: str, to: str, on: date) -> None:
        nonlocal missing
        try:
            book.quote(frm, to, on).convert(amount)
        except MissingRate:
            missing += 1

    results = [
        _timed("convert (multiply, round half-even)", work_convert, convert),
        _timed("quote + convert (lookup, cross rate, round)", work_full, full),
    ]
    return {
        "book_days": day_count,
        "book_mib": round(book_bytes / 2**20, 1),
        "results": results,
        "missing": missing,
    }


async def _closed_loop(
    base: str, token: str, method: str, path: str, body: Any, o: MoneyBenchOptions
) -> dict[str, Any]:
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
    return {
        "requests": len(latencies),
        "per_s": round(len(latencies) / o.duration_s, 1),
        "errors": errors,
        "first_error": first_error,
        "latency_ms": latency_summary(latencies),
    }


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


async def over_http(settings: Settings, o: MoneyBenchOptions, say: Any) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix="ledgerbus-bench-money-"))
    log_path = log_path_of("money", o.log_path)
    with log_path.open("w") as log:
        stack = BenchStack(
            settings,
            BenchOptions(),
            data_dir,
            log,
            actors=["accounts", "expenses", "currency"],
        )
        stack.env["LEDGERBUS_RATES_REFRESH_INTERVAL_S"] = "0"  # offline: the seed only
        try:
            say("starting an embedded stack (NATS, SecantusDB, edge, accounts, expenses, currency)")
            await stack.start()
            [user] = await sign_up_many(stack.base_url, 1)
            await _wait_for_currency_actor(stack.base_url, user.token)
            say(f"rates endpoint: {o.clients} clients, {o.duration_s:g} s")
            rates = await _closed_loop(
                stack.base_url,
                user.token,
                "GET",
                "/v1/currency/rates?symbols=USD,JPY,GBP,CHF&date=2026-10-29",
                None,
                o,
            )
            say(f"convert endpoint: {o.clients} clients, {o.duration_s:g} s")
            body = {"amount": "1234.56", "from": "USD", "to": "JPY", "date": "2024-02-29"}
            converts = await _closed_loop(
                stack.base_url, user.token, "POST", "/v1/currency/convert", body, o
            )
        finally:
            await stack.stop()
            shutil.rmtree(data_dir, ignore_errors=True)
    return {"rates_endpoint": rates, "convert_endpoint": converts, "log": str(log_path)}


def render(figures: dict[str, Any]) -> str:
    lines = ["", "ledgerbus bench money", ""]
    local = figures["in_process"]
    lines.append(
        f"rate book: {local['book_days']} days of ECB history, {local['book_mib']} MiB in memory"
    )
    for r in local["results"]:
        lat = r["latency_us"]
        lines.append(
            f"  {r['name']:<46} {r['per_s']:>10,}/s   p50 {lat.get('p50')} µs  p99 {lat.get('p99')} µs"
        )
    for key in ("rates_endpoint", "convert_endpoint"):
        if key in figures:
            f = figures[key]
            lat = f["latency_ms"] or {}
            lines.append(
                f"  {key.replace('_', ' '):<46} {f['per_s']:>10}/s   p50 {lat.get('p50')} ms  "
                f"p99 {lat.get('p99')} ms  errors {f['errors']}  (on SecantusDB stack, HTTP)"
            )
            if f.get("first_error"):
                lines.append(f"    first error: {f['first_error']}")
    return "\n".join(lines)


async def run_money(settings: Settings, o: MoneyBenchOptions, http: bool, out: TextIO) -> str:
    say = progress(out)
    say(f"in process: {o.conversions:,} conversions of each kind")
    figures: dict[str, Any] = {"in_process": await asyncio.to_thread(in_process, o)}
    if http:
        figures.update(await over_http(settings, o, say))
    return render(figures)
