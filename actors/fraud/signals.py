"""The signals: each looks at one expense against the person's profile and its context and
says how suspicious one thing about it is (a weight in 0..1), why (its evidence), and the same
in plain words (its explanation).

Pure functions of (observation, profile, context); weights are before the person's trust.
Duplicates, outliers and bursts have modules of their own; the rest are here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from actors.fraud.bursts import limit_burst, velocity
from actors.fraud.duplicates import duplicate
from actors.fraud.evidence import Signal, day_name, money, shown
from actors.fraud.facts import Context, Observation, expense_of_key
from actors.fraud.outliers import outlier
from actors.fraud.profile import Profile

__all__ = ["DETECTORS", "Detector", "Signal"]


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
            explanation="its receipt looks like one you photographed before",
        )
    use = min(uses, key=lambda u: (u.owner != obs.owner, u.key))
    evidence: dict[str, Any] = {
        "receipt_id": receipt.id,
        "similar_receipt_id": use.receipt_id,
        "same_person": use.owner == obs.owner,
    }
    if use.owner == obs.owner:  # someone else's expense is theirs to see
        evidence["expense_id"] = expense_of_key(use.key)
        whose = "another of your expenses"
    else:
        whose = "someone else's expense in a group you share"
    return Signal(
        "receipt_reused",
        0.95,
        evidence,
        explanation=f"its receipt looks like the one already used for {whose}",
    )


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
    percent = round(abs(excess) * 100, 1)
    more_or_less = "more" if excess > 0 else "less"
    return Signal(
        "receipt_mismatch",
        round(weight, 3),
        {
            "receipt_id": receipt.id,
            "receipt_total": money(receipt.total),
            "amount": money(obs.amount),
            "difference_percent": money(round(excess * 100, 1)),
        },
        explanation=f"{percent}% {more_or_less} than the total on its receipt "
        f"({shown(receipt.total, receipt.currency or obs.currency)})",
    )


# ---- round amounts and odd hours ----------------------------------------------------------


def round_amount(obs: Observation, profile: Profile, context: Context) -> Signal | None:
    """A round amount (an invented one often is); weak on its own."""
    if not obs.spending or obs.amount < 20 or obs.amount % 10 != 0:
        return None
    weight = 0.15 if obs.amount >= 100 and obs.amount % 50 == 0 else 0.1
    return Signal(
        "round_amount",
        weight,
        {"amount": money(obs.amount)},
        explanation=f"a round amount ({shown(obs.amount, obs.currency)})",
    )


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
        if hour not in NIGHT:
            return None
        return Signal(
            "odd_hour",
            0.15,
            {"hour": hour, "basis": "night"},
            explanation=f"at {hour:02d}:00, in the small hours",
        )
    near = sum(1 for h in hours if min((h - hour) % 24, (hour - h) % 24) <= 1)
    share = near / len(hours)
    if share >= ODD_SHARE:
        return None
    return Signal(
        "odd_hour",
        0.25,
        {"hour": hour, "share_percent": round(share * 100, 1)},
        explanation=f"at {hour:02d}:00, when you hardly ever spend "
        f"({near} of your last {len(hours)} purchases near that hour)",
    )


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
            explanation=f"dated {day_name(obs.day)}, outside its trip "
            f"({day_name(trip.start)} to {day_name(trip.end)})",
        )
    if obs.currency not in (trip.currency, context.home_currency):
        return Signal(
            "trip_mismatch",
            0.88,
            {"trip_id": trip.id, "currency": obs.currency, "trip_currency": trip.currency},
            explanation=f"paid in {obs.currency}, neither its trip's currency "
            f"({trip.currency}) nor yours",
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
