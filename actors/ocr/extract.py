"""Receipt fields from OCR text: merchant, date, amounts, currency and items (pure, no I/O).

The input is what Tesseract read: text lines, top to bottom, with a 0..1 confidence per word.
Amounts are read forgivingly (``O``/``0``, ``l``/``1``, ``S``/``5`` inside numbers, European
``1.234,50``, a stray space or colon where the decimal point was), then the printed structure of
a receipt is used to choose between readings: the total is the amount on a total line, and is
believed more when the card or cash lines, or subtotal + tax + tip, say the same. Each field's
confidence starts from the OCR confidence of the words it came from, is lowered when it is a
guess (no label, an assumed currency) and raised when the cross-checks agree.

Each field is read by its own module in :mod:`actors.ocr.fields`; this one puts them together.
The OCR text shapes are re-exported here, where callers have always found them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from actors.ocr.fields.currency import MONTH_FIRST, currency_and_lines
from actors.ocr.fields.dates import dates_in, find_date
from actors.ocr.fields.items import Item, find_items
from actors.ocr.fields.lines import ReceiptLine
from actors.ocr.fields.merchant import find_merchant
from actors.ocr.fields.totals import Choice, choose_amounts
from actors.ocr.fields.wording import normalise
from actors.ocr.text import OcrLine, OcrText, OcrWord, mean, text_lines

__all__ = ["FIELDS", "Extraction", "OcrLine", "OcrText", "OcrWord", "extract", "text_lines"]


@dataclass(frozen=True, slots=True)
class Extraction:
    """Fields shaped like ``bus.receipts.ReceiptFields`` (Decimals, a date, an ISO code)."""

    fields: dict[str, Any]
    confidence: dict[str, float]
    checks: dict[str, bool]


FIELDS: Final = ("merchant", "date", "total", "subtotal", "tax", "tip", "currency", "items")


def extract(ocr: OcrText | str) -> Extraction:
    """Fields, a 0..1 confidence for each, and the cross-checks of the totals."""
    if isinstance(ocr, str):
        ocr = text_lines(ocr)
    lines = [line for line in ocr.lines if line.words]

    currency, currency_conf, digits, parsed = currency_and_lines(lines)
    merchant, merchant_conf = find_merchant(lines, _merchant_stop(lines, parsed))
    when, date_conf = find_date(lines, currency in MONTH_FIRST)

    choices = choose_amounts(parsed)
    items = find_items(parsed)
    total = choices.get("total", Choice()).value
    subtotal = choices.get("subtotal", Choice()).value
    tax = choices.get("tax", Choice()).value
    tip = choices.get("tip", Choice()).value
    checks = _checks(items, total, subtotal, tax, tip)

    found = {
        "merchant": merchant_conf if merchant else 0.0,
        "date": date_conf if when else 0.0,
        "currency": currency_conf if currency else 0.0,
    }
    fields: dict[str, Any] = {
        "merchant": merchant,
        "date": when,
        "total": _quantize(total, digits),
        "subtotal": _quantize(subtotal, digits),
        "tax": _quantize(tax, digits),
        "tip": _quantize(tip, digits),
        "currency": currency,
        "items": [
            {
                "description": i.description[:200],
                "quantity": i.quantity,
                "amount": _quantize(i.amount, digits),
            }
            for i in items
        ],
    }
    return Extraction(fields, _confidence(found, choices, items, checks), checks)


def _merchant_stop(lines: Sequence[OcrLine], parsed: Sequence[ReceiptLine]) -> int:
    """Where the merchant's name can no longer be: the first priced or dated line (or line 8)."""
    first_money = next((ln.index for ln in parsed if ln.last is not None), len(parsed))
    first_date = next(
        (i for i, ln in enumerate(lines) if dates_in(normalise(ln.text), False)), len(lines)
    )
    return min(first_money, first_date, 8)


def _checks(
    items: Sequence[Item], total: Decimal | None, subtotal: Decimal | None,
    tax: Decimal | None, tip: Decimal | None,
) -> dict[str, bool]:  # fmt: skip
    """Whether the items add up to the subtotal (or the total), and subtotal + tax + tip to
    the total; a check is absent when its parts were not found."""
    checks: dict[str, bool] = {}
    if items and (subtotal is not None or total is not None):
        target = subtotal if subtotal is not None else total
        checks["items_match_subtotal"] = sum((i.amount for i in items), Decimal(0)) == target
    if total is not None and subtotal is not None:
        checks["parts_match_total"] = subtotal + (tax or 0) + (tip or 0) == total
    return checks


def _confidence(
    found: dict[str, float],
    choices: dict[str, Choice],
    items: Sequence[Item],
    checks: dict[str, bool],
) -> dict[str, float]:
    """Each field's confidence, rounded to 0..1: ``found`` gives merchant, date and currency;
    amounts take their choice's, items the mean of theirs; agreeing checks raise items, total
    and subtotal, a failed items check lowers items."""
    confidence = {name: found.get(name, 0.0) for name in FIELDS}
    for name in ("total", "subtotal", "tax", "tip"):
        choice = choices.get(name)
        if choice is not None and choice.value is not None:
            confidence[name] = choice.confidence
    if items:
        confidence["items"] = mean(i.confidence for i in items)
    if checks.get("items_match_subtotal"):
        confidence["items"] = 1 - (1 - confidence["items"]) * 0.4
    elif "items_match_subtotal" in checks:
        confidence["items"] *= 0.7
    if checks.get("parts_match_total"):
        for name in ("total", "subtotal"):
            confidence[name] = max(confidence[name], 1 - (1 - confidence[name]) * 0.5)
    return {k: round(max(0.0, min(1.0, v)), 3) for k, v in confidence.items()}


def _quantize(value: Decimal | None, digits: int) -> Decimal | None:
    if value is None:
        return None
    return value.quantize(Decimal(1).scaleb(-digits))
