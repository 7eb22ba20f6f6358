"""How a synthetic receipt writes money: its currency, the separators and where the currency's
mark shows; and what its items cost.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

Marked = Literal["all", "totals", "total", "label", "header"]  # where the currency mark shows


@dataclass(frozen=True, slots=True)
class MoneyStyle:
    currency: str
    digits: int
    decimal: str  # "." or ","
    group: str  # thousands separator, or ""
    mark: str  # what shows the currency: a symbol or the code
    mark_before: bool
    mark_space: bool
    marked: Marked

    def plain(self, amount: Decimal) -> str:
        q = amount.quantize(Decimal(1).scaleb(-self.digits))
        whole, _, frac = f"{abs(q):f}".partition(".")
        if self.group and len(whole) > 3:
            parts: list[str] = []
            while len(whole) > 3:
                parts.insert(0, whole[-3:])
                whole = whole[:-3]
            whole = self.group.join([whole, *parts])
        text = whole + (self.decimal + frac if self.digits else "")
        return ("-" if q < 0 else "") + text

    def show(self, amount: Decimal, marked: bool) -> str:
        text = self.plain(amount)
        if not marked:
            return text
        gap = " " if self.mark_space else ""
        return f"{self.mark}{gap}{text}" if self.mark_before else f"{text}{gap}{self.mark}"


_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CAD": "$", "AUD": "$"}
CURRENCIES = ("USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD")
CURRENCY_WEIGHTS = (30, 24, 14, 10, 8, 7, 7)


def money_style(rng: random.Random, currency: str) -> MoneyStyle:
    digits = 0 if currency == "JPY" else 2
    decimal = "."
    group = ","
    if currency == "EUR" and rng.random() < 0.7:
        decimal, group = ",", "."
    if currency == "CHF" and rng.random() < 0.3:
        group = "'"
    if rng.random() < 0.25 and currency != "JPY":
        group = ""
    symbol = _SYMBOLS.get(currency)
    # A currency sharing the dollar sign always shows its code somewhere.
    use_code = symbol is None or currency in {"CAD", "AUD"} or rng.random() < 0.3
    marked: Marked
    if use_code:
        mark = currency
        marked = rng.choice(("all", "totals", "total", "label", "header"))
        before = rng.random() < 0.6
        space = True
    else:
        assert symbol is not None
        mark = symbol
        marked = rng.choice(("all", "all", "totals", "total"))
        before = currency != "EUR" or rng.random() < 0.35
        space = not before or rng.random() < 0.15
    return MoneyStyle(currency, digits, decimal, group, mark, before, space, marked)


def round_to(amount: Decimal, digits: int) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def price(rng: random.Random, currency: str, kind: str) -> Decimal:
    if currency == "JPY":
        return Decimal(rng.randrange(8, 300) * 10)
    top = {"cafe": 9, "bakery": 8, "grocery": 14, "restaurant": 32, "hardware": 45}[kind]
    cents = rng.randrange(50, top * 100)
    if rng.random() < 0.5:
        cents = cents // 5 * 5 or 5
    if kind == "hardware" and rng.random() < 0.08:
        cents = rng.randrange(1000, 2500) * 100 - rng.choice((1, 5, 50))  # a big-ticket item
    return Decimal(cents) / 100
