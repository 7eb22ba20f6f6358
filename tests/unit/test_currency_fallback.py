"""Unit tests of conversions without a fresh rate: the latest known rate is used and marked stale
(its date and age said), a currency its source stopped quoting is missing, an operator's limit
refuses; and the rates query that means "every known currency". No servers, no I/O, no clock:
every date is fixed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from actors.currency.rules import convert_one, rates_table
from actors.expenses.rules import home_value
from bus.conversions import Conversion, ConvertRequest, RateProblem, RatesQuery, SourceStatus
from bus.fx import MANUAL_SOURCE, RETIRED_AFTER_DAYS, DayRates, MissingRate, RateBook
from storage.rates import awaiting_rates

ECB = "ECB"
LAST = date(2026, 10, 30)  # the store's latest day: 1 EUR = 1.1172 USD = 175.68 JPY
MONTHS_LATER = date(2027, 3, 15)  # 136 days after it
ECB_LAST = DayRates(LAST, {"USD": Decimal("1.1172"), "JPY": Decimal("175.68")}, ECB)


def _book(*days: DayRates, max_age_days: int = 0, stale_after_days: int = 5) -> RateBook:
    book = RateBook(max_age_days=max_age_days, stale_after_days=stale_after_days)
    book.add_all(days)
    return book


def _request(amount: str, frm: str, to: str, on: date) -> ConvertRequest:
    return ConvertRequest.model_validate(
        {"amount": amount, "from": frm, "to": to, "date": on.isoformat()}
    )


# ---- the latest known rate, marked stale ----------------------------------------------------


def test_a_store_months_behind_converts_at_its_latest_rate_marked_stale() -> None:
    book = _book(ECB_LAST)
    result = convert_one(_request("100.00", "USD", "EUR", MONTHS_LATER), book, LAST, 5, set())
    assert isinstance(result, Conversion), result
    assert result.date == MONTHS_LATER
    assert result.rate_date == LAST
    assert result.rate_age_days == 136
    assert result.stale is True
    assert result.rate == Decimal("0.895094880057")  # 1 / 1.1172
    assert result.converted_amount == Decimal("89.51")
    assert result.source == ECB


def test_a_fresh_rate_is_not_stale_and_says_its_age() -> None:
    book = _book(ECB_LAST)
    sunday = date(2026, 11, 1)
    result = convert_one(_request("100.00", "USD", "EUR", sunday), book, LAST, 5, set())
    assert isinstance(result, Conversion), result
    assert (result.rate_date, result.rate_age_days, result.stale) == (LAST, 2, False)
    quote = book.quote("USD", "EUR", sunday)
    assert quote.stale is False
    assert book.quote("USD", "EUR", date(2026, 11, 4)).stale is False  # 5 days: not more than 5
    assert book.quote("USD", "EUR", date(2026, 11, 5)).stale is True


def test_an_operators_limit_refuses_a_rate_older_than_it() -> None:
    book = _book(ECB_LAST, max_age_days=30)
    assert book.quote("USD", "EUR", date(2026, 11, 29)).stale is True  # 30 days: still used
    result = convert_one(_request("100.00", "USD", "EUR", MONTHS_LATER), book, LAST, 5, set())
    assert isinstance(result, RateProblem), result
    assert result.code == "rate_missing"
    assert result.message == (
        "no USD->EUR rate for 2027-03-15: the latest USD rate is from 2026-10-30, "
        "more than 30 days earlier (the limit this installation sets)"
    )


def test_the_rates_table_marks_old_rates_stale_with_their_age() -> None:
    table = rates_table("EUR", None, MONTHS_LATER, _book(ECB_LAST), 5, [SourceStatus(name=ECB)])
    assert set(table.rates) == {"USD", "JPY"}
    assert table.rates["JPY"].rate == Decimal("175.68")
    assert table.rates["JPY"].rate_date == LAST
    assert table.rates["JPY"].rate_age_days == 136
    assert table.rates["JPY"].stale is True
    assert table.missing == {}


# ---- a currency no longer quoted ------------------------------------------------------------


def _published_without_bgn_until(last: date) -> RateBook:
    """BGN quoted on 2025-12-31, then the same source publishing only USD up to ``last``."""
    book = _book(DayRates(date(2025, 12, 31), {"BGN": Decimal("1.9558")}, ECB))
    book.add(DayRates(last, {"USD": Decimal("1.1172")}, ECB))
    return book


def test_a_currency_its_source_stopped_quoting_is_missing_not_frozen() -> None:
    book = _published_without_bgn_until(LAST)
    with pytest.raises(MissingRate) as caught:
        book.quote("BGN", "EUR", date(2026, 11, 2))
    assert str(caught.value) == (
        "no BGN->EUR rate for 2026-11-02: BGN is no longer quoted: the latest BGN rate is from "
        "2025-12-31, and ECB published rates without it up to 2026-10-30"
    )
    assert book.leg("BGN", date(2026, 11, 2)) is None
    # Before its source moved on without it, it is used (stale past stale_after_days).
    quote = book.quote("BGN", "EUR", date(2026, 1, 20))
    assert (quote.rate_date, quote.stale) == (date(2025, 12, 31), True)


def test_a_gap_up_to_the_retirement_limit_is_not_retirement() -> None:
    gap_end = date.fromordinal(date(2025, 12, 31).toordinal() + RETIRED_AFTER_DAYS)
    book = _published_without_bgn_until(gap_end)
    assert book.quote("BGN", "EUR", gap_end).rate_date == date(2025, 12, 31)


def test_operators_rates_never_retire() -> None:
    book = _book(DayRates(date(2026, 1, 5), {"ARS": Decimal("1250")}, MANUAL_SOURCE), ECB_LAST)
    quote = book.quote("ARS", "EUR", MONTHS_LATER)
    assert (quote.rate_date, quote.source, quote.stale) == (date(2026, 1, 5), MANUAL_SOURCE, True)


# ---- what an expense records -----------------------------------------------------------------


def test_an_expense_past_the_store_gets_a_home_value_marked_stale() -> None:
    fields = home_value(_book(ECB_LAST), Decimal("10000"), "JPY", "EUR", MONTHS_LATER)
    assert fields == {
        "home_currency": "EUR",
        "home_amount": Decimal("56.92"),  # 10000 / 175.68 = 56.9216...
        "rate": Decimal("0.00569216757741"),
        "rate_date": "2026-10-30",
        "rate_source": ECB,
        "rate_status": "stale",
    }
    fresh = home_value(_book(ECB_LAST), Decimal("10000"), "JPY", "EUR", date(2026, 11, 1))
    assert fresh["rate_status"] == "ok"
    refused = home_value(
        _book(ECB_LAST, max_age_days=30), Decimal("10000"), "JPY", "EUR", MONTHS_LATER
    )
    assert (refused["rate_status"], refused["home_amount"]) == ("missing", None)


def test_records_waiting_for_a_rate_have_no_upper_date_without_a_limit() -> None:
    days = [date(2026, 11, 3)]
    unlimited = awaiting_rates(days, ["ARS"], 0, "home_currency")
    assert unlimited["date"] == {"$gte": "2026-11-03"}
    limited = awaiting_rates(days, ["ARS"], 30, "home_currency")
    assert limited["date"] == {"$gte": "2026-11-03", "$lte": "2026-12-03"}


# ---- the rates query: absent or empty symbols mean every known currency ----------------------


@pytest.mark.parametrize(
    "params",
    [{}, {"symbols": ""}, {"symbols": " , "}, {"symbols": None}, {"symbols": []}],
)
def test_rates_query_without_symbols_means_every_known_currency(params: dict[str, object]) -> None:
    query = RatesQuery.model_validate(params)
    assert query.symbols is None
    # What the edge sends, the currency actor reads back (it once failed on `symbols: null`).
    assert RatesQuery.model_validate_json(query.model_dump_json()) == query
    table = rates_table("EUR", query.symbols, LAST, _book(ECB_LAST), 5, [])
    assert set(table.rates) == {"USD", "JPY"}


def test_rates_query_reads_comma_separated_and_repeated_symbols() -> None:
    assert RatesQuery.model_validate({"symbols": "USD,,JPY"}).symbols == ["USD", "JPY"]
    assert RatesQuery.model_validate({"symbols": ["USD", "JPY,GBP"]}).symbols == [
        "USD",
        "JPY",
        "GBP",
    ]
    assert rates_table("EUR", [], LAST, _book(ECB_LAST), 5, []).rates.keys() == {"USD", "JPY"}
