"""Observations and profiles for the fraud scorer's unit tests: one person's expenses, as the
scorer sees them, and the profile they build."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from actors.fraud.facts import Context, Observation
from actors.fraud.merchants import merchant_key
from actors.fraud.profile import Profile, remember

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
EMPTY = Context(home_currency="EUR")
IDS = iter(range(1_000_000))


def obs(
    amount: str | Decimal = "20.00",
    *,
    merchant: str = "Corner Shop",
    at: datetime | None = T0,
    recorded: datetime | None = None,
    day: date | None = None,
    category: str | None = "food",
    currency: str = "EUR",
    trip_id: str | None = None,
    receipt_id: str | None = None,
    expense_id: str | None = None,
) -> Observation:
    value = Decimal(amount)
    return Observation(
        expense_id=expense_id or f"e{next(IDS)}",
        kind="expense",
        owner="ada",
        group_id=None,
        version=1,
        spending=True,
        amount=value,
        currency=currency,
        value=value if currency == "EUR" else None,
        category=category,
        merchant=merchant_key(merchant),
        merchant_name=merchant,
        day=day or (at.date() if at else T0.date()),
        occurred_at=at,
        recorded_at=recorded or (at or T0) + timedelta(minutes=1),
        trip_id=trip_id,
        receipt_id=receipt_id,
    )


def history(*observations: Observation) -> Profile:
    profile = Profile("ada")
    for o in observations:
        profile = remember(profile, o, learn=True)
    return profile
