"""What a signal says: its name, its weight, what it saw, and the same in plain words.

Every signal carries an ``explanation`` a person understands without knowing the rules ("3.8x
your usual for Shopping (median 61.20 USD over 42 purchases)"); the helpers here phrase the
parts they share (amounts, days, names) the same way everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any


@dataclass(frozen=True, slots=True)
class Signal:
    name: str
    weight: float
    evidence: dict[str, Any] = field(default_factory=dict)
    members: tuple[str, ...] = ()  # other expenses the same finding is about (bursts)
    explanation: str = ""  # in plain words: what looked wrong, and against what


def money(value: Decimal) -> str:
    """A decimal as stored in evidence (no exponent)."""
    return format(value, "f")


def shown(value: Decimal, currency: str | None = None) -> str:
    """An amount as a person reads it: two decimals at least, with its currency."""
    cents = value.quantize(Decimal("0.01"))
    text = f"{cents:f}" if cents == value else f"{value:f}"
    return f"{text} {currency}" if currency else text


def day_name(day: date) -> str:
    """A day as a person reads it: "14 Nov"."""
    return f"{day.day} {day.strftime('%b')}"


def quoted(name: str | None, fallback: str) -> str:
    return f"'{name.strip()}'" if name and name.strip() else fallback
