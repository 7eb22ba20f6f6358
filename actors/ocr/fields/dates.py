"""The purchase date: every date printed, in numbers or with a month name, in either day/month
order, with a digit misread put right when exactly one fix makes it a date; the labelled one is
preferred, dates that are not the purchase (exchange by, valid until) are not."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final, TypeAlias

from actors.ocr.fields.amounts import DIGIT_SLIPS
from actors.ocr.fields.wording import edit_distance, normalise
from actors.ocr.text import OcrLine

_MONTHS: Final = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
    "january": 1, "february": 2, "march": 3, "april": 4, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12,
}  # fmt: skip
_MONTH_WORD = r"([A-Za-z0-9]{3,9})\.?"
_DAY = r"([0-9OoIl]{1,2})(?:st|nd|rd|th)?"
_YEAR4 = r"(19\d\d|2[0-9OoIl]{3})"
_SEP = r"\s?[-/.,:;]\s?"
_DATE_PATTERNS: Final = (
    ("ymd", re.compile(rf"(?<!\d){_YEAR4}{_SEP}(\d{{1,2}}){_SEP}(\d{{1,2}})(?!\d)")),
    (
        "num",
        re.compile(
            r"(?<![\d.,])(\d{1,2})\s?([-/.,:;])\s?(\d{1,2})\s?([-/.,:;])\s?(\d{4}|\d{2})(?!\d)"
        ),
    ),
    ("glued", re.compile(r"(?<![\d.,/-])(\d{2})\s?([-/.])\s?(\d{2})()(\d{2}|\d{4})(?!\d)")),
    (
        "dmy_text",
        re.compile(rf"(?<![A-Za-z0-9]){_DAY}[\s.\-/]*{_MONTH_WORD}[\s.,\-/]*{_YEAR4}(?!\d)"),
    ),
    (
        "mdy_text",
        re.compile(
            rf"(?<![A-Za-z]){_MONTH_WORD}[\s.\-/]*{_DAY}(?:[\s.,\-/]*|(?=[12]\d{{3}})){_YEAR4}(?!\d)"
        ),
    ),
    (
        "dmy_text2",
        re.compile(rf"(?<![A-Za-z0-9]){_DAY}[\s.\-]+{_MONTH_WORD}[\s.,\-]+'?(\d{{2}})(?!\d)"),
    ),
)
# Digits OCR confuses, for repairing a date that cannot be (day 98 was day 08).
_DIGIT_CONFUSIONS: Final = {
    "0": "869", "8": "036", "6": "05", "9": "0", "5": "6", "1": "7", "7": "1", "3": "8", "2": "7",
}  # fmt: skip
_DATE_LABEL = re.compile(r"\b(date|dated|datum|fecha|bill date)\b", re.IGNORECASE)
_NOT_PURCHASE_DATE = re.compile(
    r"\b(exchange|return|valid|expir|exp|until|before|due by|best|refund|warranty)", re.IGNORECASE
)
_LETTER_SLIPS: Final = str.maketrans("0158", "olsb")  # digits read for letters in a month

# A date read from text: (date, ambiguous day/month order, repaired).
DateReading: TypeAlias = tuple[date, bool, bool]


@dataclass(frozen=True, slots=True)
class _DateHit:
    value: date
    line: int
    labelled: bool
    ambiguous: bool
    repaired: bool
    confidence: float


def find_date(lines: Sequence[OcrLine], month_first: bool) -> tuple[date | None, float]:
    """The purchase date and a 0..1 confidence: a labelled date first, then one read without
    repair, then the highest on the receipt; believed less when the day/month order was a
    guess or a digit was put right, more when another line prints the same date."""
    hits: list[_DateHit] = []
    for index, line in enumerate(lines):
        text = normalise(line.text)
        if _NOT_PURCHASE_DATE.search(text):
            continue
        labelled = bool(_DATE_LABEL.search(text))
        for value, ambiguous, repaired in dates_in(text, month_first):
            hits.append(_DateHit(value, index, labelled, ambiguous, repaired, line.confidence))
    if not hits:
        return None, 0.0
    best = max(hits, key=lambda h: (h.labelled, not h.repaired, -h.line))
    agreeing = sum(1 for h in hits if h.value == best.value)
    conf = best.confidence * (0.75 if best.ambiguous else 1.0) * (1.0 if best.labelled else 0.95)
    if best.repaired:
        conf *= 0.6
    if agreeing > 1:
        conf = 1 - (1 - conf) * 0.6
    return best.value, max(0.05, min(1.0, conf))


def dates_in(text: str, month_first: bool) -> list[DateReading]:
    """(date, ambiguous day/month order, repaired) for each date printed in ``text``."""
    found: list[DateReading] = []
    numeric = _digitize_words(text)
    for kind, pattern in _DATE_PATTERNS:
        source = numeric if kind in {"ymd", "num"} else text
        if kind == "glued" and not _DATE_LABEL.search(text):
            continue  # "04/0427" only where it is labelled a date
        for m in pattern.finditer(source):
            try:
                reading = _read_match(kind, m, month_first)
            except ValueError:
                continue
            if reading is not None:
                found.append(reading)
    return found


def _read_match(kind: str, m: re.Match[str], month_first: bool) -> DateReading | None:
    """The date one pattern matched, or None if the numbers make no date."""
    if kind == "ymd":
        value = _make_date(_year(m[1]), int(m[2]), int(m[3]))
        return None if value is None else (value, False, False)
    if kind in {"num", "glued"}:
        return _numeric_date(kind, m, month_first)
    if kind in {"dmy_text", "dmy_text2"}:
        return _named_month_date(m[2], m[1], m[3])
    return _named_month_date(m[1], m[2], m[3])


def _numeric_date(kind: str, m: re.Match[str], month_first: bool) -> DateReading | None:
    """Day and month as numbers: the order is the currency's habit unless the separator
    (dots are day first) or a number over 12 settles it."""
    if m[2] == ":" and m[4] == ":":
        return None  # a time
    if kind == "num" and len(m[5]) == 2 and not (m[2] == m[4] and m[2] in "-/."):
        return None  # a two-digit year needs its separators
    a, b = int(m[1]), int(m[3])
    year = _year(m[5]) if len(m[5]) == 4 else int(m[5])
    dotted = "." in (m[2], m[4]) and "/" not in (m[2], m[4])
    day_first = dotted or not month_first
    if a > 12 >= b and a <= 31:
        day_first = True
    elif b > 12 >= a and b <= 31:
        day_first = False
    ambiguous = a <= 12 and b <= 12 and a != b and not dotted
    parts = _day_month(m[1], m[3], day_first)
    if parts is None:
        return None
    day, month, repaired = parts
    repaired = repaired or kind == "glued"
    value = _make_date(year, month, day)
    return None if value is None else (value, ambiguous, repaired)


def _named_month_date(month_text: str, day_text: str, year_text: str) -> DateReading | None:
    """A date with its month as a word ("20 Nov 2026", "Nov 20 2026", "20-Nov-26")."""
    mon = _month(month_text)
    year = _year(year_text) if len(year_text) == 4 else int(year_text)
    day_n = _repaired(_digits(day_text), 1, 31)
    repaired = day_n != int(_digits(day_text))
    value = _make_date(year, mon, day_n) if mon and day_n else None
    return None if value is None else (value, False, repaired)


def _digits(text: str) -> str:
    return text.translate(DIGIT_SLIPS)


def _digitize_words(text: str) -> str:
    """Letters read for digits put right inside number-like words only ("2O23" -> "2023")."""

    def fix(m: re.Match[str]) -> str:
        word = m.group(0)
        digits = sum(ch.isdigit() for ch in word)
        return word.translate(DIGIT_SLIPS) if digits >= max(2, len(word) // 2) else word

    return re.sub(r"\S+", fix, text)


def _month(word: str) -> int | None:
    low = word.lower().translate(_LETTER_SLIPS)
    if low in _MONTHS:
        return _MONTHS[low]
    if len(low) >= 3:
        for name, number in _MONTHS.items():
            if len(name) == len(low) and edit_distance(low, name, 1) <= (1 if len(low) >= 4 else 0):
                return number
        if low[:3] in _MONTHS and len(low) > 3:
            return _MONTHS[low[:3]]
    return None


def _year(text: str) -> int:
    """A four-digit year, with a misread second digit put right (2623 was 2023)."""
    digits = _digits(text)
    if len(digits) == 4 and digits[0] == "2" and digits[1] in "6890" and digits[1] != "0":
        digits = "20" + digits[2:]
    return int(digits)


def _make_date(year: int, month: int, day: int) -> date | None:
    if year < 100:
        year += 2000
    if not 2000 <= year <= 2099:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _repaired(text: str, low: int, high: int) -> int | None:
    """``text`` as a number in low..high, put right by one common digit misread if it is out
    of range and exactly one such fix brings it in (day 98 was day 08)."""
    value = int(text)
    if low <= value <= high:
        return value
    fixes = {
        int(text[:i] + alt + text[i + 1 :])
        for i, ch in enumerate(text)
        for alt in _DIGIT_CONFUSIONS.get(ch, "")
    }
    fixes = {f for f in fixes if low <= f <= high}
    return fixes.pop() if len(fixes) == 1 else None


def _day_month(first: str, second: str, day_first: bool) -> tuple[int, int, bool] | None:
    """(day, month, repaired) from two printed numbers in the order given."""
    day_text, month_text = (first, second) if day_first else (second, first)
    day, month = _repaired(day_text, 1, 31), _repaired(month_text, 1, 12)
    if day is None or month is None:
        return None
    return day, month, (day, month) != (int(day_text), int(month_text))
