"""Outliers: an amount far above what this person usually pays for this kind of spending.

Two views of "usual", each the person's own amounts on a log scale (``actors.fraud.spread``):
their amounts of the expense's kind (its category, or a group's label), and their recent
amounts at the same merchant (a corner shop and a weekly shop may share a category and not a
price level). An amount is a strong outlier in a view only beyond the bar that at most
:data:`FLAG_TAIL` / 2 of their ordinary amounts there reach, at least :data:`MIN_RATIO` times
their median there, and above the most they paid there before — so, both views together, at
most :data:`FLAG_TAIL` of a person's ordinary amounts can ever be strong outliers. A weak hint
lies beyond :data:`HINT_TAIL`. Before a kind has :data:`MIN_HISTORY` amounts, the person's
spending of every kind stands in, and can only hint.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from actors.fraud.evidence import Signal, money, quoted, shown
from actors.fraud.facts import Context, Observation
from actors.fraud.merchants import same_merchant
from actors.fraud.profile import Profile
from actors.fraud.spread import spread_of

MIN_HISTORY = 5  # amounts before they are the person's own measure
FLAG_TAIL = 0.004  # the share of ordinary amounts that can be strong outliers (both views)
HINT_TAIL = 0.03  # ... weak ones
MIN_RATIO = Decimal("1.3")  # times the median: nearer is never worth a flag
STRONG = 0.55  # a strong outlier's weight at its bar, growing with the distance beyond it
PER_SCALE = 0.1
MOST = 0.8
HINT = 0.2
ON_TRIP = 0.5  # people spend differently away from home: never a flag alone on a trip


@dataclass(frozen=True, slots=True)
class View:
    basis: str  # category | merchant | all spending
    name: str  # as a person reads it
    values: Sequence[Decimal]
    weight: float
    beyond: float  # scales beyond the flag bar
    median: Decimal
    ratio: Decimal
    bar: Decimal


def _judge(basis: str, name: str, values: Sequence[Decimal], value: Decimal) -> View | None:
    spread = spread_of(values)
    if spread is None:
        return None
    median = Decimal(statistics.median(values))
    ratio = value / median if median > 0 else Decimal(0)
    if ratio < MIN_RATIO:
        return None
    beyond = spread.beyond(value, FLAG_TAIL / 2)
    if basis != "all spending" and beyond >= 0 and value > max(values):
        weight = min(MOST, STRONG + PER_SCALE * beyond)
    elif spread.beyond(value, HINT_TAIL) >= 0:
        weight = HINT
    else:
        return None
    return View(basis, name, values, weight, beyond, median, ratio, spread.bar(FLAG_TAIL / 2))


def _kind(obs: Observation, context: Context) -> str:
    if obs.group_id is not None:  # the context names a bill by its label
        return (
            f"this group's {context.category_name}"
            if context.category_name
            else "this group's bills"
        )
    return context.category_name or "this category"


def _views(obs: Observation, profile: Profile, context: Context, value: Decimal) -> list[View]:
    """The views of ``value`` that find it out of the ordinary."""
    kinds: list[tuple[str, str, Sequence[Decimal]]] = []
    values = profile.baseline(obs.category)
    if len(values) >= MIN_HISTORY:
        kinds.append(("category", _kind(obs, context), values))
    elif obs.group_id is None:  # a group's bill is never measured against personal spending
        kinds.append(("all spending", "all your spending", profile.all_values()))
    if obs.merchant:
        there = [
            e.value
            for e in profile.peers(obs)
            if e.normal
            and e.value is not None
            and e.category == obs.category
            and same_merchant(e.merchant, obs.merchant)
        ]
        kinds.append(("merchant", quoted(obs.merchant_name, "this merchant"), there))
    judged = (
        _judge(basis, name, amounts, value)
        for basis, name, amounts in kinds
        if len(amounts) >= MIN_HISTORY
    )
    return [view for view in judged if view is not None]


def outlier(obs: Observation, profile: Profile, context: Context) -> Signal | None:
    """Far above the person's usual for the kind or the merchant (see the module docstring)."""
    if obs.value is None or obs.value <= 0 or not obs.spending:
        return None
    views = _views(obs, profile, context, obs.value)
    if not views:
        return None
    view = max(views, key=lambda v: (v.weight, v.beyond))
    weight = view.weight * (ON_TRIP if obs.trip_id is not None else 1.0)
    home = context.home_currency
    at = "at" if view.basis == "merchant" else "for"
    explanation = (
        f"{view.ratio:.1f}× your usual {at} {view.name} (median {shown(view.median, home)} "
        f"over {len(view.values)} purchases)"
    )
    if obs.trip_id is not None:
        explanation += "; on a trip, where spending differs"
    return Signal(
        "outlier",
        round(weight, 3),
        {
            "value": money(obs.value),
            "median": money(round(view.median, 2)),
            "times_median": float(round(view.ratio, 1)),
            "bar": money(view.bar),
            "highest_before": money(max(view.values)),
            "history": len(view.values),
            "basis": view.basis,
            "on_trip": obs.trip_id is not None,
        },
        explanation=explanation,
    )
