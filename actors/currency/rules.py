"""Pure rules of the currency actor: which incoming rates are believable, and answering queries
from a rate book."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bus.conversions import (
    Conversion,
    ConvertRequest,
    RateEntry,
    RateProblem,
    RatesTable,
    SourceStatus,
)
from bus.fx import DayRates, MissingRate, Quote, RateBook
from bus.money import MoneyError, check_rate


def judge_rate(code: str, rate: Decimal, previous: Decimal | None, max_jump: float) -> str | None:
    """None if ``rate`` (units of ``code`` per EUR) is believable, else why not: not positive,
    out of bounds, or ``max_jump`` times away from the last known rate."""
    try:
        check_rate(rate)
    except MoneyError as exc:
        return str(exc)
    if previous is not None and previous > 0:
        ratio = rate / previous
        if ratio > Decimal(str(max_jump)) or ratio < 1 / Decimal(str(max_jump)):
            return (
                f"{rate} is more than {max_jump:g} times away from the last known {code} "
                f"rate {previous}"
            )
    return None


def judge_day(
    day_rates: DayRates, book: RateBook, max_jump: float
) -> tuple[DayRates | None, dict[str, str]]:
    """The believable part of a day's rates (None if nothing is) and, per refused currency,
    why. Codes the money rules no longer know (retired ones such as ``ROL`` in the ECB history)
    are kept: they are history, and no amount can be in them."""
    kept: dict[str, Decimal] = {}
    refused: dict[str, str] = {}
    for code, rate in day_rates.rates.items():
        previous = book.leg(code, day_rates.day)
        reason = judge_rate(code, rate, previous.rate if previous else None, max_jump)
        if reason is None:
            kept[code] = rate
        else:
            refused[code] = reason
    if not kept:
        return None, refused
    return DayRates(day_rates.day, kept, day_rates.source), refused


def is_stale(quote: Quote, stale_after_days: int, failing_sources: set[str]) -> bool:
    """Whether to tell the caller a quote may be out of date: its rate is older than
    ``stale_after_days`` (the latest known, used for want of a newer one), or a source of it
    is failing to refresh."""
    return quote.age_days() > stale_after_days or any(
        part in failing_sources for part in quote.source.split("+")
    )


def convert_one(
    request: ConvertRequest,
    book: RateBook,
    today: date,
    stale_after_days: int,
    failing_sources: set[str],
) -> Conversion | RateProblem:
    """One conversion at the rate of its day, or why it cannot be made."""
    on = request.date or today
    try:
        quote = book.quote(request.from_currency, request.to_currency, on)
    except MissingRate as exc:
        return RateProblem(code="rate_missing", message=str(exc))
    return Conversion(
        amount=request.amount,
        from_currency=request.from_currency,
        to_currency=request.to_currency,
        date=on,
        converted_amount=quote.convert(request.amount),
        rate=quote.rate,
        rate_date=quote.rate_date,
        rate_age_days=quote.age_days(),
        source=quote.source,
        stale=is_stale(quote, stale_after_days, failing_sources),
    )


def rates_table(
    base: str,
    symbols: list[str] | None,
    on: date,
    book: RateBook,
    stale_after_days: int,
    sources: list[SourceStatus],
) -> RatesTable:
    """Every requested currency's rate against ``base`` for ``on`` (every known one when
    ``symbols`` is None or empty), and the ones missing."""
    failing = {s.name for s in sources if s.stale}
    wanted = symbols or [c for c in book.currencies() if c != base]
    rates: dict[str, RateEntry] = {}
    missing: dict[str, str] = {}
    for code in dict.fromkeys(wanted):
        if code == base:
            continue
        try:
            quote = book.quote(base, code, on)
        except MissingRate as exc:
            missing[code] = str(exc)
            continue
        rates[code] = RateEntry(
            rate=quote.rate,
            rate_date=quote.rate_date,
            rate_age_days=quote.age_days(),
            source=quote.source,
            stale=is_stale(quote, stale_after_days, failing),
        )
    return RatesTable(base=base, date=on, rates=rates, missing=missing, sources=sources)
