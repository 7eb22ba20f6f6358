"""The fraud scorer's rules that bound how often an honest expense is flagged: outliers in each
person's own log-scale spread (and the bound measured on spending shapes the rules were not
written for), a fixed price counted once, bursts measured against the person's own busiest
hour, weak signals that never flag together, duplicates across statement spellings, and the
plain-words explanations."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from actors.fraud.bursts import velocity
from actors.fraud.duplicates import duplicate
from actors.fraud.evidence import Signal
from actors.fraud.facts import Observation
from actors.fraud.outliers import FLAG_TAIL, outlier
from actors.fraud.profile import remember
from actors.fraud.scoring import WEAK_CEILING, combine
from actors.fraud.spread import spread_of, t_quantile
from tests.support.fraud_observing import EMPTY as EUR
from tests.support.fraud_observing import T0, history, obs


@pytest.mark.parametrize(
    ("p", "df", "table"),
    [(0.995, 10, 3.1693), (0.999, 10, 4.1437), (0.999, 30, 3.3852), (0.999, 2, 22.327)],
)
def test_t_quantiles_match_the_tables(p: float, df: int, table: float) -> None:
    assert t_quantile(p, df) == pytest.approx(table, abs=5e-4)


# ---- the bound, on shapes of spending the rules were not written for ----------------------

Draw = Callable[[random.Random], float]


def _lognormal(rng: random.Random) -> Draw:
    level, spread = rng.uniform(1.0, 5.0), rng.uniform(0.05, 1.0)
    return lambda r: math.exp(r.gauss(level, spread))


def _paydays(rng: random.Random) -> Draw:
    level, spread = rng.uniform(1.0, 5.0), rng.uniform(0.05, 0.8)
    return lambda r: math.exp(r.gauss(level + (0.47 if r.random() < 0.2 else 0.0), spread))


def _shops(rng: random.Random) -> Draw:
    ranges = []
    for _ in range(rng.randint(2, 5)):
        low = rng.uniform(2, 60)
        ranges.append((low, low * rng.uniform(1.1, 4.0)))
    return lambda r: r.uniform(*r.choice(ranges))


def _gamma(rng: random.Random) -> Draw:
    shape, scale = rng.uniform(0.8, 5.0), rng.uniform(2.0, 40.0)
    return lambda r: r.gammavariate(shape, scale)


@pytest.mark.parametrize("shape", [_lognormal, _paydays, _shops, _gamma])
def test_at_most_about_the_flag_tail_of_ordinary_amounts_are_strong_outliers(
    shape: Callable[[random.Random], Draw],
) -> None:
    """People with every spread and history length: the share of their next ordinary amounts
    the outlier rule calls strong stays near FLAG_TAIL (0.4 %), whatever the shape."""
    rng = random.Random(20261206)
    strong = total = 0
    for person in range(160):
        draw = shape(rng)
        amounts = [Decimal(f"{max(0.05, draw(rng)):.2f}") for _ in range(5 + person % 40)]
        profile = history(
            *[obs(a, at=T0 - timedelta(days=len(amounts) - i)) for i, a in enumerate(amounts)]
        )
        for _ in range(50):
            found = outlier(obs(f"{max(0.05, draw(rng)):.2f}"), profile, EUR)
            strong += found is not None and found.weight >= 0.5
            total += 1
    assert strong / total <= 2 * FLAG_TAIL


def test_a_fixed_price_counts_once_in_the_spread() -> None:
    """Fares paid forty times and a few taxi rides: the rides are the kind's spread, so
    another ride is ordinary, while one far beyond the rides is not."""
    fares = [obs("2.90", merchant="MTA", at=T0 - timedelta(hours=12 * i)) for i in range(1, 41)]
    rides = [
        obs(amount, merchant="Uber", at=T0 - timedelta(days=i, hours=3))
        for i, amount in enumerate(["12.40", "18.75", "9.60", "23.10", "15.35", "31.20"], 1)
    ]
    profile = history(*fares, *rides)
    assert spread_of(profile.baseline("food")) is not None
    assert outlier(obs("34.80", merchant="Lyft"), profile, EUR) is None
    assert outlier(obs("900.00", merchant="Lyft"), profile, EUR) is not None


def test_a_merchant_of_its_own_price_level_is_measured_there() -> None:
    coffee = [
        obs(f"{3.4 + 0.1 * (i % 6):.2f}", merchant="Cafe Nero", at=T0 - timedelta(days=i))
        for i in range(1, 16)
    ]
    weekly = [
        obs(f"{48 + 9 * (i % 5):.2f}", merchant="Lidl", at=T0 - timedelta(days=i, hours=4))
        for i in range(1, 16)
    ]
    profile = history(*coffee, *weekly)
    found = outlier(obs("19.90", merchant="CAFFE NERO 0112"), profile, EUR)
    assert found is not None
    assert found.evidence["basis"] == "merchant"
    assert found.weight >= 0.5
    assert found.explanation.startswith("5.5× your usual at 'CAFFE NERO 0112'")
    assert outlier(obs("19.90", merchant="Lidl"), profile, EUR) is None


# ---- bursts -------------------------------------------------------------------------------


def _burst(start: datetime, count: int, every: timedelta, shop: str = "Shop") -> list[Observation]:
    return [obs("9.99", merchant=f"{shop} {i}", at=start + every * i) for i in range(count)]


def test_a_burst_is_measured_against_the_persons_own_busiest_hour() -> None:
    burst = _burst(T0, 6, timedelta(minutes=3))
    quiet = history(*burst[:5])
    assert velocity(burst[5], quiet, EUR) is not None
    busy_before = _burst(T0 - timedelta(days=3), 5, timedelta(minutes=9), shop="Market")
    busy = history(*busy_before, *burst[:5])
    assert velocity(burst[5], busy, EUR) is None  # they had five in an hour before: six is not
    seventh = obs("9.99", merchant="Shop 6", at=T0 + timedelta(minutes=18))
    found = velocity(seventh, remember(busy, burst[5], learn=True), EUR)
    assert found is not None
    assert found.evidence["busiest_before"] == 5
    assert found.explanation == "7 purchases within 18 minutes (your busiest hour before had 5)"


def test_an_ordinary_purchase_in_the_same_hour_is_not_part_of_the_burst() -> None:
    lunch = obs("14.20", merchant="Deli", at=T0 - timedelta(minutes=35))
    burst = _burst(T0, 6, timedelta(minutes=2))
    found = velocity(burst[5], history(lunch, *burst[:5]), EUR)
    assert found is not None
    assert lunch.key not in found.members
    assert set(found.members) == {o.key for o in burst[:5]}
    after = obs("6.50", merchant="Bakery", at=T0 + timedelta(minutes=45))
    assert velocity(after, history(*burst), EUR) is None


def test_the_fewest_purchases_of_a_burst_spread_over_the_hour_are_no_burst() -> None:
    spread_out = _burst(T0, 5, timedelta(minutes=13))  # five within 52 minutes
    assert velocity(spread_out[4], history(*spread_out[:4]), EUR) is None
    close = _burst(T0, 5, timedelta(minutes=8))  # five within 32 minutes
    assert velocity(close[4], history(*close[:4]), EUR) is not None


# ---- combining ----------------------------------------------------------------------------


def test_weak_signals_never_flag_together() -> None:
    weak = [Signal("outlier", 0.2), Signal("duplicate", 0.45), Signal("odd_hour", 0.25)]
    assert combine(weak) == WEAK_CEILING < 50
    assert combine([*weak, Signal("velocity", 0.75)]) > 75


# ---- duplicates across sources ------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "statement"),
    [
        ("Uber", "UBER *TRIP 8Y2K"),
        ("Whole Foods", "WHOLEFDS MKT 10245"),
        ("Blue Bottle Coffee", "SQ *BLUE BOTTLE COFFEE"),
        ("Eventbrite", "EB *RKUXF6STG"),
        ("Steam", "STEAMGAMES.COM 28116113"),
    ],
)
def test_a_purchase_typed_and_imported_from_a_statement_is_a_duplicate(
    typed: str, statement: str
) -> None:
    by_hand = obs("23.10", merchant=typed, at=T0.replace(hour=9))
    imported = replace(
        obs("23.10", merchant=statement, at=None, recorded=T0 + timedelta(days=1)),
        day=(T0 + timedelta(days=1)).date(),
    )
    found = duplicate(imported, history(by_hand), EUR)
    assert found is not None
    assert found.weight == 0.8
    assert found.explanation == (
        f"looks like the same purchase as '{typed}' on 2 Mar, 23.10 EUR "
        "(same day, and one of them has no purchase time)"
    )


def test_a_fare_bought_twice_a_day_is_a_habit_not_a_duplicate() -> None:
    morning = obs("3.50", merchant="BVG", at=T0.replace(hour=8))
    evening = obs("3.50", merchant="BVG", at=T0.replace(hour=18))
    imported = obs("3.50", merchant="BVG FAHRKARTE 2XYU", at=None)
    found = duplicate(imported, history(morning, evening), EUR)
    assert found is not None
    assert found.weight < 0.5
    assert duplicate(imported, history(morning), EUR) is not None
    assert duplicate(imported, history(morning), EUR).weight == 0.8  # type: ignore[union-attr]
