"""What a synthetic receipt is: the ground truth it shows (merchant, date, amounts, items)
and the lines printed on the paper.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

Align = Literal["left", "center", "right"]


@dataclass(frozen=True, slots=True)
class TruthItem:
    description: str
    quantity: Decimal | None
    amount: Decimal


@dataclass(frozen=True, slots=True)
class PrintLine:
    """One printed line: ``left`` text (aligned as told) and an optional right-aligned ``right``."""

    left: str = ""
    right: str = ""
    align: Align = "left"
    indent: float = 0.0  # where ``left`` starts, as a share of the printable width
    size: float = 1.0
    bold: bool = False
    leader: str = ""  # a character repeated between ``left`` and ``right``


@dataclass(frozen=True, slots=True)
class SyntheticReceipt:
    index: int
    merchant: str
    date: date
    total: Decimal
    subtotal: Decimal | None
    tax: Decimal | None
    tip: Decimal | None
    currency: str
    items: tuple[TruthItem, ...]
    lines: tuple[PrintLine, ...] = field(repr=False)
    layout: str
    font: str
    font_size: int
    width: int
    render_seed: int = field(repr=False)
