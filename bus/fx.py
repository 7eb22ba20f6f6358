"""Dated exchange rates: which rate applies on a day, and cross rates through the base currency.

Every rate is stored against one base currency (EUR, as the ECB publishes them): "units of X
per 1 EUR". The rate for a day is the latest published on or before it (weekends and holidays
use the last working day). When that rate is older than ``stale_after_days`` the quote says so
(``stale``), with its date and age: a source that has published nothing since (a provider out of
reach, an offline install past its bundled history) still converts, at the latest known rate.
Two things make a rate missing instead:

- a currency its source stopped quoting while it went on publishing others for more than
  ``RETIRED_AFTER_DAYS`` (BGN after the euro, RUB since 2022) is not frozen at its last value;
- an operator's ``max_age_days`` (0: no limit) refuses any rate older than that.

A rate between two other currencies goes through the base; its date is the older of the two
legs'. On one day an operator's rate (source ``manual``) wins over a provider's.

Pure and in memory: the currency actor answers conversions from a book, and actors that fix a
home value inside their own transaction read the same book (``storage.rates``).
"""

from __future__ import annotations

import bisect
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bus.money import convert, cross_rate

BASE_CURRENCY = "EUR"
MANUAL_SOURCE = "manual"
IDENTITY_SOURCE = "identity"
STALE_AFTER_DAYS = 5
"""A quote whose rate is older than this is stale (the default of ``rates_stale_after_days``)."""
RETIRED_AFTER_DAYS = 30
"""A currency its source went on publishing without for longer than this is no longer quoted."""
_ONE = Decimal(1)


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
    stale: bool = False  # the rate is older than the book's ``stale_after_days`` before ``on``

    def convert(self, amount: Decimal) -> Decimal:
        """``amount`` in the target currency: ``amount * rate`` rounded half-even."""
        return convert(amount, self.rate, self.to_currency)

    def age_days(self) -> int:
        return (self.on - self.rate_date).days


def _priority(source: str) -> int:
    return 1 if source == MANUAL_SOURCE else 0


class _Series:
    """One currency's rates by day, sorted: parallel lists (day ordinals, rates, sources), so a
    book of the whole ECB history stays small and a lookup is one bisect."""

    __slots__ = ("days", "rates", "sources")

    def __init__(self) -> None:
        self.days: list[int] = []
        self.rates: list[Decimal] = []
        self.sources: list[str] = []

    def put(self, ordinal: int, rate: Decimal, source: str) -> None:
        at = bisect.bisect_left(self.days, ordinal)
        if at < len(self.days) and self.days[at] == ordinal:
            if _priority(source) >= _priority(self.sources[at]):
                self.rates[at], self.sources[at] = rate, source
            return
        self.days.insert(at, ordinal)
        self.rates.insert(at, rate)
        self.sources.insert(at, source)

    def index_on_or_before(self, ordinal: int) -> int:
        """The index of the latest day on or before ``ordinal``; -1 if none."""
        return bisect.bisect_right(self.days, ordinal) - 1

    def leg_at(self, index: int) -> Leg:
        return Leg(self.rates[index], date.fromordinal(self.days[index]), self.sources[index])


class RateBook:
    """Rates by currency and day; see the module docstring for the rules."""

    def __init__(
        self,
        base: str = BASE_CURRENCY,
        max_age_days: int = 0,
        stale_after_days: int = STALE_AFTER_DAYS,
    ) -> None:
        self.base = base
        self.max_age_days = max_age_days  # 0: no limit
        self.stale_after_days = stale_after_days
        self._series: dict[str, _Series] = {}
        self._published: dict[str, list[int]] = {}  # source -> the days it published, sorted

    def add(self, day_rates: DayRates) -> None:
        """Record a day's rates (idempotent; on the same day ``manual`` wins over a provider)."""
        ordinal = day_rates.day.toordinal()
        source = sys.intern(day_rates.source)
        days = self._published.setdefault(source, [])
        at = bisect.bisect_left(days, ordinal)
        if at == len(days) or days[at] != ordinal:
            days.insert(at, ordinal)
        for currency, rate in day_rates.rates.items():
            if currency == self.base:
                continue
            series = self._series.get(currency)
            if series is None:
                series = self._series[sys.intern(currency)] = _Series()
            series.put(ordinal, rate, source)

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

    def _retired_after(self, series: _Series, at: int, ordinal: int) -> int | None:
        """The latest day on or before ``ordinal`` that the source of ``series[at]`` published
        without this currency, if that is more than RETIRED_AFTER_DAYS after it (the currency
        is no longer quoted); None otherwise. Operators' rates never retire a currency."""
        source = series.sources[at]
        if source == MANUAL_SOURCE:
            return None
        days = self._published.get(source, [])
        index = bisect.bisect_right(days, ordinal) - 1
        latest = days[index] if index >= 0 else series.days[at]
        return latest if latest - series.days[at] > RETIRED_AFTER_DAYS else None

    def _index(self, currency: str, ordinal: int) -> tuple[_Series, int] | None:
        series = self._series.get(currency)
        if series is None:
            return None
        at = series.index_on_or_before(ordinal)
        if at < 0:
            return None
        if self.max_age_days > 0 and ordinal - series.days[at] > self.max_age_days:
            return None
        if self._retired_after(series, at, ordinal) is not None:
            return None
        return series, at

    def leg(self, currency: str, on: date) -> Leg | None:
        """``currency``'s rate against the base for ``on`` (the base itself is 1 on any day)."""
        if currency == self.base:
            return Leg(_ONE, on, IDENTITY_SOURCE)
        found = self._index(currency, on.toordinal())
        return found[0].leg_at(found[1]) if found is not None else None

    def _missing(self, currency: str, frm: str, to: str, on: date) -> MissingRate:
        series = self._series.get(currency)
        at = series.index_on_or_before(on.toordinal()) if series is not None else -1
        if series is None or not series.days:
            reason = f"there is no {currency} rate at all"
        elif at < 0:
            reason = f"{currency} rates start on {date.fromordinal(series.days[0]).isoformat()}"
        elif (since := self._retired_after(series, at, on.toordinal())) is not None:
            reason = (
                f"{currency} is no longer quoted: the latest {currency} rate is from "
                f"{date.fromordinal(series.days[at])}, and {series.sources[at]} published rates "
                f"without it up to {date.fromordinal(since)}"
            )
        else:
            reason = (
                f"the latest {currency} rate is from {date.fromordinal(series.days[at])}, "
                f"more than {self.max_age_days} days earlier (the limit this installation sets)"
            )
        return MissingRate(frm, to, on, reason)

    def quote(self, from_currency: str, to_currency: str, on: date) -> Quote:
        """The rate from ``from_currency`` to ``to_currency`` for ``on``; MissingRate if none."""
        if from_currency == to_currency:
            return Quote(from_currency, to_currency, on, _ONE, on, IDENTITY_SOURCE)
        ordinal = on.toordinal()
        rates: list[Decimal] = []
        days: list[int] = []
        sources: list[str] = []
        for currency in (from_currency, to_currency):
            if currency == self.base:
                rates.append(_ONE)
                continue
            found = self._index(currency, ordinal)
            if found is None:
                raise self._missing(currency, from_currency, to_currency, on)
            series, at = found
            rates.append(series.rates[at])
            days.append(series.days[at])
            if series.sources[at] not in sources:
                sources.append(series.sources[at])
        rate_date = date.fromordinal(min(days))
        return Quote(
            from_currency,
            to_currency,
            on,
            cross_rate(rates[0], rates[1]),
            rate_date,
            sources[0] if len(sources) == 1 else "+".join(sorted(sources)),
            stale=(on - rate_date).days > self.stale_after_days,
        )
