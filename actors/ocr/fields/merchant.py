"""The business name: among the first lines of a receipt, the most prominent one that is not an
address, a phone, a date or a banner such as RECEIPT or WELCOME."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from actors.ocr.fields.dates import dates_in
from actors.ocr.fields.wording import normalise
from actors.ocr.text import OcrLine, OcrWord

_NOT_MERCHANT: Final = re.compile(
    r"\b(receipt|invoice|tax invoice|welcome|thank|copy|customer|merchant copy|order|table|"
    r"server|cashier|date|time|tel|phone|fax|www|http|email|vat no|vat reg|abn|gst no|"
    r"store #|prices in|sales receipt|duplicate|transaction|check)\b",
    re.IGNORECASE,
)
_ADDRESS: Final = re.compile(
    r"\b(st|street|rd|road|ave|avenue|blvd|boulevard|lane|ln|square|sq|way|drive|dr|place|pl|"
    r"strasse|straße|str|platz|rue|via|suite|floor|highway|hwy)\b\.?",
    re.IGNORECASE,
)
_WELCOME = re.compile(r"^\s*welcome\s+to\s+", re.IGNORECASE)


def find_merchant(lines: Sequence[OcrLine], stop: int) -> tuple[str | None, float]:
    """The business name among the lines before ``stop`` (at most the first eight): taller
    print and a place nearer the top score higher; a 0..1 confidence for it."""
    heights = sorted(max(1, line.bottom - line.top) for line in lines) or [1]
    typical = heights[len(heights) // 2]
    best: tuple[float, str, float] | None = None
    for index, line in enumerate(lines[: max(1, min(stop, 8))]):
        cleaned = _clean_merchant(line)
        if not _could_be_name(normalise(line.text), cleaned):
            continue
        size = max(1, line.bottom - line.top) / typical
        score = 2.0 * min(size, 2.0) - 0.35 * index + line.confidence
        if best is None or score > best[0]:
            best = (score, cleaned, line.confidence * min(1.0, 0.75 + 0.25 * size))
    if best is None:
        return None, 0.0
    return best[1], max(0.05, min(1.0, best[2] * (1.0 if best[0] > 1.5 else 0.8)))


def _could_be_name(text: str, cleaned: str) -> bool:
    """Whether a line (``text``, and ``cleaned`` of specks and a welcome) may be the name:
    mostly letters, and not a banner, a street address, a postcode, a phone or a date."""
    letters = sum(ch.isalpha() for ch in cleaned)
    if letters < 3 or letters < 0.5 * len(cleaned.replace(" ", "")):
        return False
    welcome_only = bool(re.fullmatch(r"\s*welcome(\s+to)?\s*[!.:]*", text, re.IGNORECASE))
    if welcome_only or (_NOT_MERCHANT.search(cleaned) and not _WELCOME.match(text)):
        return False
    if _ADDRESS.search(cleaned) and re.search(r"\d", cleaned):
        return False
    if re.match(r"^\d{3,}", cleaned) or re.search(r"\d{4,}", cleaned):
        return False  # a postcode and town, a phone
    if re.search(r",\s*[A-Z]{2}\s+\d", text):
        return False  # "Springfield, IL 62704"
    return not dates_in(text, False)


def _clean_merchant(line: OcrLine) -> str:
    words = list(line.words)
    # Drop unsure specks at either end (stray marks OCR read as letters).
    while words and _junk_word(words[0]):
        words.pop(0)
    while words and _junk_word(words[-1]):
        words.pop()
    text = normalise(" ".join(w.text for w in words))
    text = _WELCOME.sub("", text)
    text = re.sub(r"^[^\w]+", "", text)
    text = re.sub(r"[^\w'&!)]+$", "", text)
    text = re.sub(r"\s*,\s*(?=[A-Z])", " ", text) if text.isupper() else text
    return re.sub(r"\s+", " ", text).strip()


def _junk_word(word: OcrWord) -> bool:
    core = re.sub(r"[\W_]+", "", word.text)
    if not core:
        return True
    return len(core) <= 2 and word.confidence < 0.75 and not core.isdigit()
