"""The items bought: priced lines above the money lines (below a column header, if any), each
with a description cleaned of dotted leaders and a quantity when one is printed ("2 x Tea",
"Tea QTY 2", "Tea 2 @ 3.50", a table's first column, or "2 x 2.25" under its description)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from actors.ocr.fields.labels import is_other
from actors.ocr.fields.lines import ReceiptLine, amount_confidence

_QTY_PREFIX = re.compile(r"^\s*(\d{1,3})\s*[xX\u00d7*@]\s+(?=\D)")
_QTY_TABLE = re.compile(r"^\s*(\d{1,2})\s+(?=[A-Za-z])")
_QTY_WORD = re.compile(r"\b(?:QTY|Qty|qty)\s*[:.]?\s*(\d{1,3})\b")
_UNIT_LINE = re.compile(r"^\s*(\d{1,3})\s*[xX\u00d7@*]\s*$")


@dataclass(frozen=True, slots=True)
class Item:
    description: str
    quantity: Decimal | None
    amount: Decimal
    confidence: float


def find_items(parsed: Sequence[ReceiptLine]) -> list[Item]:
    """The item lines between the column header (if any) and the first total, subtotal, tax or
    tip line; a description on a line of its own is joined to the price line after it."""
    money_lines = [ln.index for ln in parsed if ln.kind in {"total", "subtotal", "tax", "tip"}]
    end = min(money_lines) if money_lines else len(parsed)
    start = _after_header(parsed[:end])
    items: list[Item] = []
    pending: ReceiptLine | None = None  # a description whose price is on the next line
    for ln in parsed[start:end]:
        if ln.kind != "item" or ln.last is None:
            pending = _description_only(ln)
            continue
        quantity, description = _quantity_and_description(ln.label, pending)
        description = _clean_description(description)
        pending = None
        if sum(ch.isalpha() for ch in description) < 2:
            continue
        conf = amount_confidence(ln, ln.last) * min(1.0, 0.5 + ln.confidence / 2)
        items.append(Item(description, quantity, ln.last.value, conf))
    return items


def _after_header(lines: Sequence[ReceiptLine]) -> int:
    """The index after the last column header ("QTY ITEM AMOUNT"), 0 when there is none."""
    start = 0
    for ln in lines:
        if ln.kind == "other" and re.search(
            r"\b(qty|item|description|amount|price)\b", ln.text, re.I
        ):
            start = ln.index + 1  # a column header
    return start


def _description_only(ln: ReceiptLine) -> ReceiptLine | None:
    """``ln`` if it may be an item's description with its price on the next line: words and
    no amount, and nothing that is not bought (a date, a table, a cashier)."""
    letters = sum(ch.isalpha() for ch in ln.text)
    pending = ln if ln.kind == "other" and not ln.amounts and letters >= 3 else None
    if pending is not None and is_other(ln.text):
        pending = None
    return pending


def _quantity_and_description(
    label: str, pending: ReceiptLine | None
) -> tuple[Decimal | None, str]:
    """The quantity printed in an item's label, if any, and the description without it (the
    ``pending`` line's text when the label is only "2 x 2.25")."""
    unit_line = re.fullmatch(
        r"\s*(\d{1,3})\s*[xX\u00d7@*]\s*[$€£¥]?\s*[\d.,:;' ]+[^\w]*", label
    ) or _UNIT_LINE.fullmatch(label)
    if unit_line and pending is not None:
        return Decimal(unit_line.group(1)), pending.text
    if (m := _QTY_PREFIX.match(label)) is not None:
        return Decimal(m.group(1)), label[m.end() :]
    if (m := _QTY_WORD.search(label)) is not None:
        return Decimal(m.group(1)), label[: m.start()] + label[m.end() :]
    if (
        m := re.search(r"(\d{1,3})\s*[xX\u00d7@]\s*[$€£¥]?\s*\d[\d.,' ]*\s*[^\w]*$", label)
    ) is not None:
        return Decimal(m.group(1)), label[: m.start()]
    if (m := _QTY_TABLE.match(label)) is not None:
        return Decimal(m.group(1)), label[m.end() :]
    return None, label


def _clean_description(text: str) -> str:
    text = re.sub(r"(?:\s*[.\-_·:,*'\"~°|]){2,}\s*$", "", text)  # dotted leaders
    text = re.sub(r"\s[.\-_·:,*'\"~°|]+(?=\s|$)", " ", text)
    text = re.sub(r"^[^\w]+", "", text)
    text = re.sub(r"[^\w)%']+$", "", text)
    return re.sub(r"\s+", " ", text).strip()
