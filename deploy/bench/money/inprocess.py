"""In process: a rate book loaded with the full ECB history bundled for the offline seed, then
(a) ``convert`` alone (multiply, round half-even) and (b) a whole conversion (find both legs on
or before the day, cross rate through EUR, convert), over random amounts, pairs and days."""

from __future__ import annotations

import gc
import random
import time
import tracemalloc
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from actors.currency.seed import reference_history
from bus.fx import MissingRate, RateBook
from bus.money import convert
from deploy.bench.money.options import MoneyBenchOptions
from deploy.bench.money.results import InProcess, Timed
from deploy.bench.stats import percentile

PAIRS = ["USD", "JPY", "GBP", "CHF", "SEK", "EUR", "KRW", "INR", "CZK", "PLN"]


def _micros(seconds: list[float]) -> dict[str, float]:
    """p50/p99 of per-call times in microseconds (each sample a batch's mean)."""
    ordered = sorted(seconds)
    if not ordered:
        return {}
    return {
        "p50": round(percentile(ordered, 50) * 1e6, 2),
        "p99": round(percentile(ordered, 99) * 1e6, 2),
    }


def _timed(
    label: str, work: list[tuple[Any, ...]], fn: Callable[..., object], batch: int = 1000
) -> Timed:
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
    return Timed(label, len(work), round(len(work) / elapsed), _micros(per_call))


def _loaded_book() -> tuple[RateBook, int, date, int]:
    """The rate book with the whole bundled history; its days, last day and bytes held."""
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
    return book, day_count, last, book_bytes


def in_process(o: MoneyBenchOptions) -> InProcess:
    """Both kinds of conversion, ``o.conversions`` of each."""
    rng = random.Random(20261122)
    book, day_count, last, book_bytes = _loaded_book()
    first = date(2000, 1, 3)
    span = (last - first).days
    work_convert: list[tuple[Any, ...]] = [
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
    return InProcess(day_count, round(book_bytes / 2**20, 1), results, missing)
