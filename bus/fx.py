"""Dated exchange rates: which rate applies on a day, and cross rates through the base currency.

Every rate is stored against one base currency (EUR, as the ECB publishes them): "units of X
per 1 EUR". The rate for a day is the latest published on or before it (weekends and holidays
use the last working day), but never one older than ``max_age_days`` — a currency that stopped
being quoted (HRK after the euro, for example) is missing, not frozen at its last value. A rate
between two other currencies goes through the base; its date is the older of the two legs'.
On one day an operator's rate (source ``manual``) wins over a provider's.

Pure and in memory: the currency actor answers conversions from a book, and actors that fix a
home value inside their own transaction read the same book (``storage.rates``).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from bus.money import convert, cross_rate

BASE_CURRENCY = "EUR"
MANUAL_SOURCE = "manual"
IDENTITY_SOURCE = "identity"


class MissingRate(LookupError):
    """No usable rate for a pair on a day; the message names both and why."""

    def __init__(self, from_currency: str, to_currency: str, on: date, reason: str) -> None:
        super().__init__(f"no {from_currency}->{to_currency} rate for {on.isoformat()}: {reason}")
        self.from_currency = from_currency
        self.to_currency = to_currency
        self.on = on
        self.reason = reason


@dataclass(frozen=True, slots=True)
class DayRates:
    """One day of rates from one source, as units per one base unit."""

    day: date
    rates: Mapping[str, Decimal]
    source: str


@dataclass(frozen=True, slots=True)
class Leg:
    """One currency's rate against the base on the day it was published."""

    rate: Decimal
    day: date
    source: str


@dataclass(frozen=True, slots=True)
class Quote:
    """The rate that converts ``from_currency`` into ``to_currency`` on ``on``, and its origin."""

    from_currency: str
    to_currency: str
    on: date
    rate: Decimal
    rate_date: date
    source: str

    def convert(self, amount: Decimal) -> Decimal:
        """``amount`` in the target currency: ``amount * rate`` rounded half-even."""
        return convert(amount, self.rate, self.to_currency)

    def age_days(self) -> int:
        return (self.on - self.rate_date).days


def _priority(source: str) -> int:
    return 1 if source == MANUAL_SOURCE else 0


@dataclass
class _Series:
    """One currency's rates by day (ordinal), sorted."""

    days: list[int] = field(default_factory=list)
    legs: list[Leg] = field(default_factory=list)

    def put(self, leg: Leg) -> None:
        ordinal = leg.day.toordinal()
        at = bisect.bisect_left(self.days, ordinal)
        if at < len(self.days) and self.days[at] == ordinal:
            current = self.legs[at]
            if _priority(leg.source) >= _priority(current.source):
                self.legs[at] = leg
            return
        self.days.insert(at, ordinal)
        self.legs.insert(at, leg)

    def on_or_before(self, day: date) -> Leg | None:
        at = bisect.bisect_right(self.days, day.toordinal())
        return self.legs[at - 1] if at else None


class RateBook:
    """Rates by currency and day; see the module docstring for the rules."""

    def __init__(self, base: str = BASE_CURRENCY, max_age_days: int = 30) -> None:
        self.base = base
        self.max_age_days = max_age_days
        self._series: dict[str, _Series] = {}

    def add(self, day_rates: DayRates) -> None:
        """Record a day's rates (idempotent; on the same day ``manual`` wins over a provider)."""
        for currency, rate in day_rates.rates.items():
            if currency == self.base:
                continue
            series = self._series.setdefault(currency, _Series())
            series.put(Leg(rate, day_rates.day, day_rates.source))

    def add_all(self, days: Iterable[DayRates]) -> None:
        for day_rates in days:
            self.add(day_rates)

    def currencies(self) -> list[str]:
        """Every currency the book has ever had a rate for, and the base."""
        return sorted({self.base, *self._series})

    def first_day(self) -> date | None:
        firsts = [s.days[0] for s in self._series.values() if s.days]
        return date.fromordinal(min(firsts)) if firsts else None

    def last_day(self) -> date | None:
        lasts = [s.days[-1] for s in self._series.values() if s.days]
        return date.fromordinal(max(lasts)) if lasts else None

    def leg(self, currency: str, on: date) -> Leg | None:
        """``currency``'s rate against the base for ``on`` (the base itself is 1 on any day)."""
        if currency == self.base:
            return Leg(Decimal(1), on, IDENTITY_SOURCE)
        series = self._series.get(currency)
        if series is None:
            return None
        found = series.on_or_before(on)
        if found is None or (on - found.day).days > self.max_age_days:
            return None
        return found

    def _leg_or_raise(self, currency: str, frm: str, to: str, on: date) -> Leg:
        found = self.leg(currency, on)
        if found is not None:
            return found
        series = self._series.get(currency)
        latest = series.on_or_before(on) if series is not None else None
        if series is None or not series.days:
            reason = f"there is no {currency} rate at all"
        elif latest is None:
            reason = f"{currency} rates start on {date.fromordinal(series.days[0]).isoformat()}"
        else:
            reason = (
                f"the latest {currency} rate is from {latest.day.isoformat()}, more than "
                f"{self.max_age_days} days earlier"
            )
        raise MissingRate(frm, to, on, reason)

    def quote(self, from_currency: str, to_currency: str, on: date) -> Quote:
        """The rate from ``from_currency`` to ``to_currency`` for ``on``; MissingRate if none."""
        if from_currency == to_currency:
            return Quote(from_currency, to_currency, on, Decimal(1), on, IDENTITY_SOURCE)
        src = self._leg_or_raise(from_currency, from_currency, to_currency, on)
        dst = self._leg_or_raise(to_currency, from_currency, to_currency, on)
        legs = [leg for leg in (src, dst) if leg.source != IDENTITY_SOURCE]
        sources = "+".join(sorted({leg.source for leg in legs}))
        rate_date = min(leg.day for leg in legs)
        return Quote(
            from_currency,
            to_currency,
            on,
            cross_rate(src.rate, dst.rate),
            rate_date,
            sources,
        )
