"""Money in the synthetic data sets: the fixed rate table, what goods cost in each currency,
the currencies and UTC offsets people live in, and an expense's home-currency fields as the
expenses actor fixes them.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from bus.money import convert, cross_rate

RATES_PER_EUR: dict[str, Decimal] = {
    "EUR": Decimal(1),
    "USD": Decimal("1.0842"),
    "GBP": Decimal("0.8571"),
    "CHF": Decimal("0.9386"),
    "JPY": Decimal("162.35"),
}
"""The fixed rate table: units per euro, the same every publication day (an ECB-like source)."""

PRICE_LEVEL: dict[str, Decimal] = {
    "EUR": Decimal(1),
    "USD": Decimal("1.10"),
    "GBP": Decimal("0.87"),
    "CHF": Decimal("1.08"),
    "JPY": Decimal(160),
}
"""What one euro's worth of goods is priced at in each currency: catalog prices are in euros,
and a latte costs 4.20 in Paris, 4.60 in New York and 670 in Tokyo, not a conversion of it."""

HOME_CURRENCIES = ("EUR", "USD", "GBP", "CHF")
HOME_WEIGHTS = (45, 30, 15, 10)
OFFSETS = {"EUR": (60, 60, 120), "USD": (-300, -300, -240), "GBP": (0,), "CHF": (60,)}
FAR_OFFSET = 330  # a few people live far from their currency's home (India, paid in USD or EUR)
ECB_CLOSED = ((1, 1), (5, 1), (12, 25), (12, 26))  # fixed TARGET holidays (month, day)


@cache
def _rate(currency: str, home: str) -> Decimal:
    return cross_rate(RATES_PER_EUR[currency], RATES_PER_EUR[home])


def _published_on_or_before(day: date) -> date:
    """The rate of a weekend or a holiday is the previous working day's, as the ECB's is."""
    while day.weekday() >= 5 or (day.month, day.day) in ECB_CLOSED:
        day -= timedelta(days=1)
    return day


def home_value(amount: Decimal, currency: str, home: str, day: date) -> dict[str, Any]:
    """The home-currency fields of an expense, as the expenses actor fixes them: the same
    currency is an identity quote (rate 1, its own day), another goes through the euro."""
    if currency == home:  # amounts already have the currency's minor units
        rate, rate_date, source, value = Decimal(1), day, "identity", amount
    else:
        rate, rate_date, source = _rate(currency, home), _published_on_or_before(day), "ECB"
        value = convert(amount, rate, home)
    return {
        "home_currency": home,
        "home_amount": value,
        "rate": rate,
        "rate_date": rate_date,
        "rate_source": source,
        "rate_status": "ok",
    }
