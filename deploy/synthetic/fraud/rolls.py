"""Small seeded draws the classic generator makes again and again: integers, weighted picks,
exact decimal factors, moments and zones. Each takes the one ``random.Random`` explicitly.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Sequence
from datetime import timedelta, timezone
from decimal import ROUND_FLOOR, Decimal
from functools import cache
from typing import TypeVar

from bus.money import minor_units

T = TypeVar("T")


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))


def between(rng: random.Random, low: int, high: int) -> int:
    """An integer in [low, high] from one draw (``randint`` costs several calls per number,
    and tens of thousands of expenses draw many)."""
    return low + int(rng.random() * (high - low + 1))


def weighted_pick(rng: random.Random, items: Sequence[T], cum_weights: Sequence[float]) -> T:
    """One of ``items`` by cumulative weights, exactly as ``rng.choices(...)[0]`` picks it,
    without building a list for one item."""
    return items[bisect.bisect(cum_weights, rng.random() * cum_weights[-1], 0, len(items) - 1)]


def per_mille(rng: random.Random, low: int, high: int) -> Decimal:
    """A factor drawn in [low, high] thousandths, as an exact decimal (no floats in money)."""
    return Decimal(between(rng, low, high)) / 1000


def fraction_of(rng: random.Random, total: Decimal, low: int, high: int, currency: str) -> Decimal:
    """``total`` times a factor in [low, high] ten-thousandths, rounded down to minor units
    (rounding down keeps the result within the upper bound)."""
    factor = Decimal(between(rng, low, high)) / 10000
    return (total * factor).quantize(quantum(currency), rounding=ROUND_FLOOR)


@cache
def tz(offset: int) -> timezone:
    return timezone(timedelta(minutes=offset))


def millis(rng: random.Random, low: int, high: int) -> timedelta:
    return timedelta(milliseconds=between(rng, low, high))


def weighted_sample(rng: random.Random, weights: dict[str, float], count: int) -> list[str]:
    """``count`` distinct keys, likelier the heavier (Efraimidis-Spirakis keys)."""
    keyed = sorted(weights, key=lambda k: rng.random() ** (1 / weights[k]), reverse=True)
    return keyed[:count]
