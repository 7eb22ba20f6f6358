"""Duplicates: the same purchase entered twice.

People enter one purchase from several sources — typed by hand, read from a receipt, imported
from a bank or card statement — and each writes the merchant its own way ("Uber" and
"UBER *TRIP 8Y2K"), with a purchase time or without. A duplicate is the same amount and currency
at the same merchant (``actors.fraud.merchants``: normalised, then a fuzzy match) dated the same
day or the next, entered within a week. How strong it is comes from the purchase times: the same
time, or one entered much later than the purchase it matches, is one purchase entered twice;
two live entries minutes apart may be two coffees; a repeat this person makes on other days too
(a fixed price at a usual place) is weak.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any, Literal

from actors.fraud.evidence import Signal, day_name, money, quoted, shown
from actors.fraud.facts import Context, Observation, expense_of_key
from actors.fraud.merchants import same_merchant
from actors.fraud.profile import Entry, Profile, habit_key

DUPLICATE_DAYS = 1  # dates this close
DUPLICATE_RECORDED_WITHIN = timedelta(days=7)  # entered this close
SAME_PURCHASE_WITHIN = timedelta(minutes=20)  # both times given and this close: one purchase
SEPARATE_PURCHASES_APART = timedelta(minutes=90)  # both times given and this far: two
HABIT_DAYS = 2  # the same amount at the same merchant on this many other days is a habit
ENTERED_LATER = timedelta(minutes=30)  # recorded this long after it happened: typed in later

Habit = Literal["reviewed", "seen", ""]


def _habit(obs: Observation, others: Sequence[Entry], profile: Profile) -> Habit:
    """Whether this purchase is one of the person's habits: reviewed legitimate as a repeat,
    or seen (the same amount at the same merchant on other days)."""
    personal = obs.group_id is None  # reviews teach a person's own spending, not a group's
    if personal and habit_key(obs.merchant, obs.amount, obs.currency) in profile.habits:
        return "reviewed"
    alike = [
        e for e in others if e.amount == obs.amount and same_merchant(e.merchant, obs.merchant)
    ]
    if len({e.day for e in alike if e.day != obs.day}) >= HABIT_DAYS:
        return "seen"
    # bought twice at this price on one day, at times far apart: a repeat purchase (a fare)
    by_day: dict[date, list[datetime]] = {}
    for e in alike:
        if e.moment is not None:
            by_day.setdefault(e.day, []).append(e.moment)
    repeated = any(max(m) - min(m) >= SEPARATE_PURCHASES_APART for m in by_day.values())
    return "seen" if repeated else ""


def _weight(obs: Observation, gap: timedelta | None, habit: Habit) -> tuple[float, str]:
    """How likely the match is this very purchase entered twice, and why in plain words."""
    typed_later = obs.moment is not None and obs.recorded_at - obs.moment >= ENTERED_LATER
    if habit == "reviewed" and (gap is None or gap > timedelta(minutes=1)):
        return 0.2, "a repeat you said was fine before"
    if gap is None:
        if habit:
            return 0.45, "a price you often pay there, and one of them has no purchase time"
        return 0.8, "same day, and one of them has no purchase time"
    if gap <= timedelta(minutes=1):
        return 0.95, "same purchase time"
    if gap <= SAME_PURCHASE_WITHIN:
        if typed_later:
            return 0.9, "the same purchase, typed in later"
        if habit:
            return 0.3, "a usual purchase there, bought again"
        return 0.4, f"{int(gap.total_seconds() // 60)} minutes apart"
    if gap < SEPARATE_PURCHASES_APART:
        if typed_later and not habit:
            return 0.8, "typed in later, within the hour of it"
        return 0.35, "within the hour"
    return 0.15, "at different times of day"


def duplicate(obs: Observation, profile: Profile, context: Context) -> Signal | None:
    """The same purchase entered again (see the module docstring)."""
    if not obs.merchant:  # nothing to tell one purchase from another but the amount
        return None
    others = profile.peers(obs)
    matches = [
        e
        for e in others
        if e.amount == obs.amount
        and e.currency == obs.currency
        and abs((e.day - obs.day).days) <= DUPLICATE_DAYS
        and abs(e.recorded_at - obs.recorded_at) <= DUPLICATE_RECORDED_WITHIN
        and same_merchant(e.merchant, obs.merchant)
    ]
    if not matches:
        return None
    match = min(matches, key=lambda e: abs(e.recorded_at - obs.recorded_at))
    gap = abs(match.moment - obs.moment) if match.moment and obs.moment else None
    weight, why = _weight(obs, gap, _habit(obs, others, profile))
    evidence: dict[str, Any] = {
        "expense_id": expense_of_key(match.id),
        "amount": money(obs.amount),
        "currency": obs.currency,
        "merchant": obs.merchant_name,
        "other_merchant": match.label,
        "date": obs.day.isoformat(),
        "other_date": match.day.isoformat(),
        "why": why,
    }
    if gap is not None:
        evidence["minutes_apart"] = int(gap.total_seconds() // 60)
    explanation = (
        f"looks like the same purchase as {quoted(match.label, 'another one')} on "
        f"{day_name(match.day)}, {shown(match.amount, match.currency)} ({why})"
    )
    return Signal("duplicate", weight, evidence, explanation=explanation)
