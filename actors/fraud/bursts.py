"""Bursts: many purchases within an hour, and amounts kept just under a budget's limit.

A velocity burst is measured against the person's own busiest hour: it takes
:data:`VELOCITY_COUNT` purchases within :data:`VELOCITY_WINDOW` (by the purchase times the
devices gave), and at least :data:`RECORD_MARGIN` more than the most this person made in any
other such window of their remembered ordinary spending, so someone whose days are busy (or
whose app gives every purchase the same nominal time) is not flagged for being themselves.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import pairwise

from actors.fraud.evidence import Signal, money, shown
from actors.fraud.facts import Context, Observation
from actors.fraud.profile import Profile

VELOCITY_WINDOW = timedelta(minutes=60)
VELOCITY_COUNT = 5  # purchases in one window, at the least
RECORD_MARGIN = 2  # ... and this many more than the person's own busiest other window
LEAST_BURST_WITHIN = timedelta(minutes=40)  # the fewest a burst takes must come this close
EDGE_GAP_MIN = timedelta(minutes=10)
EDGE_GAP_FACTOR = 3


def _densest(moments: Sequence[tuple[datetime, str]], at: datetime) -> list[str]:
    """The ids in the fullest window of VELOCITY_WINDOW that contains ``at``."""
    best: list[str] = []
    for start, _ in moments:
        if not at - VELOCITY_WINDOW <= start <= at:
            continue
        inside = [i for m, i in moments if start <= m <= start + VELOCITY_WINDOW]
        if len(inside) > len(best):
            best = inside
    return best


def _trimmed(members: list[tuple[datetime, str]], key: str) -> list[tuple[datetime, str]]:
    """The burst without stragglers at its edges: a first or last purchase further from the
    next than EDGE_GAP_FACTOR times the burst's median gap (and EDGE_GAP_MIN) is an ordinary
    purchase that happens to fall in the same hour, not part of the burst."""
    kept = sorted(members)
    while len(kept) > 2:
        gaps = [b[0] - a[0] for a, b in pairwise(kept)]
        usual = statistics.median(g.total_seconds() for g in gaps)
        limit = max(EDGE_GAP_MIN, timedelta(seconds=usual * EDGE_GAP_FACTOR))
        if gaps[0] > limit:
            kept = kept[1:]
        elif gaps[-1] > limit:
            kept = kept[:-1]
        else:
            break
    return kept if any(i == key for _, i in kept) else []


def busiest(moments: Sequence[datetime]) -> int:
    """The most of ``moments`` (sorted) within one VELOCITY_WINDOW."""
    most, first = 0, 0
    for last, moment in enumerate(moments):
        while moment - moments[first] > VELOCITY_WINDOW:
            first += 1
        most = max(most, last - first + 1)
    return most


def velocity(obs: Observation, profile: Profile, context: Context) -> Signal | None:
    """Many purchases within an hour, more than the person's own busiest (module docstring)."""
    at = obs.moment
    if at is None or not obs.spending:
        return None
    peers = [e for e in profile.peers(obs) if e.moment is not None]
    moments = sorted([(e.moment, e.id) for e in peers if e.moment is not None] + [(at, obs.key)])
    window = _densest(moments, at)
    if len(window) < VELOCITY_COUNT:
        return None
    cluster = _trimmed([(m, i) for m, i in moments if i in window], obs.key)
    burst = [i for _, i in cluster]
    if len(burst) < VELOCITY_COUNT:
        return None
    away = sorted(
        e.moment
        for e in peers
        if e.moment is not None and e.normal and abs(e.moment - at) > VELOCITY_WINDOW
    )
    record = busiest(away)
    floor = profile.burst_floor if obs.group_id is None else 0
    needed = max(VELOCITY_COUNT, record + RECORD_MARGIN, floor + 1)
    if len(burst) < needed:
        return None
    span = cluster[-1][0] - cluster[0][0]
    if len(burst) == needed and span > LEAST_BURST_WITHIN:
        return None  # the fewest purchases a burst takes, spread over most of the hour
    minutes = max(1, int(span.total_seconds() // 60))
    weight = min(0.92, 0.75 + 0.05 * (len(burst) - needed))
    explanation = f"{len(burst)} purchases within {minutes} minutes"
    if record:
        explanation += f" (your busiest hour before had {record})"
    return Signal(
        "velocity",
        round(weight, 3),
        {
            "count": len(burst),
            "within_minutes": minutes,
            "busiest_before": record,
        },
        members=tuple(i for i in burst if i != obs.key),
        explanation=explanation,
    )


NEAR_LIMIT = Decimal("0.9")  # at least this share of a limit, and under it
LIMIT_BURST_DAYS = 4
LIMIT_BURST_COUNT = 2


def limit_burst(obs: Observation, profile: Profile, context: Context) -> Signal | None:
    """Amounts just under one of the person's budget limits, several within a few days."""
    if obs.value is None or not obs.spending or context.home_currency is None:
        return None
    if obs.group_id is not None:  # a person's budgets are theirs, not a group's business
        return None

    def near(value: Decimal | None, limit: Decimal) -> bool:
        return value is not None and limit * NEAR_LIMIT <= value < limit

    for limit in context.limits:
        if limit.currency != context.home_currency or not limit.covers(obs.category):
            continue
        if not near(obs.value, limit.amount):
            continue
        since = obs.day - timedelta(days=LIMIT_BURST_DAYS)
        members = [
            e.id
            for e in profile.peers(obs)
            if since <= e.day <= obs.day + timedelta(days=LIMIT_BURST_DAYS)
            and limit.covers(e.category)
            and near(e.value, limit.amount)
        ]
        count = len(members) + 1
        weight = 0.12 if count < LIMIT_BURST_COUNT else min(0.95, 0.88 + 0.03 * (count - 2))
        budget = shown(limit.amount, limit.currency)
        explanation = (
            f"{count} amounts just under your {budget} budget within {LIMIT_BURST_DAYS} days"
            if count >= LIMIT_BURST_COUNT
            else f"just under your {budget} budget"
        )
        return Signal(
            "limit_burst",
            weight,
            {
                "budget_id": limit.budget_id,
                "limit": money(limit.amount),
                "value": money(obs.value),
                "count": count,
                "within_days": LIMIT_BURST_DAYS,
            },
            members=tuple(members) if count >= LIMIT_BURST_COUNT else (),
            explanation=explanation,
        )
    return None
