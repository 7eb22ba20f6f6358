"""What a synthetic receipt's customer bought and what it came to: the items with their
quantities and prices, then the subtotal, tax, tip and total (amounts always agree)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from deploy.synthetic.receipts.money_style import price, round_to
from deploy.synthetic.receipts.words import KINDS, tax_label


@dataclass(frozen=True, slots=True)
class Bought:
    """One item: what it is, how many (if the receipt says), its unit price and its amount."""

    description: str
    quantity: Decimal | None
    unit: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Sums:
    """What the items came to, and which of the sums the receipt prints."""

    subtotal: Decimal
    tax: Decimal | None
    tax_label: str
    tip: Decimal | None
    total: Decimal
    show_subtotal: bool


def draw_items(rng: random.Random, kind: str, currency: str, layout: str) -> list[Bought]:
    """1-12 different items of what ``kind`` of shop sells; a table layout always shows a
    quantity, others sometimes."""
    n_items = rng.randrange(1, 13)
    quantities = layout in {"table", "two_line"} or rng.random() < 0.5
    descriptions = rng.sample(KINDS[kind][1], min(n_items, len(KINDS[kind][1])))
    items: list[Bought] = []
    for description in descriptions:
        unit = price(rng, currency, kind)
        qty: Decimal | None = None
        if quantities and (layout == "table" or rng.random() < 0.35):
            qty = Decimal(rng.choice((1, 1, 2, 2, 3, 4, 6))) if layout == "table" else None
            if qty is None:
                qty = Decimal(rng.choice((2, 2, 3, 4)))
        amount = unit * (qty or 1)
        items.append(Bought(description, qty, unit, amount))
    return items


def draw_sums(
    rng: random.Random, kind: str, currency: str, digits: int, items: list[Bought]
) -> Sums:
    """The subtotal of ``items``, a tax on it (60 %), a tip at a cafe or restaurant (35 %)
    and the total; the subtotal is printed whenever a tax or tip is, and sometimes alone."""
    item_sum = sum((item.amount for item in items), Decimal(0))
    has_tax = rng.random() < 0.6
    has_tip = kind in {"cafe", "restaurant"} and rng.random() < 0.35
    show_subtotal = has_tax or has_tip or rng.random() < 0.4
    subtotal = item_sum
    tax = tip = None
    label = ""
    if has_tax:
        label, rate = tax_label(rng, currency)
        tax = round_to(subtotal * rate / 100, digits)
        if tax == 0:
            tax = Decimal(1).scaleb(-digits)
    if has_tip:
        pct = Decimal(rng.choice((10, 12, 15, 18, 20)))
        tip = round_to(subtotal * pct / 100, digits) or Decimal(1).scaleb(-digits)
    total = subtotal + (tax or 0) + (tip or 0)
    return Sums(subtotal, tax, label, tip, total, show_subtotal)
