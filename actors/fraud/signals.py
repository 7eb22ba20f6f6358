"""The signals: each looks at one expense against the person's profile and its context and
says how suspicious one thing about it is (a weight in 0..1) and why (its evidence).

Pure functions of (observation, profile, context); weights are before the person's trust.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from actors.fraud.facts import Context, Observation, expense_of_key
from actors.fraud.profile import Entry, Profile, habit_key


@dataclass(frozen=True, slots=True)
class Signal:
    name: str
    weight: float
    evidence: dict[str, Any] = field(default_factory=dict)
    members: tuple[str, ...] = ()  # other expenses the same finding is about (bursts)


def _money(value: Decimal) -> str:
    return format(value, "f")


# ---- duplicates ---------------------------------------------------------------------------

DUPLICATE_DAYS = 1  # dates this close
DUPLICATE_RECORDED_WITHIN = timedelta(days=7)  # entered this close
SAME_PURCHASE_WITHIN = timedelta(minutes=20)  # both times given and this close: one purchase
SEPARATE_PURCHASES_APART = timedelta(minutes=90)  # both times given and this far: two
HABIT_DAYS = 2  # the same amount at the same merchant on this many other days is a habit


Habit = Literal["reviewed", "seen", ""]


def _habit(obs: Observation, others: Sequence[Entry], profile: Profile) -> Habit:
    """Whether this purchase is one of the person's habits: reviewed legitimate as a repeat,
    or seen (the same amount at the same merchant on other days)."""
    personal = obs.group_id is None  # reviews teach a person's own spending, not a group's
    if personal and habit_key(obs.merchant, obs.amount, obs.currency) in profile.habits:
        return "reviewed"
    days = {
        e.day
        for e in others
        if e.merchant == obs.merchant and e.amount == obs.amount and e.day != obs.day
    }
    return "seen" if len(days) >= HABIT_DAYS else ""


ENTERED_LATER = timedelta(minutes=30)  # recorded this long after it happened: typed in later


def _duplicate_weight(obs: Observation, gap: timedelta | None, habit: Habit) -> tuple[float, str]:
    """How likely the match is this very purchase entered twice, from the purchase times the
    devices gave and when this one was typed in. Two identical purchases, each entered as it
    happened minutes apart, are as likely two coffees as one typed twice: weak alone."""
    typed_later = obs.moment is not None and obs.recorded_at - obs.moment >= ENTERED_LATER
    if habit == "reviewed" and (gap is None or gap > timedelta(minutes=1)):
        return 0.2, "a repeat reviewed legitimate"
    if gap is None:
        return (0.45, "no purchase time; a usual purchase here") if habit else (0.8, "same day")
    if gap <= timedelta(minutes=1):
        return 0.95, "same purchase time"
    if gap <= SAME_PURCHASE_WITHIN:
        if typed_later:
            return 0.9, "same purchase, typed in later"
        return (0.3, "a usual purchase here, bought again") if habit else (0.4, "minutes apart")
    if gap < SEPARATE_PURCHASES_APART:
        return (0.8, "typed in later") if typed_later and not habit else (0.35, "within the hour")
    return 0.15, "different purchase times"


def duplicate(obs: Observation, profile: Profile, context: Context) -> Signal | None:
    """The same amount, currency and merchant (however spelled; the description stands in
    for a missing merchant), on the same date or the next, entered within a week of each
    other."""
    if not obs.merchant:  # nothing to tell one purchase from another but the amount
        return None
    others = profile.peers(obs)
    matches = [
        e
        for e in others
        if e.amount == obs.amount
        and e.currency == obs.currency
        and e.merchant == obs.merchant
        and abs((e.day - obs.day).days) <= DUPLICATE_DAYS
        and abs(e.recorded_at - obs.recorded_at) <= DUPLICATE_RECORDED_WITHIN
    ]
    if not matches:
        return None
    match = min(matches, key=lambda e: abs(e.recorded_at - obs.recorded_at))
    gap = abs(match.moment - obs.moment) if match.moment and obs.moment else None
    weight, why = _duplicate_weight(obs, gap, _habit(obs, others, profile))
    evidence: dict[str, Any] = {
        "expense_id": expense_of_key(match.id),
        "amount": _money(obs.amount),
        "currency": obs.currency,
        "merchant": obs.merchant_name,
        "date": obs.day.isoformat(),
        "why": why,
    }
    if gap is not None:
        evidence["minutes_apart"] = int(gap.total_seconds() // 60)
    return Signal("duplicate", weight, evidence)


# ---- receipts -----------------------------------------------------------------------------


def receipt_reused(obs: Observation, profile: Profile, context: Context) -> Signal | None:
    """Its receipt looks like one already behind another expense (this person's or someone's
    in a group with them): the same paper claimed twice."""
    receipt = context.receipt
    if receipt is None or not receipt.duplicates:
        return None
    uses = [u for u in context.reused if u.key != obs.key]
    if not uses:
        return Signal(
            "receipt_reused",
            0.2,
            {"receipt_id": receipt.id, "similar_receipts": list(receipt.duplicates[:5])},
        )
    use = min(uses, key=lambda u: (u.owner != obs.owner, u.key))
    evidence: dict[str, Any] = {
        "receipt_id": receipt.id,
        "similar_receipt_id": use.receipt_id,
        "same_person": use.owner == obs.owner,
    }
    if use.owner == obs.owner:  # someone else's expense is theirs to see
        evidence["expense_id"] = expense_of_key(use.key)
    return Signal("receipt_reused", 0.95, evidence)


PADDING_TOLERANCE = Decimal("0.02")  # typed above the receipt by more than this share


def receipt_mismatch(obs: Observation, profile: Profile, context: Context) -> Signal | None:
    """The amount typed differs from the total read on its receipt."""
    receipt = context.receipt
    if receipt is None or receipt.total is None or receipt.total <= 0:
        return None
    if receipt.currency is not None and receipt.currency != obs.currency:
        return None
    excess = (obs.amount - receipt.total) / receipt.total
    if abs(obs.amount - receipt.total) < Decimal("0.05") or abs(excess) <= PADDING_TOLERANCE:
        return None
    weight = 0.1 if excess < 0 else min(0.95, 0.75 + float(excess))
    return Signal(
        "receipt_mismatch",
        round(weight, 3),
        {
            "receipt_id": receipt.id,
            "receipt_total": _money(receipt.total),
            "amount": _money(obs.amount),
            "difference_percent": _money(round(excess * 100, 1)),
        },
    )


# ---- outliers -----------------------------------------------------------------------------

MIN_HISTORY = 8  # values of a category before its own median and MAD are trusted
SETTLED_HISTORY = 20  # ... fully: below this, each missing value adds to the bar
SHORT_HISTORY_MARGIN = 0.05
OUTLIER_MADS = 3.0
COLD_START_MADS = 6.0  # against all of the person's spending, before a category has history
# ... and beyond the most they ever paid there: a category that mixes price levels (a corner
# shop and a weekly shop) has normal amounts many MADs from its median, but not above its top.
BEYOND_HIGHEST = Decimal("1.05")
ON_TRIP = 0.5  # an outlier's weight on a trip (never a flag alone)


def _robust(values: Sequence[Decimal]) -> tuple[Decimal, Decimal]:
    """The median and the spread that distances are measured in: the MAD, but never less
    than the mean absolute deviation (amounts that come in a few fixed sizes, 20, 50 and 100
    from a cash machine, have a MAD of 0 around 50) nor a few percent of the median."""
    median = Decimal(statistics.median(values))
    deviations = [abs(v - median) for v in values]
    mad = Decimal(statistics.median(deviations))
    mean = sum(deviations, Decimal(0)) / len(deviations)
    return median, max(mad, mean, median * Decimal("0.08"), Decimal("0.01"))


def outlier(obs: Observation, profile: Profile, context: Context) -> Signal | None:
    """Far above what this person usually spends in the category (median and MAD) and above
    the most they paid there; before the category has history, far above everything they
    spend (a weaker signal)."""
    if obs.value is None or not obs.spending:
        return None
    values = profile.baseline(obs.category)
    basis, bar, strong = "category", OUTLIER_MADS, True
    if len(values) < MIN_HISTORY:
        if obs.group_id is not None:  # never measured against the issuer's own spending
            return None
        values, basis, bar, strong = profile.all_values(), "all spending", COLD_START_MADS, False
        if len(values) < MIN_HISTORY:
            return None
    if strong:  # a short history's median and MAD are rough: ask for more distance
        bar += max(0, SETTLED_HISTORY - len(values)) * SHORT_HISTORY_MARGIN
    median, mad = _robust(values)
    distance = float((obs.value - median) / mad)
    highest = max(values)
    if distance < bar or obs.value <= highest * BEYOND_HIGHEST:
        return None
    weight = min(0.8, 0.5 + 0.06 * (distance - bar)) if strong else 0.3
    if obs.trip_id is not None:  # people spend differently away from home
        weight *= ON_TRIP
    return Signal(
        "outlier",
        round(weight, 3),
        {
            "value": _money(obs.value),
            "median": _money(round(median, 2)),
            "mad": _money(round(mad, 2)),
            "mads_above": round(distance, 1),
            "highest_before": _money(highest),
            "history": len(values),
            "basis": basis,
            "on_trip": obs.trip_id is not None,
        },
    )


# ---- velocity and bursts ------------------------------------------------------------------

VELOCITY_WINDOW = timedelta(minutes=60)
VELOCITY_COUNT = 5  # expenses in one window


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


def velocity(obs: Observation, profile: Profile, context: Context) -> Signal | None:
    """Many expenses within an hour (when they happened, as the devices said)."""
    at = obs.moment
    if at is None or not obs.spending:
        return None
    moments = sorted(
        [(e.moment, e.id) for e in profile.peers(obs) if e.moment is not None] + [(at, obs.key)]
    )
    burst = _densest(moments, at)
    floor = profile.burst_floor if obs.group_id is None else 0
    needed = max(VELOCITY_COUNT, floor + 1)
    if len(burst) < needed:
        return None
    weight = min(0.92, 0.75 + 0.05 * (len(burst) - needed))
    return Signal(
        "velocity",
        round(weight, 3),
        {"count": len(burst), "within_minutes": int(VELOCITY_WINDOW.total_seconds() // 60)},
        members=tuple(i for i in burst if i != obs.key),
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
        return Signal(
            "limit_burst",
            weight,
            {
                "budget_id": limit.budget_id,
                "limit": _money(limit.amount),
                "value": _money(obs.value),
                "count": count,
                "within_days": LIMIT_BURST_DAYS,
            },
            members=tuple(members) if count >= LIMIT_BURST_COUNT else (),
        )
    return None


# ---- round amounts and odd hours ----------------------------------------------------------


def round_amount(obs: Observation, profile: Profile, context: Context) -> Signal | None:
    """A round amount (an invented one often is); weak on its own."""
    if not obs.spending or obs.amount < 20 or obs.amount % 10 != 0:
        return None
    weight = 0.15 if obs.amount >= 100 and obs.amount % 50 == 0 else 0.1
    return Signal("round_amount", weight, {"amount": _money(obs.amount)})


MIN_HOURS = 20
ODD_SHARE = 0.02  # of the person's expenses in this hour and the two beside it
NIGHT = range(1, 5)


def odd_hour(obs: Observation, profile: Profile, context: Context) -> Signal | None:
    """At an hour this person hardly ever spends (their local time, as the device said);
    before there is history, in the small hours."""
    if obs.occurred_at is None or not obs.spending:
        return None
    hour = obs.occurred_at.hour
    hours = profile.local_hours()
    if len(hours) < MIN_HOURS:
        return Signal("odd_hour", 0.15, {"hour": hour, "basis": "night"}) if hour in NIGHT else None
    near = sum(1 for h in hours if min((h - hour) % 24, (hour - h) % 24) <= 1)
    share = near / len(hours)
    if share >= ODD_SHARE:
        return None
    return Signal("odd_hour", 0.25, {"hour": hour, "share_percent": round(share * 100, 1)})


# ---- trips --------------------------------------------------------------------------------

TRIP_SLACK = timedelta(days=1)


def trip_mismatch(obs: Observation, profile: Profile, context: Context) -> Signal | None:
    """Filed under a trip it cannot belong to: dated outside the trip, or in a currency that
    is neither the trip's nor the person's own."""
    trip = context.trip
    if trip is None or obs.trip_id != trip.id:
        return None
    if not trip.start - TRIP_SLACK <= obs.day <= trip.end + TRIP_SLACK:
        return Signal(
            "trip_mismatch",
            0.9,
            {
                "trip_id": trip.id,
                "date": obs.day.isoformat(),
                "trip_start": trip.start.isoformat(),
                "trip_end": trip.end.isoformat(),
            },
        )
    if obs.currency not in (trip.currency, context.home_currency):
        return Signal(
            "trip_mismatch",
            0.88,
            {"trip_id": trip.id, "currency": obs.currency, "trip_currency": trip.currency},
        )
    return None


Detector = Callable[[Observation, Profile, Context], Signal | None]

DETECTORS: tuple[Detector, ...] = (
    duplicate,
    receipt_reused,
    receipt_mismatch,
    outlier,
    velocity,
    limit_burst,
    round_amount,
    odd_hour,
    trip_mismatch,
)
