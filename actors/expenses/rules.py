"""Pure rules of personal expenses: default categories and applying partial changes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

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


def expense_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """Map an UpdateExpense's set fields onto stored-document fields (dates as ISO text)."""
    mapped = dict(changes)
    mapped.pop("id", None)
    if "date" in mapped and mapped["date"] is not None:
        mapped["date"] = mapped["date"].isoformat()
    return mapped
