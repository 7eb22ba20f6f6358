"""Unit tests of the currency rules: minor units, half-even rounding, cross rates, the dated
rate book and the currency actor's pure rules. No servers, no I/O.

Reference rates are the ECB's for Friday 2026-10-30: 1 EUR = 1.1172 USD = 175.68 JPY. Every
expected value below was worked out by hand (long division to 12 significant digits):

    1 / 175.68      = 0.005692167577413479...  -> 0.00569216757741
    175.68 / 1.1172 = 157.250268528464017...   -> 157.250268528
    1 / 1.1172      = 0.895094880057286072...  -> 0.895094880057
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from actors.currency.rules import convert_one, is_stale, judge_day, judge_rate, rates_table
from bus.conversions import Conversion, ConvertRequest, RateProblem, SourceStatus
from bus.fx import IDENTITY_SOURCE, MANUAL_SOURCE, DayRates, MissingRate, Quote, RateBook
from bus.money import (
    MoneyError,
    check_precision,
    check_rate,
    convert,
    cross_rate,
    minor_units,
    round_rate,
    round_to_currency,
)

ECB = "ECB"
THU = date(2026, 10, 29)
FRI = date(2026, 10, 30)
SAT = date(2026, 10, 31)
SUN = date(2026, 11, 1)
MON = date(2026, 11, 2)

ECB_FRIDAY = DayRates(FRI, {"USD": Decimal("1.1172"), "JPY": Decimal("175.68")}, ECB)


def _book(*days: DayRates, max_age_days: int = 30) -> RateBook:
    book = RateBook(max_age_days=max_age_days)
    book.add_all(days)
    return book


def _request(amount: str, frm: str, to: str, on: str | None = "2026-10-30") -> ConvertRequest:
    return ConvertRequest.model_validate({"amount": amount, "from": frm, "to": to, "date": on})


# ---- minor units and precision ------------------------------------------------------------


@pytest.mark.parametrize(("currency", "digits"), [("JPY", 0), ("USD", 2), ("EUR", 2), ("KWD", 3)])
def test_minor_units_come_from_babel(currency: str, digits: int) -> None:
    assert minor_units(currency) == digits


@pytest.mark.parametrize(("amount", "currency"), [("1.5", "JPY"), ("1.2345", "KWD")])
def test_check_precision_rejects_too_many_decimals(amount: str, currency: str) -> None:
    with pytest.raises(MoneyError, match=f"{currency} has"):
        check_precision(Decimal(amount), currency)


def test_check_precision_pads_to_the_currency_minor_units() -> None:
    result = check_precision(Decimal("7.5"), "USD")
    assert result == Decimal("7.50")
    assert str(result) == "7.50"
    assert str(check_precision(Decimal("1.230"), "KWD")) == "1.230"
    assert str(check_precision(Decimal("1500.00"), "JPY")) == "1500"


# ---- half-even rounding -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("0.125", "USD", "0.12"),
        ("0.135", "USD", "0.14"),
        ("0.1251", "USD", "0.13"),
        ("2.5", "JPY", "2"),
        ("3.5", "JPY", "4"),
        ("1.0005", "KWD", "1.000"),
        ("1.0015", "KWD", "1.002"),
    ],
)
def test_round_to_currency_is_half_even(amount: str, currency: str, expected: str) -> None:
    rounded = round_to_currency(Decimal(amount), currency)
    assert rounded == Decimal(expected)
    assert str(rounded) == expected


def test_convert_rounds_the_product_half_even_to_the_target() -> None:
    # 10000 * 0.00569216757741 = 56.9216757741
    assert convert(Decimal("10000"), Decimal("0.00569216757741"), "EUR") == Decimal("56.92")
    # 0.02 * 125 = 2.5 and 0.06 * 125 = 7.5: halves go to the even yen
    assert convert(Decimal("0.02"), Decimal("125"), "JPY") == Decimal("2")
    assert convert(Decimal("0.06"), Decimal("125"), "JPY") == Decimal("8")


# ---- rates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "expected"),
    [
        ("0.0008000", "0.0008"),
        ("1.50000", "1.5"),
        ("2.000000000015", "2.00000000002"),  # 13th digit 5 after odd 1: up
        ("2.000000000025", "2.00000000002"),  # 13th digit 5 after even 2: stays
        ("0.1234567890125", "0.123456789012"),
        ("0.12345678901251", "0.123456789013"),  # above the half: up
    ],
)
def test_round_rate_keeps_12_significant_digits_half_even(rate: str, expected: str) -> None:
    rounded = round_rate(Decimal(rate))
    assert rounded == Decimal(expected)
    assert str(rounded) == expected


def test_round_rate_of_one_over_1250_has_no_trailing_zeros() -> None:
    assert str(round_rate(Decimal(1) / Decimal(1250))) == "0.0008"
    assert str(cross_rate(Decimal("1250"), Decimal("1"))) == "0.0008"


def test_cross_rates_from_ecb_reference_rates() -> None:
    jpy_to_eur = cross_rate(Decimal("175.68"), Decimal("1"))
    usd_to_jpy = cross_rate(Decimal("1.1172"), Decimal("175.68"))
    usd_to_eur = cross_rate(Decimal("1.1172"), Decimal("1"))
    assert jpy_to_eur == Decimal("0.00569216757741")
    assert str(jpy_to_eur) == "0.00569216757741"
    assert usd_to_jpy == Decimal("157.250268528")
    assert str(usd_to_jpy) == "157.250268528"
    assert usd_to_eur == Decimal("0.895094880057")
    assert str(usd_to_eur) == "0.895094880057"


@pytest.mark.parametrize(
    "rate", ["0", "-1.1172", "NaN", "sNaN", "Infinity", "-Infinity", "0.0000009", "10000000.01"]
)
def test_check_rate_refuses_unbelievable_rates(rate: str) -> None:
    with pytest.raises(MoneyError):
        check_rate(Decimal(rate))


@pytest.mark.parametrize("rate", ["0.000001", "1.1172", "175.68", "10000000"])
def test_check_rate_accepts_rates_within_bounds(rate: str) -> None:
    assert check_rate(Decimal(rate)) == Decimal(rate)


# ---- the rate book ------------------------------------------------------------------------


@pytest.mark.parametrize("on", [FRI, SAT, SUN])
def test_friday_rate_is_used_on_the_weekend(on: date) -> None:
    book = _book(ECB_FRIDAY, DayRates(MON, {"JPY": Decimal("180")}, ECB))
    quote = book.quote("EUR", "JPY", on)
    assert quote.rate == Decimal("175.68")
    assert quote.rate_date == FRI
    assert quote.on == on
    assert quote.age_days() == (on - FRI).days
    assert book.quote("EUR", "JPY", MON).rate == Decimal("180")


def test_day_before_the_first_rate_is_missing() -> None:
    book = _book(ECB_FRIDAY)
    with pytest.raises(MissingRate) as caught:
        book.quote("JPY", "EUR", THU)
    message = str(caught.value)
    assert "JPY->EUR" in message
    assert "2026-10-29" in message
    assert "rates start on 2026-10-30" in message
    assert message == "no JPY->EUR rate for 2026-10-29: JPY rates start on 2026-10-30"
    assert caught.value.from_currency == "JPY"
    assert caught.value.to_currency == "EUR"
    assert caught.value.on == THU


def test_currency_never_seen_is_missing() -> None:
    book = _book(ECB_FRIDAY)
    with pytest.raises(MissingRate, match="there is no ARS rate at all") as caught:
        book.quote("USD", "ARS", FRI)
    assert str(caught.value) == "no USD->ARS rate for 2026-10-30: there is no ARS rate at all"


def test_rate_older_than_max_age_is_missing() -> None:
    book = _book(ECB_FRIDAY, max_age_days=5)
    assert book.quote("EUR", "USD", date(2026, 11, 4)).rate == Decimal("1.1172")  # 5 days old
    with pytest.raises(MissingRate, match="more than 5 days earlier") as caught:
        book.quote("EUR", "USD", date(2026, 11, 5))
    assert str(caught.value) == (
        "no EUR->USD rate for 2026-11-05: the latest USD rate is from 2026-10-30, "
        "more than 5 days earlier (the limit this installation sets)"
    )
    assert book.leg("USD", date(2026, 11, 5)) is None


def test_base_to_base_is_identity() -> None:
    for book in (RateBook(), _book(ECB_FRIDAY)):
        quote = book.quote("EUR", "EUR", THU)
        assert quote.rate == Decimal("1")
        assert quote.rate_date == THU
        assert quote.source == IDENTITY_SOURCE
        assert quote.convert(Decimal("12.34")) == Decimal("12.34")


def test_base_to_currency_uses_that_currency_leg() -> None:
    quote = _book(ECB_FRIDAY).quote("EUR", "USD", SUN)
    assert quote.rate == Decimal("1.1172")
    assert quote.rate_date == FRI
    assert quote.source == ECB


def test_cross_rate_goes_through_the_base_with_the_older_date_and_joined_sources() -> None:
    book = _book(
        DayRates(THU, {"USD": Decimal("1.1172")}, MANUAL_SOURCE),
        DayRates(FRI, {"JPY": Decimal("175.68")}, ECB),
    )
    quote = book.quote("USD", "JPY", FRI)
    assert quote.rate == Decimal("157.250268528")
    assert quote.rate_date == THU
    assert quote.source == "ECB+manual"
    assert quote.age_days() == 1
    reverse = book.quote("JPY", "USD", FRI)
    assert reverse.rate_date == THU
    assert reverse.source == "ECB+manual"


def test_cross_rate_from_one_source_names_it_once() -> None:
    quote = _book(ECB_FRIDAY).quote("USD", "JPY", FRI)
    assert quote.rate == Decimal("157.250268528")
    assert quote.rate_date == FRI
    assert quote.source == ECB


def test_manual_rate_wins_over_ecb_whatever_the_order() -> None:
    manual = DayRates(FRI, {"USD": Decimal("1.2")}, MANUAL_SOURCE)
    ecb_then_manual = _book(ECB_FRIDAY, manual)
    manual_then_ecb = _book(manual, ECB_FRIDAY)
    for book in (ecb_then_manual, manual_then_ecb):
        quote = book.quote("EUR", "USD", FRI)
        assert quote.rate == Decimal("1.2")
        assert quote.source == MANUAL_SOURCE
        # the manual day only covered USD: JPY still comes from the ECB
        assert book.quote("EUR", "JPY", FRI).source == ECB


def test_a_later_provider_rate_on_another_day_is_used() -> None:
    book = _book(
        DayRates(THU, {"USD": Decimal("1.2")}, MANUAL_SOURCE),
        ECB_FRIDAY,
    )
    assert book.quote("EUR", "USD", THU).source == MANUAL_SOURCE
    quote = book.quote("EUR", "USD", FRI)
    assert quote.rate == Decimal("1.1172")
    assert quote.source == ECB


def test_adding_the_same_day_twice_is_idempotent() -> None:
    once = _book(ECB_FRIDAY)
    twice = _book(ECB_FRIDAY, ECB_FRIDAY)
    assert twice.currencies() == once.currencies() == ["EUR", "JPY", "USD"]
    assert twice.first_day() == once.first_day() == FRI
    assert twice.last_day() == once.last_day() == FRI
    assert twice.quote("USD", "JPY", SAT) == once.quote("USD", "JPY", SAT)
    with pytest.raises(MissingRate, match="rates start on 2026-10-30"):
        twice.quote("EUR", "USD", THU)


def test_quote_convert_rounds_to_target_minor_units() -> None:
    book = _book(ECB_FRIDAY, DayRates(FRI, {"KWD": Decimal("0.3405")}, ECB))
    # 10 * 157.250268528 = 1572.50268528 JPY
    assert book.quote("USD", "JPY", FRI).convert(Decimal("10")) == Decimal("1573")
    # 100 * 0.895094880057 = 89.5094880057 EUR
    assert book.quote("USD", "EUR", FRI).convert(Decimal("100")) == Decimal("89.51")
    # 1.25 * 0.3405 = 0.425625 KWD
    kwd = book.quote("EUR", "KWD", FRI).convert(Decimal("1.25"))
    assert kwd == Decimal("0.426")
    assert str(kwd) == "0.426"
    half = Quote("EUR", "JPY", FRI, Decimal("125"), FRI, MANUAL_SOURCE)
    assert half.convert(Decimal("0.02")) == Decimal("2")  # 2.5
    assert half.convert(Decimal("0.06")) == Decimal("8")  # 7.5


def test_first_last_day_and_currencies() -> None:
    empty = RateBook()
    assert empty.first_day() is None
    assert empty.last_day() is None
    assert empty.currencies() == ["EUR"]
    book = _book(
        DayRates(MON, {"USD": Decimal("1.1")}, ECB),
        DayRates(THU, {"JPY": Decimal("175"), "EUR": Decimal("1")}, ECB),
        ECB_FRIDAY,
    )
    assert book.first_day() == THU
    assert book.last_day() == MON
    assert book.currencies() == ["EUR", "JPY", "USD"]


# ---- judging incoming rates ---------------------------------------------------------------


def test_judge_rate_keeps_a_believable_rate() -> None:
    assert judge_rate("JPY", Decimal("176.10"), Decimal("175.68"), 10.0) is None
    assert judge_rate("JPY", Decimal("175.68"), None, 10.0) is None
    # exactly ten times either way is not "more than" ten times
    assert judge_rate("JPY", Decimal("1756.8"), Decimal("175.68"), 10.0) is None
    assert judge_rate("JPY", Decimal("17.568"), Decimal("175.68"), 10.0) is None


@pytest.mark.parametrize("rate", ["1757", "17.5"])
def test_judge_rate_refuses_a_jump_of_more_than_max_jump(rate: str) -> None:
    reason = judge_rate("JPY", Decimal(rate), Decimal("175.68"), 10.0)
    assert reason == (f"{rate} is more than 10 times away from the last known JPY rate 175.68")


def test_judge_rate_refuses_zero_and_out_of_bounds() -> None:
    assert judge_rate("USD", Decimal("0"), None, 10.0) == "a rate must be a positive number; got 0"
    assert judge_rate("USD", Decimal("-1"), Decimal("1.1172"), 10.0) is not None
    reason = judge_rate("USD", Decimal("20000000"), None, 10.0)
    assert reason is not None
    assert "outside" in reason


def test_judge_day_keeps_good_rates_and_retired_codes() -> None:
    book = _book(DayRates(THU, {"USD": Decimal("1.1172"), "JPY": Decimal("175.68")}, ECB))
    incoming = DayRates(
        FRI,
        {
            "USD": Decimal("11.5"),
            "JPY": Decimal("175.5"),
            "ROL": Decimal("41000"),
            "XYZ": Decimal("0"),
        },
        ECB,
    )
    kept, refused = judge_day(incoming, book, 10.0)
    assert kept == DayRates(FRI, {"JPY": Decimal("175.5"), "ROL": Decimal("41000")}, ECB)
    assert set(refused) == {"USD", "XYZ"}
    assert refused["USD"] == "11.5 is more than 10 times away from the last known USD rate 1.1172"
    assert refused["XYZ"] == "a rate must be a positive number; got 0"


def test_judge_day_refuses_a_retired_code_only_on_bounds() -> None:
    kept, refused = judge_day(DayRates(FRI, {"ROL": Decimal("20000000")}, ECB), RateBook(), 10.0)
    assert kept is None
    assert set(refused) == {"ROL"}


def test_judge_day_with_everything_refused_returns_none() -> None:
    book = _book(ECB_FRIDAY)
    incoming = DayRates(SAT, {"USD": Decimal("0"), "JPY": Decimal("1.5")}, ECB)
    kept, refused = judge_day(incoming, book, 10.0)
    assert kept is None
    assert refused == {
        "USD": "a rate must be a positive number; got 0",
        "JPY": "1.5 is more than 10 times away from the last known JPY rate 175.68",
    }


# ---- conversions --------------------------------------------------------------------------


def test_convert_one_missing_rate_is_a_problem() -> None:
    result = convert_one(_request("10", "EUR", "ARS"), _book(ECB_FRIDAY), FRI, 4, set())
    assert result == RateProblem(
        code="rate_missing",
        message="no EUR->ARS rate for 2026-10-30: there is no ARS rate at all",
    )


def test_convert_one_before_the_first_rate_is_a_problem() -> None:
    result = convert_one(
        _request("10", "USD", "EUR", "2026-10-29"), _book(ECB_FRIDAY), FRI, 4, set()
    )
    assert isinstance(result, RateProblem)
    assert result.code == "rate_missing"
    assert "USD rates start on 2026-10-30" in result.message


def test_convert_one_converts_at_the_rate_of_the_day() -> None:
    result = convert_one(_request("10000", "JPY", "EUR"), _book(ECB_FRIDAY), MON, 4, set())
    assert result == Conversion.model_validate(
        {
            "amount": "10000",
            "from": "JPY",
            "to": "EUR",
            "date": "2026-10-30",
            "converted_amount": "56.92",  # 10000 * 0.00569216757741 = 56.9216757741
            "rate": "0.00569216757741",
            "rate_date": "2026-10-30",
            "source": ECB,
            "stale": False,
        }
    )
    assert isinstance(result, Conversion)
    assert result.converted_amount == Decimal("56.92")
    assert result.rate == Decimal("0.00569216757741")


def test_convert_one_uses_today_without_a_date() -> None:
    result = convert_one(_request("100", "USD", "EUR", None), _book(ECB_FRIDAY), SUN, 4, set())
    assert isinstance(result, Conversion)
    assert result.date == SUN
    assert result.rate_date == FRI
    assert result.rate == Decimal("0.895094880057")
    assert result.converted_amount == Decimal("89.51")  # 89.5094880057
    assert result.stale is False


@pytest.mark.parametrize(("amount", "expected"), [("0.02", "2"), ("0.06", "8"), ("0.10", "12")])
def test_convert_one_rounds_half_even(amount: str, expected: str) -> None:
    book = _book(DayRates(FRI, {"JPY": Decimal("125")}, MANUAL_SOURCE))
    result = convert_one(_request(amount, "EUR", "JPY"), book, FRI, 4, set())
    assert isinstance(result, Conversion)
    assert result.rate == Decimal("125")
    assert result.converted_amount == Decimal(expected)  # 2.5, 7.5, 12.5
    assert result.source == MANUAL_SOURCE


@pytest.mark.parametrize(
    ("on", "failing", "stale"),
    [
        ("2026-10-30", set(), False),
        ("2026-11-03", set(), False),  # 4 days old: not more than 4
        ("2026-11-04", set(), True),  # 5 days old
        ("2026-10-30", {ECB}, True),
        ("2026-10-30", {"other"}, False),
    ],
)
def test_convert_one_stale(on: str, failing: set[str], stale: bool) -> None:
    result = convert_one(_request("10", "USD", "EUR", on), _book(ECB_FRIDAY), FRI, 4, failing)
    assert isinstance(result, Conversion)
    assert result.stale is stale


def test_is_stale_when_any_source_of_a_cross_rate_fails() -> None:
    quote = Quote("USD", "JPY", FRI, Decimal("157.250268528"), THU, "ECB+manual")
    assert is_stale(quote, 4, set()) is False
    assert is_stale(quote, 4, {MANUAL_SOURCE}) is True
    assert is_stale(quote, 4, {ECB}) is True
    assert is_stale(quote, 0, set()) is True


# ---- rates table --------------------------------------------------------------------------


def test_rates_table_lists_requested_symbols_and_missing_ones() -> None:
    sources = [SourceStatus(name=ECB)]
    table = rates_table(
        "USD", ["JPY", "EUR", "ARS", "USD", "JPY"], SAT, _book(ECB_FRIDAY), 4, sources
    )
    assert table.base == "USD"
    assert table.date == SAT
    assert list(table.rates) == ["JPY", "EUR"]
    assert table.rates["JPY"].rate == Decimal("157.250268528")
    assert table.rates["EUR"].rate == Decimal("0.895094880057")
    assert table.rates["JPY"].rate_date == FRI
    assert table.rates["JPY"].source == ECB
    assert table.rates["JPY"].stale is False
    assert table.missing == {"ARS": "no USD->ARS rate for 2026-10-31: there is no ARS rate at all"}
    assert table.sources == sources


def test_rates_table_defaults_to_every_known_currency() -> None:
    sources = [SourceStatus(name=ECB, stale=True)]
    table = rates_table("EUR", None, FRI, _book(ECB_FRIDAY), 4, sources)
    assert set(table.rates) == {"USD", "JPY"}
    assert table.rates["USD"].rate == Decimal("1.1172")
    assert table.rates["JPY"].rate == Decimal("175.68")
    assert all(entry.stale for entry in table.rates.values())  # the ECB source is failing
    assert table.missing == {}
