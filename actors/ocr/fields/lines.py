"""Receipt lines taken apart: each line's amounts (in the currency's decimals), the label before
the price at its end, and the kind of line that label names."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from actors.ocr.fields.amounts import Amount, amounts_in, fits_currency
from actors.ocr.fields.labels import MONEY_KINDS, Kind, classify, is_other
from actors.ocr.fields.wording import normalise
from actors.ocr.text import OcrLine


@dataclass(slots=True)
class ReceiptLine:
    index: int
    ocr: OcrLine
    text: str
    kind: Kind
    label: str
    amounts: list[Amount]
    confidence: float

    @property
    def last(self) -> Amount | None:
        return self.amounts[-1] if self.amounts else None


def parse_lines(lines: Sequence[OcrLine], digits: int) -> list[ReceiptLine]:
    """Every line with its amounts printed with ``digits`` decimals; a line whose last amount
    ends it (its price) is classified by its label, any other line is "other"."""
    parsed: list[ReceiptLine] = []
    for index, line in enumerate(lines):
        text = normalise(line.text)
        money_line = classify(text) in MONEY_KINDS
        priced = [a for a in amounts_in(text, digits, money_line) if fits_currency(a, digits)]
        last = priced[-1] if priced else None
        if last is not None and not _ends_line(text[last.end :]):
            last = None  # a price is printed at the end of its line
        label = text[: last.start] if last else text
        kind: Kind = classify(label) if last and label.strip() else "other"
        if last and kind == "item" and is_other(label):
            kind = "other"
        conf = line.confidence
        parsed.append(ReceiptLine(index, line, text, kind, label, priced, conf))
    return parsed


def amount_confidence(line: ReceiptLine, amount: Amount) -> float:
    """The OCR confidence of the words an amount was read from (and its label)."""
    words = line.ocr.words
    if not words:
        return 0.0
    position = 0
    picked: list[float] = []
    for word in words:
        start, end = position, position + len(normalise(word.text))
        if end > amount.start and start < amount.end:
            picked.append(word.confidence)
        position = end + 1
    conf = min(picked) if picked else line.confidence
    if amount.repaired:
        conf *= 0.85
    return conf


def _ends_line(rest: str) -> bool:
    """Whether what follows an amount is only a currency mark, a tax flag or noise."""
    words = re.findall(r"[A-Za-z]+", rest)
    return len(words) <= 1 and all(len(w) <= 4 for w in words)
