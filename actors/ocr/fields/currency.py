"""The currency: symbols, ISO codes (and their usual misreadings) and "prices in EUR" lines vote,
weighted by how near an amount they stand and by whether the amounts are printed with that
currency's decimals; with no vote at all, whole amounts in the thousands suggest yen."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from actors.ocr.fields.amounts import amounts_in
from actors.ocr.fields.lines import ReceiptLine, parse_lines
from actors.ocr.fields.wording import normalise
from actors.ocr.text import OcrLine, mean

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
MONTH_FIRST: Final = frozenset({"USD"})  # currencies whose receipts print the month first

_CODE_RE = re.compile(r"(?<![A-Za-z])([A-Z0-9]{3,5})(?![A-Za-z])")


def minor_units(currency: str | None) -> int:
    """Decimals the currency's amounts are printed with (two when it is not known)."""
    if currency is None:
        return 2
    return 0 if currency in _ZERO_DECIMALS else 3 if currency in {"KWD", "BHD", "OMR", "JOD"} else 2


def currency_and_lines(
    lines: Sequence[OcrLine],
) -> tuple[str | None, float, int, list[ReceiptLine]]:
    """The currency (None if unknown), its confidence, the decimals its amounts are printed
    with, and the lines parsed with those decimals."""
    currency, currency_conf = _pick_currency(lines)
    digits = minor_units(currency)
    parsed = parse_lines(lines, digits)
    if currency is None:
        return _guess_currency(lines, parsed)
    return currency, currency_conf, digits, parsed


@dataclass(frozen=True, slots=True)
class _CurrencyVote:
    code: str
    weight: float
    confidence: float


def _pick_currency(lines: Sequence[OcrLine]) -> tuple[str | None, float]:
    """The currency most voted for and a 0..1 confidence; (None, 0.0) when nothing names one."""
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
    conf = mean(v.confidence for v in votes if v.code == code) or 0.5
    strength = min(1.0, totals[code] / 3.0)
    return code, max(0.05, min(1.0, conf * (0.55 + 0.45 * share) * (0.7 + 0.3 * strength)))


def _guess_currency(
    lines: Sequence[OcrLine], parsed: list[ReceiptLine]
) -> tuple[str | None, float, int, list[ReceiptLine]]:
    """No symbol or code was read: judge the decimals by what is printed, name no currency
    unless the amounts leave little doubt (whole numbers in the thousands: yen)."""
    whole = parse_lines(lines, 0)
    with_cents = sum(len(ln.amounts) for ln in parsed)
    without = sum(1 for ln in whole for a in ln.amounts if a.value >= 100)
    if with_cents == 0 and without >= 2:
        return "JPY", 0.25, 0, whole
    return None, 0.0, 2, parsed


def _currency_votes(lines: Sequence[OcrLine]) -> list[_CurrencyVote]:
    votes: list[_CurrencyVote] = []
    for line in lines:
        conf = line.confidence
        if conf < 0.6:  # rules and specks read as letters ("DKK KKK", "€ * *")
            continue
        votes.extend(_line_votes(normalise(line.text), conf))
    return votes


def _line_votes(text: str, conf: float) -> list[_CurrencyVote]:
    """One line's votes: a prefixed dollar or a code beside an amount counts most, a symbol
    beside a digit less, a code or symbol on its own little."""
    votes: list[_CurrencyVote] = []
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
        amounts = amounts_in(normalise(line.text), digits)
        if amounts:
            total += 1
            fits += amounts[-1].decimals == digits
    return fits / total if total else 0.5
