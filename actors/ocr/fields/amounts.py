"""Amounts as a receipt prints them, read forgivingly.

``O``/``0``, ``l``/``1``, ``S``/``5`` and the like are read as digits inside number-like runs,
European ``1.234,50`` and thousands groups are understood, and a stray space or colon where the
decimal point was is put right; each such repair is remembered, so that the amount is believed
less. Percentages and times are not amounts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

# Letters OCR puts where digits were: only swapped inside number-like runs.
DIGIT_SLIPS: Final = str.maketrans(
    {"O": "0", "o": "0", "D": "0", "Q": "0", "l": "1", "I": "1", "|": "1", "]": "1", "[": "1",
     "i": "1", "!": "1", "S": "5", "s": "5", "B": "8", "Z": "2", "z": "2", "G": "6", "b": "6",
     "g": "9", "q": "9", "T": "7"}
)  # fmt: skip
_SLIP_CHARS: Final = "OoDQlI|][i!SsBZzGbgqT"
_SLIPS_RE: Final = re.escape(_SLIP_CHARS)
_NUM_WORD: Final = rf"[-(]?[0-9{_SLIPS_RE}.,:;']*[0-9][0-9{_SLIPS_RE}.,:;']*"
# Number-like words (each with a real digit), joined by single spaces or a spaced separator.
_NUMBERISH = re.compile(
    rf"(?<![A-Za-z0-9])(?>{_NUM_WORD}(?:\s(?:[.,:;]\s)?{_NUM_WORD})*)"
    r"(?!\s?(?:ml|l|kg|g|oz|lb|lbs|cl|cm|mm|m|pcs|pc)\b)"
)
_PERCENT_AFTER = re.compile(r"\s?%")
_TIME = re.compile(r"([01]?\d|2[0-3])\s?:\s?[0-5]\d(?::[0-5]\d)?")


@dataclass(frozen=True, slots=True)
class Amount:
    value: Decimal
    start: int  # position in the normalised line text
    end: int
    decimals: int  # digits after the decimal separator as printed (0 if none)
    repaired: bool  # letters read as digits, or a separator guessed


def amounts_in(text: str, digits: int, money_line: bool = False) -> list[Amount]:
    """The amounts printed on a line (percentages and times are not; on a ``money_line`` such
    as a total, ``12:50`` is an amount with a misread point rather than a time)."""
    found: list[Amount] = []
    for match in _NUMBERISH.finditer(text):
        raw = match.group(0)
        # split runs like "3.50 7.00" where a space separates two priced numbers
        pieces = _split_run(raw)
        offset = match.start()
        for piece_start, piece in pieces:
            start = offset + piece_start
            end = start + len(piece)
            if _PERCENT_AFTER.match(text, end):
                continue
            if not money_line and _TIME.fullmatch(piece.strip()):
                continue  # a time such as 14:32
            if re.match(r"\s?:\s?\d", text[end:]) or (start > 0 and text[start - 1] == ":"):
                continue
            parsed = _parse_number(piece, digits)
            if parsed is None:
                continue
            value, decimals, repaired = parsed
            found.append(Amount(value, start, end, decimals, repaired))
    return found


def fits_currency(amount: Amount, digits: int) -> bool:
    """Printed with the currency's decimals (JPY none, most two)."""
    if digits == 0:
        return amount.decimals == 0
    return amount.decimals == digits


def _split_run(raw: str) -> list[tuple[int, str]]:
    """Split a number-like run at spaces that separate two numbers with decimals."""
    parts: list[tuple[int, str]] = []
    pattern = re.compile(r"[^\s.,:;]+(?:\s?[.,:;]\s?[^\s.,:;]+)*[.,:;]?")
    for match in pattern.finditer(raw):
        parts.append((match.start(), match.group(0)))
    if len(parts) <= 1:
        return [(0, raw)]
    # "1 234,50" is one amount; "2 3.50" or "3.50 7.00" are two
    merged: list[tuple[int, str]] = []
    for start, piece in parts:
        if (
            merged
            and re.fullmatch(r"[-(]?\d{1,3}", merged[-1][1])
            and re.fullmatch(r"\d{3}(?:[.,]\d{1,2})?", piece)
            and not re.search(r"[.,]", merged[-1][1])
        ):
            prev_start = merged[-1][0]
            merged[-1] = (prev_start, raw[prev_start : start + len(piece)])
        else:
            merged.append((start, piece))
    return merged


def _parse_number(raw: str, digits: int) -> tuple[Decimal, int, bool] | None:
    """A printed amount to (value, decimals shown, repaired); None if it is not one."""
    cleaned = _clean_number(raw)
    if cleaned is None:
        return None
    text, negative, repaired = cleaned
    read = _number_value(text, digits)
    if read is None:
        return None
    value, decimals = read
    return value * (-1 if negative else 1), decimals, repaired


def _clean_number(raw: str) -> tuple[str, bool, bool] | None:
    """The printed number as digits and separators only, whether it is negative (a leading
    ``-`` or ``(``), and whether anything was repaired; None if it cannot be a number."""
    text = raw.strip()
    negative = text.startswith("-") or text.startswith("(")
    text = text.lstrip("-(").strip()
    converted = _letters_as_digits(text)
    if converted is None:
        return None
    repaired = converted != text
    text = re.sub(r"[:;]", ".", converted)
    if re.search(r"[:;]", raw):
        repaired = True
    text = re.sub(r"\s*([.,'])\s*", r"\1", text)  # "12. 50" -> "12.50"
    text = text.strip(".,' ")
    if not text or not text[0].isdigit():
        return None
    # Spaces left are thousands groups ("1 234,50") or it is not one number.
    if " " in text:
        joined = _join_thousands(text)
        if joined is None:
            return None
        text, repaired = joined, True
    return text, negative, repaired


def _letters_as_digits(text: str) -> str | None:
    """Letters read for digits put back, unless there are more of them than real digits (then
    it was a word, not a number)."""
    converted = text.translate(DIGIT_SLIPS)
    if converted != text:
        slips = sum(1 for a, b in zip(text, converted, strict=True) if a != b)
        real = sum(ch.isdigit() for ch in text)
        if slips > max(1, real):
            return None
    return converted


def _join_thousands(text: str) -> str | None:
    """``1 234,50`` as ``1234,50``: groups of three after a head of one to three digits, a
    separator in the last group only; None if the spaces separate something else."""
    head, *groups = text.split(" ")
    if not (1 <= len(head) <= 3 and head.isdigit() and groups):
        return None
    if not all(re.fullmatch(r"\d{3}(?:[.,]\d{1,3})?", g) for g in groups):
        return None
    if any(re.search(r"[.,]", g) for g in groups[:-1]):
        return None
    return "".join([head, *groups])


def _number_value(text: str, digits: int) -> tuple[Decimal, int] | None:
    """The unsigned value of cleaned digits and separators, with the decimals shown. The last
    separator is the decimal point when one or two digits follow it (three for currencies with
    three decimals); after three digits it groups thousands ("1,250", "1.234.567")."""
    seps = [(i, ch) for i, ch in enumerate(text) if ch in ".,'"]
    if not seps:
        if not text.isdigit():
            return None
        return Decimal(text), 0
    last_i, last = seps[-1]
    tail = text[last_i + 1 :]
    if not tail.isdigit():
        return None
    if last == "'" or (len(tail) == 3 and (digits != 3 or (len(seps) > 1 and seps[0][1] == last))):
        return _grouped_whole(text)
    if len(tail) in {1, 2} or (len(tail) == 3 and digits == 3):
        return _with_decimals(text[:last_i], tail, last, seps)
    return None


def _grouped_whole(text: str) -> tuple[Decimal, int] | None:
    """A whole number printed in thousands groups (``1,250``, ``1'234'567``)."""
    groups = re.split(r"[.,']", text)
    if not (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])):
        return None
    whole = "".join(groups)
    if not whole.isdigit():
        return None
    return Decimal(whole), 0


def _with_decimals(
    head: str, tail: str, decimal_sep: str, seps: list[tuple[int, str]]
) -> tuple[Decimal, int] | None:
    """``head`` (whole part, maybe grouped) and ``tail`` (the decimals) as one value; None when
    the grouping is irregular or the decimal separator also groups the thousands."""
    head_groups = re.split(r"[.,' ]", head) if head else ["0"]
    if len(head_groups) > 1 and not (
        1 <= len(head_groups[0]) <= 3 and all(len(g) == 3 for g in head_groups[1:])
    ):
        return None
    if any(ch == decimal_sep for _, ch in seps[:-1]):
        return None  # the decimal separator used for grouping too
    whole = "".join(head_groups)
    if not whole.isdigit():
        return None
    return Decimal(f"{whole}.{tail}"), len(tail)
