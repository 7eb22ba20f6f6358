"""Pure rules of personal expenses: default categories and applying partial changes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from bus.fx import MissingRate, RateBook
from bus.money import MoneyError, check_precision

DEFAULT_CATEGORIES: tuple[tuple[str, str, str], ...] = (
    ("Food & Drink", "utensils", "#E57373"),
    ("Groceries", "basket", "#81C784"),
    ("Transport", "bus", "#64B5F6"),
    ("Housing", "home", "#A1887F"),
    ("Utilities", "bolt", "#FFD54F"),
    ("Shopping", "bag", "#BA68C8"),
    ("Entertainment", "film", "#4DB6AC"),
    ("Health", "heart", "#F06292"),
    ("Travel", "plane", "#4FC3F7"),
    ("Income", "wallet", "#AED581"),
    ("Other", "dots", "#90A4AE"),
)


def amount_fits(amount: Decimal, currency: str) -> str | None:
    """None if ``amount`` has no more decimals than ``currency`` allows, else the reason."""
    try:
        check_precision(amount, currency)
    except MoneyError as exc:
        return str(exc)
    return None


def home_value(
    book: RateBook, amount: Decimal, currency: str, home: str, on: date
) -> dict[str, Any]:
    """The stored fields of an expense's value in its owner's home currency, fixed at ``on``
    (its date): converted at that day's rate (``stale`` if the latest known is older than the
    book allows fresh), or ``rate_status: missing`` until a rate exists."""
    try:
        quote = book.quote(currency, home, on)
    except MissingRate:
        return {
            "home_currency": home,
            "home_amount": None,
            "rate": None,
            "rate_date": None,
            "rate_source": None,
            "rate_status": "missing",
        }
    return {
        "home_currency": home,
        "home_amount": quote.convert(amount),
        "rate": quote.rate,
        "rate_date": quote.rate_date.isoformat(),
        "rate_source": quote.source,
        "rate_status": "stale" if quote.stale else "ok",
    }
