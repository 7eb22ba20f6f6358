"""Receipt fields from OCR text: merchant, date, amounts, currency and items (pure, no I/O).

The input is what Tesseract read: text lines, top to bottom, with a 0..1 confidence per word.
Amounts are read forgivingly (``O``/``0``, ``l``/``1``, ``S``/``5`` inside numbers, European
``1.234,50``, a stray space or colon where the decimal point was), then the printed structure of
a receipt is used to choose between readings: the total is the amount on a total line, and is
believed more when the card or cash lines, or subtotal + tax + tip, say the same. Each field's
confidence starts from the OCR confidence of the words it came from, is lowered when it is a
guess (no label, an assumed currency) and raised when the cross-checks agree.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Final, Literal

# ---- OCR text -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OcrWord:
    text: str
    confidence: float  # 0..1
    box: tuple[int, int, int, int] = (0, 0, 0, 0)  # left, top, right, bottom (pixels)


@dataclass(frozen=True, slots=True)
class OcrLine:
    words: tuple[OcrWord, ...]
    top: int = 0
    bottom: int = 0

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def confidence(self) -> float:
        return _mean(w.confidence for w in self.words)


@dataclass(frozen=True, slots=True)
class OcrText:
    lines: tuple[OcrLine, ...] = field(default_factory=tuple)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


def text_lines(text: str, confidence: float = 0.9) -> OcrText:
    """Plain text as OCR lines, every word with the same confidence (for text from elsewhere)."""
    lines = []
    for i, raw in enumerate(text.splitlines()):
        words = tuple(OcrWord(w, confidence) for w in raw.split())
        if words:
            lines.append(OcrLine(words, i * 30, i * 30 + 24))
    return OcrText(tuple(lines))


@dataclass(frozen=True, slots=True)
class Extraction:
    """Fields shaped like ``bus.receipts.ReceiptFields`` (Decimals, a date, an ISO code)."""

    fields: dict[str, Any]
    confidence: dict[str, float]
    checks: dict[str, bool]


FIELDS: Final = ("merchant", "date", "total", "subtotal", "tax", "tip", "currency", "items")


def _mean(values: Iterable[float]) -> float:
    items = list(values)
    return sum(items) / len(items) if items else 0.0


# ---- normalising ----------------------------------------------------------------------------

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


def _norm(text: str) -> str:
    return unicodedata.normalize("NFC", text).translate(_PUNCT_MAP)


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]+", " ", text.lower()).strip()


def _distance(a: str, b: str, limit: int = 2) -> int:
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


def _like(word: str, keyword: str) -> bool:
    """``word`` is ``keyword`` give or take an OCR slip (one edit for words of 5+ letters)."""
    if word == keyword:
        return True
    if len(keyword) < 5 or len(word) < 4:
        return False
    return _distance(word, keyword, 1) <= 1


# ---- currencies -----------------------------------------------------------------------------

_SYMBOLS: Final = {
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "$": "USD",
    "₹": "INR",
    "₩": "KRW",
    "₽": "RUB",
}
_PREFIXED_DOLLARS: Final = {"US$": "USD", "C$": "CAD", "CA$": "CAD", "A$": "AUD", "AU$": "AUD",
                            "NZ$": "NZD", "HK$": "HKD", "S$": "SGD", "NT$": "TWD"}  # fmt: skip
_COMMON_CODES: Final = frozenset(
    [
        "USD",
        "EUR",
        "GBP",
        "JPY",
        "CHF",
        "CAD",
        "AUD",
        "NZD",
        "SEK",
        "NOK",
        "DKK",
        "PLN",
        "CZK",
        "HUF",
        "CNY",
        "HKD",
        "SGD",
        "INR",
        "MXN",
        "BRL",
        "ZAR",
        "KRW",
        "TRY",
        "ILS",
        "THB",
        "AED",
        "SAR",
        "RON",
        "BGN",
        "ISK",
    ]
)
_CODE_SLIPS: Final = {"CHE": "CHF", "CHP": "CHF", "FUR": "EUR", "BUR": "EUR", "EURO": "EUR",
                      "EUROS": "EUR", "EUK": "EUR", "ERR": "EUR", "USO": "USD", "U5D": "USD",
                      "G8P": "GBP", "6BP": "GBP", "JPV": "JPY", "JP¥": "JPY", "CAO": "CAD",
                      "AUO": "AUD", "5EK": "SEK"}  # fmt: skip
_ZERO_DECIMALS: Final = frozenset({"JPY", "KRW", "ISK", "HUF", "CLP", "VND", "IDR", "TWD"})
_MONTH_FIRST: Final = frozenset({"USD"})

_CODE_RE = re.compile(r"(?<![A-Za-z])([A-Z0-9]{3,5})(?![A-Za-z])")


def minor_units(currency: str | None) -> int:
    if currency is None:
        return 2
    return 0 if currency in _ZERO_DECIMALS else 3 if currency in {"KWD", "BHD", "OMR", "JOD"} else 2


@dataclass(frozen=True, slots=True)
class _CurrencyVote:
    code: str
    weight: float
    confidence: float


def _currency_votes(lines: Sequence[OcrLine]) -> list[_CurrencyVote]:
    votes: list[_CurrencyVote] = []
    for line in lines:
        conf = line.confidence
        if conf < 0.6:  # rules and specks read as letters ("DKK KKK", "€ * *")
            continue
        text = _norm(line.text)
        for prefix, code in _PREFIXED_DOLLARS.items():
            if re.search(rf"(?<![A-Z]){re.escape(prefix)}\s?\d", text.upper()):
                votes.append(_CurrencyVote(code, 3.0, conf))
        for symbol, code in _SYMBOLS.items():
            for m in re.finditer(re.escape(symbol), text):
                beside = text[max(0, m.start() - 2) : m.end() + 2]
                votes.append(_CurrencyVote(code, 1.0 if re.search(r"\d", beside) else 0.25, conf))
        for match in _CODE_RE.finditer(text):
            token = match.group(1)
            code = _CODE_SLIPS.get(token, token)
            if code not in _COMMON_CODES:
                continue
            near_amount = bool(
                re.search(r"\d\s?$", text[max(0, match.start() - 3) : match.start()])
                or re.match(r"\s?[$€£¥]?\s?\d", text[match.end() :])
            )
            if near_amount:
                votes.append(_CurrencyVote(code, 3.0, conf))
            elif token == code:
                votes.append(_CurrencyVote(code, 0.5, conf))
        stated = re.search(r"\b(?:prices?|amounts?)\s+in\s+([A-Z]{3})\b", text)
        if stated is not None:
            code = _CODE_SLIPS.get(stated.group(1), stated.group(1))
            if code in _COMMON_CODES:
                votes.append(_CurrencyVote(code, 3.0, conf))
    return votes


def _decimals_fit(lines: Sequence[OcrLine], digits: int) -> float:
    """Share of the amounts at line ends printed with ``digits`` decimals."""
    fits = total = 0
    for line in lines:
        amounts = _amounts(_norm(line.text), digits)
        if amounts:
            total += 1
            fits += amounts[-1].decimals == digits
    return fits / total if total else 0.5


def _pick_currency(lines: Sequence[OcrLine]) -> tuple[str | None, float]:
    votes = _currency_votes(lines)
    if not votes:
        return None, 0.0
    totals: dict[str, float] = {}
    for vote in votes:
        totals[vote.code] = totals.get(vote.code, 0.0) + vote.weight
    fit = {d: _decimals_fit(lines, d) for d in {minor_units(c) for c in totals}}
    for code in totals:
        totals[code] *= 0.5 + fit[minor_units(code)]
    # A dollar sign says "dollars"; a code on the same receipt says which.
    dollar_codes = [c for c in totals if c in {"CAD", "AUD", "NZD", "HKD", "SGD", "TWD"}]
    if "USD" in totals and dollar_codes:
        best_dollar = max(dollar_codes, key=lambda c: totals[c])
        totals[best_dollar] += totals.pop("USD")
    code = max(totals, key=lambda c: totals[c])
    share = totals[code] / sum(totals.values())
    conf = _mean(v.confidence for v in votes if v.code == code) or 0.5
    strength = min(1.0, totals[code] / 3.0)
    return code, max(0.05, min(1.0, conf * (0.55 + 0.45 * share) * (0.7 + 0.3 * strength)))


# ---- amounts --------------------------------------------------------------------------------

# Letters OCR puts where digits were: only swapped inside number-like runs.
_DIGIT_SLIPS: Final = str.maketrans(
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


@dataclass(frozen=True, slots=True)
class Amount:
    value: Decimal
    start: int  # position in the normalised line text
    end: int
    decimals: int  # digits after the decimal separator as printed (0 if none)
    repaired: bool  # letters read as digits, or a separator guessed


def _parse_number(raw: str, digits: int) -> tuple[Decimal, int, bool] | None:
    """A printed amount to (value, decimals shown, repaired); None if it is not one."""
    repaired = False
    text = raw.strip()
    negative = text.startswith("-") or text.startswith("(")
    text = text.lstrip("-(").strip()
    converted = text.translate(_DIGIT_SLIPS)
    if converted != text:
        letters = sum(1 for a, b in zip(text, converted, strict=True) if a != b)
        real = sum(ch.isdigit() for ch in text)
        if letters > max(1, real):
            return None
        repaired = True
        text = converted
    text = re.sub(r"[:;]", ".", text)
    if re.search(r"[:;]", raw):
        repaired = True
    text = re.sub(r"\s*([.,'])\s*", r"\1", text)  # "12. 50" -> "12.50"
    text = text.strip(".,' ")
    if not text or not text[0].isdigit():
        return None
    # Spaces left are thousands groups ("1 234,50") or it is not one number.
    if " " in text:
        head, *groups = text.split(" ")
        if not (1 <= len(head) <= 3 and head.isdigit() and groups):
            return None
        if not all(re.fullmatch(r"\d{3}(?:[.,]\d{1,3})?", g) for g in groups):
            return None
        if any(re.search(r"[.,]", g) for g in groups[:-1]):
            return None
        text = "".join([head, *groups])
        repaired = True
    seps = [(i, ch) for i, ch in enumerate(text) if ch in ".,'"]
    if not seps:
        if not text.isdigit():
            return None
        return Decimal(text) * (-1 if negative else 1), 0, repaired
    last_i, last = seps[-1]
    tail = text[last_i + 1 :]
    head = text[:last_i]
    if not tail.isdigit():
        return None
    decimal_sep: str | None
    if last == "'":
        decimal_sep = None
    elif len(tail) == 3 and (digits != 3 or (len(seps) > 1 and seps[0][1] == last)):
        decimal_sep = None  # "1,250" or "1.234.567": groups of thousands
    elif len(tail) in {1, 2} or (len(tail) == 3 and digits == 3):
        decimal_sep = last
    else:
        return None
    if decimal_sep is None:
        groups = re.split(r"[.,']", text)
        if not (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])):
            return None
        whole = "".join(groups)
        if not whole.isdigit():
            return None
        return Decimal(whole) * (-1 if negative else 1), 0, repaired
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
    value = Decimal(f"{whole}.{tail}")
    return value * (-1 if negative else 1), len(tail), repaired


_TIME = re.compile(r"([01]?\d|2[0-3])\s?:\s?[0-5]\d(?::[0-5]\d)?")


def _amounts(text: str, digits: int, money_line: bool = False) -> list[Amount]:
    """The amounts printed on a line (percentages and times are not)."""
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


def _fits(amount: Amount, digits: int) -> bool:
    """Printed with the currency's decimals (JPY none, most two)."""
    if digits == 0:
        return amount.decimals == 0
    return amount.decimals == digits


# ---- labels ---------------------------------------------------------------------------------

Kind = Literal["total", "subtotal", "tax", "tip", "payment", "change", "other", "item"]

_KEYWORDS: Final[dict[str, tuple[str, ...]]] = {
    "subtotal": ("subtotal", "sub total", "sub-total", "subtot", "net", "net total",
                 "net amount", "merchandise", "zwischensumme"),
    "tax": ("tax", "vat", "gst", "hst", "pst", "qst", "mwst", "iva", "tva", "ust", "sales tax",
            "consumption tax", "taxes"),
    "tip": ("tip", "tips", "gratuity", "service", "service charge"),
    "total": ("total", "grand total", "total due", "amount due", "balance", "balance due",
              "to pay", "total to pay", "amount", "sum", "summe", "due"),
    "payment": ("cash", "visa", "mastercard", "master", "amex", "debit", "credit", "card",
                "tendered", "paid", "payment", "eftpos", "maestro", "contactless", "discover"),
    "change": ("change", "change due"),
}  # fmt: skip
_NOT_ITEMS: Final = (
    "date", "time", "tel", "phone", "fax", "table", "server", "cashier", "order", "receipt",
    "invoice", "check", "trans", "transaction", "auth", "items", "item count", "qty item",
    "store", "reg", "register", "exchange", "www", "thank", "welcome", "guest", "approval",
)  # fmt: skip


def _classify(label: str) -> Kind:
    words = _letters(label).split()
    if not words:
        return "item"
    joined = " ".join(words)
    squashed = joined.replace(" ", "")
    if any(_like(w, "subtotal") for w in [*words, squashed]) or (
        "sub" in words and any(_like(w, "total") for w in words)
    ):
        return "subtotal"
    if words[0] == "net" or joined.startswith("net total") or joined.startswith("net amount"):
        return "subtotal"
    if any(w in {"change"} or _like(w, "change") for w in words):
        return "change"
    if any(
        w in _KEYWORDS["payment"]
        or (len(w) >= 5 and any(_like(w, k) for k in _KEYWORDS["payment"]))
        for w in words
    ):
        return "payment"
    if any(w in {"tip", "tips"} or _like(w, "gratuity") or _like(w, "service") for w in words):
        return "tip"
    if any(_like(w, "total") for w in words) or joined in {"balance", "balance due", "amount due"}:
        return "total"
    if any(_like(w, "balance") for w in words) or ("amount" in words and "due" in words):
        return "total"
    if "to pay" in joined or words[-1] == "due":
        return "total"
    tax_words = {"tax", "vat", "gst", "hst", "pst", "qst", "mwst", "iva", "tva", "ust", "taxes"}
    if any(w in tax_words for w in words):
        return "tax"
    return "item"


def _is_other(label: str) -> bool:
    low = _letters(label)
    return any(re.search(rf"\b{re.escape(k)}\b", low) for k in _NOT_ITEMS)


# ---- dates ----------------------------------------------------------------------------------

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


def _digits(text: str) -> str:
    return text.translate(_DIGIT_SLIPS)


_LETTER_SLIPS: Final = str.maketrans("0158", "olsb")  # digits read for letters in a month


def _month(word: str) -> int | None:
    low = word.lower().translate(_LETTER_SLIPS)
    if low in _MONTHS:
        return _MONTHS[low]
    if len(low) >= 3:
        for name, number in _MONTHS.items():
            if len(name) == len(low) and _distance(low, name, 1) <= (1 if len(low) >= 4 else 0):
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


@dataclass(frozen=True, slots=True)
class _DateHit:
    value: date
    line: int
    labelled: bool
    ambiguous: bool
    repaired: bool
    confidence: float


def _digitize_words(text: str) -> str:
    """Letters read for digits put right inside number-like words only ("2O23" -> "2023")."""

    def fix(m: re.Match[str]) -> str:
        word = m.group(0)
        digits = sum(ch.isdigit() for ch in word)
        return word.translate(_DIGIT_SLIPS) if digits >= max(2, len(word) // 2) else word

    return re.sub(r"\S+", fix, text)


def _dates_in(text: str, month_first: bool) -> list[tuple[date, bool, bool]]:
    """(date, ambiguous day/month order, repaired) for each date printed in ``text``."""
    found: list[tuple[date, bool, bool]] = []
    numeric = _digitize_words(text)
    for kind, pattern in _DATE_PATTERNS:
        source = numeric if kind in {"ymd", "num"} else text
        if kind == "glued" and not _DATE_LABEL.search(text):
            continue  # "04/0427" only where it is labelled a date
        for m in pattern.finditer(source):
            repaired = False
            ambiguous = False
            value: date | None
            try:
                if kind == "ymd":
                    value = _make_date(_year(m[1]), int(m[2]), int(m[3]))
                elif kind in {"num", "glued"}:
                    if m[2] == ":" and m[4] == ":":
                        continue  # a time
                    if kind == "num" and len(m[5]) == 2 and not (m[2] == m[4] and m[2] in "-/."):
                        continue  # a two-digit year needs its separators
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
                        continue
                    day, month, repaired = parts
                    repaired = repaired or kind == "glued"
                    value = _make_date(year, month, day)
                elif kind in {"dmy_text", "dmy_text2"}:
                    mon = _month(m[2])
                    year = _year(m[3]) if len(m[3]) == 4 else int(m[3])
                    day_n = _repaired(_digits(m[1]), 1, 31)
                    repaired = day_n != int(_digits(m[1]))
                    value = _make_date(year, mon, day_n) if mon and day_n else None
                else:
                    mon = _month(m[1])
                    day_n = _repaired(_digits(m[2]), 1, 31)
                    repaired = day_n != int(_digits(m[2]))
                    value = _make_date(_year(m[3]), mon, day_n) if mon and day_n else None
            except ValueError:
                continue
            if value is not None:
                found.append((value, ambiguous, repaired))
    return found


def _find_date(lines: Sequence[OcrLine], month_first: bool) -> tuple[date | None, float]:
    hits: list[_DateHit] = []
    for index, line in enumerate(lines):
        text = _norm(line.text)
        if _NOT_PURCHASE_DATE.search(text):
            continue
        labelled = bool(_DATE_LABEL.search(text))
        for value, ambiguous, repaired in _dates_in(text, month_first):
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


# ---- merchant -------------------------------------------------------------------------------

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


def _clean_merchant(line: OcrLine) -> str:
    words = list(line.words)
    # Drop unsure specks at either end (stray marks OCR read as letters).
    while words and _junk_word(words[0]):
        words.pop(0)
    while words and _junk_word(words[-1]):
        words.pop()
    text = _norm(" ".join(w.text for w in words))
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


def _find_merchant(lines: Sequence[OcrLine], stop: int) -> tuple[str | None, float]:
    """The business name: among the first lines, the most prominent one that is not an
    address, phone, date or a banner like RECEIPT / WELCOME."""
    heights = sorted(max(1, line.bottom - line.top) for line in lines) or [1]
    typical = heights[len(heights) // 2]
    best: tuple[float, str, float] | None = None
    for index, line in enumerate(lines[: max(1, min(stop, 8))]):
        text = _norm(line.text)
        cleaned = _clean_merchant(line)
        letters = sum(ch.isalpha() for ch in cleaned)
        if letters < 3 or letters < 0.5 * len(cleaned.replace(" ", "")):
            continue
        welcome_only = bool(re.fullmatch(r"\s*welcome(\s+to)?\s*[!.:]*", text, re.IGNORECASE))
        if welcome_only or (_NOT_MERCHANT.search(cleaned) and not _WELCOME.match(text)):
            continue
        if _ADDRESS.search(cleaned) and re.search(r"\d", cleaned):
            continue
        if re.match(r"^\d{3,}", cleaned) or re.search(r"\d{4,}", cleaned):
            continue  # a postcode and town, a phone
        if re.search(r",\s*[A-Z]{2}\s+\d", text):
            continue  # "Springfield, IL 62704"
        if _dates_in(text, False):
            continue
        size = max(1, line.bottom - line.top) / typical
        score = 2.0 * min(size, 2.0) - 0.35 * index + line.confidence
        if best is None or score > best[0]:
            best = (score, cleaned, line.confidence * min(1.0, 0.75 + 0.25 * size))
    if best is None:
        return None, 0.0
    return best[1], max(0.05, min(1.0, best[2] * (1.0 if best[0] > 1.5 else 0.8)))


# ---- the receipt ----------------------------------------------------------------------------


@dataclass(slots=True)
class _Line:
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


_QTY_PREFIX = re.compile(r"^\s*(\d{1,3})\s*[xX\u00d7*@]\s+(?=\D)")
_QTY_TABLE = re.compile(r"^\s*(\d{1,2})\s+(?=[A-Za-z])")
_QTY_AT = re.compile(r"(\d{1,3})\s*[xX\u00d7@]\s*$")
_QTY_WORD = re.compile(r"\b(?:QTY|Qty|qty)\s*[:.]?\s*(\d{1,3})\b")
_UNIT_LINE = re.compile(r"^\s*(\d{1,3})\s*[xX\u00d7@*]\s*$")


def _parse_lines(lines: Sequence[OcrLine], digits: int) -> list[_Line]:
    parsed: list[_Line] = []
    for index, line in enumerate(lines):
        text = _norm(line.text)
        money_line = _classify(text) in {"total", "subtotal", "tax", "tip", "payment", "change"}
        priced = [a for a in _amounts(text, digits, money_line) if _fits(a, digits)]
        last = priced[-1] if priced else None
        if last is not None and not _ends_line(text[last.end :]):
            last = None  # a price is printed at the end of its line
        label = text[: last.start] if last else text
        kind: Kind = _classify(label) if last and label.strip() else "other"
        if last and kind == "item" and _is_other(label):
            kind = "other"
        conf = line.confidence
        parsed.append(_Line(index, line, text, kind, label, priced, conf))
    return parsed


def _ends_line(rest: str) -> bool:
    """Whether what follows an amount is only a currency mark, a tax flag or noise."""
    words = re.findall(r"[A-Za-z]+", rest)
    return len(words) <= 1 and all(len(w) <= 4 for w in words)


def _amount_conf(line: _Line, amount: Amount) -> float:
    """The OCR confidence of the words an amount was read from (and its label)."""
    words = line.ocr.words
    if not words:
        return 0.0
    position = 0
    picked: list[float] = []
    for word in words:
        start, end = position, position + len(_norm(word.text))
        if end > amount.start and start < amount.end:
            picked.append(word.confidence)
        position = end + 1
    conf = min(picked) if picked else line.confidence
    if amount.repaired:
        conf *= 0.85
    return conf


@dataclass(slots=True)
class _Choice:
    value: Decimal | None = None
    confidence: float = 0.0


def _support(value: Decimal, evidence: Sequence[tuple[Decimal, float]]) -> tuple[float, int]:
    """How strongly ``value`` is attested: summed weights, then the number of sources."""
    weights = [weight for v, weight in evidence if v == value]
    return sum(weights), len(weights)


def _choose_amounts(parsed: Sequence[_Line], digits: int) -> dict[str, _Choice]:
    def labelled(kind: Kind) -> list[tuple[_Line, Amount]]:
        return [(ln, ln.last) for ln in parsed if ln.kind == kind and ln.last is not None]

    totals = labelled("total")
    subtotals = labelled("subtotal")
    taxes = labelled("tax")
    tips = labelled("tip")
    payments = labelled("payment")
    changes = labelled("change")

    first_money = min((ln.index for ln, _ in [*totals, *subtotals, *taxes]), default=None)
    item_lines = [
        ln
        for ln in parsed
        if ln.kind == "item"
        and ln.last is not None
        and (first_money is None or ln.index < first_money)
    ]
    item_sum = sum((ln.last.value for ln in item_lines if ln.last), Decimal(0))

    tax_value = sum((a.value for _, a in taxes), Decimal(0)) if taxes else None
    tip_value = tips[-1][1].value if tips else None
    sub_value = subtotals[-1][1].value if subtotals else None

    # Totals: every reading with its support.
    evidence: list[tuple[Decimal, float]] = []
    for i, (_, amount) in enumerate(totals):
        evidence.append((amount.value, 3.0 + 0.2 * i))
    card_payments = [a for ln, a in payments if "cash" not in _letters(ln.label).split()]
    for amount in card_payments:
        evidence.append((amount.value, 2.0))
    cash = [a for ln, a in payments if "cash" in _letters(ln.label).split()]
    if cash and changes:
        evidence.append((cash[-1].value - changes[-1][1].value, 1.5))
    if sub_value is not None:
        evidence.append((sub_value + (tax_value or 0) + (tip_value or 0), 2.0))
    if item_lines and sub_value is None:
        evidence.append((item_sum + (tax_value or 0) + (tip_value or 0), 1.0 if totals else 0.5))

    # A total below the subtotal or below one of its items was misread.
    floor = max([sub_value or Decimal(0), *(ln.last.value for ln in item_lines if ln.last)])
    plausible = [(v, w) for v, w in evidence if v >= floor]
    if plausible:
        evidence = plausible
    totals = [(ln, a) for ln, a in totals if a.value >= floor] or totals

    choices: dict[str, _Choice] = {}
    if totals:
        candidates = {v for v, _ in evidence}
        best = max(candidates, key=lambda v: (_support(v, evidence), v))
        line, amount = max(
            ((ln, a) for ln, a in totals if a.value == best),
            key=lambda p: p[0].index,
            default=totals[-1],
        )
        if amount.value != best:  # only the arithmetic or the payment said this
            conf = 0.6 * _amount_conf(line, amount)
        else:
            conf = _amount_conf(line, amount)
        support, _ = _support(best, evidence)
        if support >= 4.5:
            conf = 1 - (1 - conf) * 0.3
        elif support >= 3.5:
            conf = 1 - (1 - conf) * 0.6
        elif len({v for v, _ in evidence}) > 1:
            conf *= 0.8
        choices["total"] = _Choice(best, conf)
    else:
        fallback = [
            (ln, a)
            for ln in parsed
            if ln.kind in {"item", "payment"}
            for a in ln.amounts
            if a.value > 0
        ]
        strong = [(v, w) for v, w in evidence if w >= 1.5]  # payments, subtotal and tax
        if strong:
            best = max({v for v, _ in strong}, key=lambda v: (_support(v, strong), v))
            choices["total"] = _Choice(best, 0.45)
        elif fallback:
            line, amount = max(fallback, key=lambda p: p[1].value)
            choices["total"] = _Choice(amount.value, 0.35 * _amount_conf(line, amount))

    total = choices.get("total", _Choice()).value

    if subtotals:
        line, amount = subtotals[-1]
        sub_evidence = [(amount.value, 3.0)]
        if item_lines:
            sub_evidence.append((item_sum, 1.5))
        if total is not None and (taxes or tips):
            sub_evidence.append((total - (tax_value or 0) - (tip_value or 0), 2.0))
        best = max({v for v, _ in sub_evidence}, key=lambda v: (_support(v, sub_evidence), v))
        conf = _amount_conf(line, amount) * (1.0 if best == amount.value else 0.6)
        if _support(best, sub_evidence)[0] >= 4.5:
            conf = 1 - (1 - conf) * 0.4
        choices["subtotal"] = _Choice(best, conf)
        sub_value = best

    if taxes:
        conf = min(_amount_conf(ln, a) for ln, a in taxes)
        value = tax_value
        if total is not None and sub_value is not None and value is not None:
            implied = total - sub_value - (tip_value or 0)
            if implied == value:
                conf = 1 - (1 - conf) * 0.4
            elif len(taxes) == 1 and implied > 0 and _one_slip(value, implied):
                value, conf = implied, conf * 0.7
        choices["tax"] = _Choice(value, conf)

    if tips:
        line, amount = tips[-1]
        value = amount.value
        conf = _amount_conf(line, amount)
        if total is not None and sub_value is not None:
            implied = total - sub_value - (tax_value or 0)
            if implied == value:
                conf = 1 - (1 - conf) * 0.4
            elif implied > 0 and _one_slip(value, implied):
                value, conf = implied, conf * 0.7
        choices["tip"] = _Choice(value, conf)
    return choices


def _one_slip(a: Decimal, b: Decimal) -> bool:
    """Whether two amounts differ in one printed character (an OCR misread)."""
    sa, sb = f"{a:f}", f"{b:f}"
    if len(sa) != len(sb):
        return False
    return sum(x != y for x, y in zip(sa, sb, strict=True)) == 1


@dataclass(frozen=True, slots=True)
class _Item:
    description: str
    quantity: Decimal | None
    amount: Decimal
    confidence: float


def _clean_description(text: str) -> str:
    text = re.sub(r"(?:\s*[.\-_·:,*'\"~°|]){2,}\s*$", "", text)  # dotted leaders
    text = re.sub(r"\s[.\-_·:,*'\"~°|]+(?=\s|$)", " ", text)
    text = re.sub(r"^[^\w]+", "", text)
    text = re.sub(r"[^\w)%']+$", "", text)
    return re.sub(r"\s+", " ", text).strip()


def _find_items(parsed: Sequence[_Line], digits: int) -> list[_Item]:
    money_lines = [ln.index for ln in parsed if ln.kind in {"total", "subtotal", "tax", "tip"}]
    end = min(money_lines) if money_lines else len(parsed)
    start = 0
    for ln in parsed[:end]:
        if ln.kind == "other" and re.search(
            r"\b(qty|item|description|amount|price)\b", ln.text, re.I
        ):
            start = ln.index + 1  # a column header
    items: list[_Item] = []
    pending: _Line | None = None  # a description whose price is on the next line
    for ln in parsed[start:end]:
        if ln.kind != "item" or ln.last is None:
            letters = sum(ch.isalpha() for ch in ln.text)
            pending = ln if ln.kind == "other" and not ln.amounts and letters >= 3 else None
            if pending is not None and _is_other(ln.text):
                pending = None
            continue
        label = ln.label
        quantity: Decimal | None = None
        description = label
        unit_line = re.fullmatch(
            r"\s*(\d{1,3})\s*[xX\u00d7@*]\s*[$€£¥]?\s*[\d.,:;' ]+[^\w]*", label
        ) or _UNIT_LINE.fullmatch(label)
        if unit_line and pending is not None:
            quantity = Decimal(unit_line.group(1))
            description = pending.text
        elif (m := _QTY_PREFIX.match(label)) is not None:
            quantity = Decimal(m.group(1))
            description = label[m.end() :]
        elif (m := _QTY_WORD.search(label)) is not None:
            quantity = Decimal(m.group(1))
            description = label[: m.start()] + label[m.end() :]
        elif (
            m := re.search(r"(\d{1,3})\s*[xX\u00d7@]\s*[$€£¥]?\s*\d[\d.,' ]*\s*[^\w]*$", label)
        ) is not None:
            quantity = Decimal(m.group(1))
            description = label[: m.start()]
        elif (m := _QTY_TABLE.match(label)) is not None:
            quantity = Decimal(m.group(1))
            description = label[m.end() :]
        description = _clean_description(description)
        pending = None
        if sum(ch.isalpha() for ch in description) < 2:
            continue
        conf = _amount_conf(ln, ln.last) * min(1.0, 0.5 + ln.confidence / 2)
        items.append(_Item(description, quantity, ln.last.value, conf))
    return items


def _checks(
    items: Sequence[_Item], total: Decimal | None, subtotal: Decimal | None,
    tax: Decimal | None, tip: Decimal | None,
) -> dict[str, bool]:  # fmt: skip
    checks: dict[str, bool] = {}
    if items and (subtotal is not None or total is not None):
        target = subtotal if subtotal is not None else total
        checks["items_match_subtotal"] = sum((i.amount for i in items), Decimal(0)) == target
    if total is not None and subtotal is not None:
        checks["parts_match_total"] = subtotal + (tax or 0) + (tip or 0) == total
    return checks


def extract(ocr: OcrText | str) -> Extraction:
    """Fields, a 0..1 confidence for each, and the cross-checks of the totals."""
    if isinstance(ocr, str):
        ocr = text_lines(ocr)
    lines = [line for line in ocr.lines if line.words]

    currency, currency_conf = _pick_currency(lines)
    digits = minor_units(currency)
    parsed = _parse_lines(lines, digits)
    if currency is None:
        currency, currency_conf, digits, parsed = _guess_currency(lines, parsed)

    first_money = next((ln.index for ln in parsed if ln.last is not None), len(parsed))
    first_date = next(
        (i for i, ln in enumerate(lines) if _dates_in(_norm(ln.text), False)), len(lines)
    )
    merchant, merchant_conf = _find_merchant(lines, min(first_money, first_date, 8))
    when, date_conf = _find_date(lines, currency in _MONTH_FIRST)

    choices = _choose_amounts(parsed, digits)
    items = _find_items(parsed, digits)
    total = choices.get("total", _Choice()).value
    subtotal = choices.get("subtotal", _Choice()).value
    tax = choices.get("tax", _Choice()).value
    tip = choices.get("tip", _Choice()).value
    checks = _checks(items, total, subtotal, tax, tip)

    confidence = {name: 0.0 for name in FIELDS}
    confidence["merchant"] = merchant_conf if merchant else 0.0
    confidence["date"] = date_conf if when else 0.0
    confidence["currency"] = currency_conf if currency else 0.0
    for name in ("total", "subtotal", "tax", "tip"):
        choice = choices.get(name)
        if choice is not None and choice.value is not None:
            confidence[name] = choice.confidence
    if items:
        confidence["items"] = _mean(i.confidence for i in items)
    if checks.get("items_match_subtotal"):
        confidence["items"] = 1 - (1 - confidence["items"]) * 0.4
    elif "items_match_subtotal" in checks:
        confidence["items"] *= 0.7
    if checks.get("parts_match_total"):
        for name in ("total", "subtotal"):
            confidence[name] = max(confidence[name], 1 - (1 - confidence[name]) * 0.5)
    confidence = {k: round(max(0.0, min(1.0, v)), 3) for k, v in confidence.items()}

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
    return Extraction(fields, confidence, checks)


def _quantize(value: Decimal | None, digits: int) -> Decimal | None:
    if value is None:
        return None
    return value.quantize(Decimal(1).scaleb(-digits))


def _guess_currency(
    lines: Sequence[OcrLine], parsed: list[_Line]
) -> tuple[str | None, float, int, list[_Line]]:
    """No symbol or code was read: judge the decimals by what is printed, name no currency
    unless the amounts leave little doubt (whole numbers in the thousands: yen)."""
    whole = _parse_lines(lines, 0)
    with_cents = sum(len(ln.amounts) for ln in parsed)
    without = sum(1 for ln in whole for a in ln.amounts if a.value >= 100)
    if with_cents == 0 and without >= 2:
        return "JPY", 0.25, 0, whole
    return None, 0.0, 2, parsed
