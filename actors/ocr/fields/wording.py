"""Text as OCR prints it, made comparable: typographic punctuation folded to ASCII, words reduced
to their letters, and keywords matched give or take one misread character."""

from __future__ import annotations

import re
import unicodedata

_PUNCT_MAP = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u2032": "'", "`": "'", "\u00b4": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"',
        "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2010": "-", "\u2011": "-",
        "\u00a0": " ", "\u2009": " ", "\u202f": " ",
        "\u00b7": ".", "\u2024": ".", "\uff0c": ",", "\uff0e": ".",
        "\u20ac": "€", "\u00a3": "£", "\u00a5": "¥", "\uffe5": "¥",
    }
)  # fmt: skip


def normalise(text: str) -> str:
    """NFC text with curly quotes, dashes, odd spaces and full-width marks made plain."""
    return unicodedata.normalize("NFC", text).translate(_PUNCT_MAP)


def letter_words(text: str) -> str:
    """Only the letters, lower case, each run of anything else one space ("Tota1:" -> "tota")."""
    return re.sub(r"[^a-z]+", " ", text.lower()).strip()


def edit_distance(a: str, b: str, limit: int = 2) -> int:
    """Levenshtein distance, stopping early past ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def looks_like(word: str, keyword: str) -> bool:
    """``word`` is ``keyword`` give or take an OCR slip (one edit for words of 5+ letters)."""
    if word == keyword:
        return True
    if len(keyword) < 5 or len(word) < 4:
        return False
    return edit_distance(word, keyword, 1) <= 1
