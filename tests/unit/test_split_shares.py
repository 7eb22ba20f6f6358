"""Unit tests of one bill's split: who paid, who owes what, in exact minor units.

Properties are checked with hypothesis over JPY (0 decimals), USD and EUR (2) and KWD (3):
every split adds up to exactly the amount, every share is non-negative and in minor units,
every listed member is present, and leftover minor units go by largest remainder, ties to the
smallest user id, whatever order the input was given in. No servers, no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actors.splits.shares import (
    Part,
    paid_shares,
    parts,
    rescale,
    settlement_parts,
)
from actors.splits.split_inputs import SplitError
from actors.splits.split_methods import owed_shares
from actors.splits.units import allocate, from_units, to_units
from bus.money import check_precision, minor_units

D = Decimal
CURRENCIES = ("JPY", "USD", "KWD", "EUR")
PROPERTY = settings(max_examples=200, deadline=None)

currencies = st.sampled_from(CURRENCIES)
user_ids = st.lists(
    st.text(alphabet="abcdefghij", min_size=1, max_size=3), min_size=1, max_size=8, unique=True
)
amount_units = st.integers(min_value=0, max_value=10**9)


def _fits(amount: Decimal, currency: str) -> bool:
    return check_precision(amount, currency) == amount and amount == from_units(
        to_units(amount, currency), currency
    )


def _check_split(result: dict[str, Decimal], amount: Decimal, currency: str) -> None:
    assert sum(result.values(), D(0)) == amount
    for value in result.values():
        assert value >= 0
        assert _fits(value, currency)
        assert value.as_tuple().exponent == -minor_units(currency)
    assert list(result) == sorted(result)


def _partition(data: st.DataObject, total: int, count: int) -> list[int]:
    """``count`` non-negative integers that add up to ``total``."""
    cuts = sorted(
        data.draw(st.lists(st.integers(0, total), min_size=count - 1, max_size=count - 1))
    )
    bounds = [0, *cuts, total]
    return [bounds[i + 1] - bounds[i] for i in range(count)]


def _error(call: object, *args: object) -> SplitError:
    assert callable(call)
    with pytest.raises(SplitError) as caught:
        call(*args)
    return caught.value


# --- allocate ----------------------------------------------------------------------------------


def test_allocate_gives_leftover_to_the_largest_remainder() -> None:
    # 1.00 by 1:2 is 33.33... and 66.66...: the leftover cent goes to the larger remainder.
    assert allocate(D("1.00"), {"a": D(1), "b": D(2)}, "USD") == {"a": D("0.33"), "b": D("0.67")}
    # 0.10 by 1:1:1 leaves one cent with equal remainders: the smallest user id gets it.
    assert allocate(D("0.10"), {"c": D(1), "a": D(1), "b": D(1)}, "USD") == {
        "a": D("0.04"),
        "b": D("0.03"),
        "c": D("0.03"),
    }
    # 0.05 by four equal weights: 1 cent each, the fifth to "a" whatever the listing order.
    assert allocate(D("0.05"), {"d": D(1), "c": D(1), "b": D(1), "a": D(1)}, "USD") == {
        "a": D("0.02"),
        "b": D("0.01"),
        "c": D("0.01"),
        "d": D("0.01"),
    }


def test_allocate_keeps_zero_weights_with_zero() -> None:
    assert allocate(D("7"), {"a": D(0), "b": D(3), "c": D(4)}, "JPY") == {
        "a": D(0),
        "b": D(3),
        "c": D(4),
    }


@pytest.mark.parametrize(
    ("total", "weights"),
    [
        (D("1.00"), {}),
        (D("1.00"), {"a": D(0)}),
        (D("1.00"), {"a": D(-1), "b": D(2)}),
        (D("-1.00"), {"a": D(1)}),
        (D("1.001"), {"a": D(1)}),
        (D("1.00"), {"a": D("NaN")}),
    ],
)
def test_allocate_refuses_what_cannot_be_allocated(
    total: Decimal, weights: dict[str, Decimal]
) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - MoneyError is a ValueError too
        allocate(total, weights, "USD")


@PROPERTY
@given(
    currency=currencies,
    units=amount_units,
    weights=st.dictionaries(
        st.text(alphabet="abcdef", min_size=1, max_size=2),
        st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False),
        min_size=1,
        max_size=8,
    ),
    data=st.data(),
)
def test_allocate_is_exact_proportional_and_order_free(
    currency: str, units: int, weights: dict[str, Decimal], data: st.DataObject
) -> None:
    if sum(weights.values()) == 0:
        weights[min(weights)] = D(1)
    total = from_units(units, currency)
    result = allocate(total, weights, currency)
    _check_split(result, total, currency)
    assert result.keys() == weights.keys()
    whole = sum(weights.values(), D(0))
    quantum = from_units(1, currency)
    for key, weight in weights.items():
        exact = total * weight / whole
        assert abs(result[key] - exact) < quantum  # floor or floor + one unit
        if weight == 0:
            assert result[key] == 0
    shuffled = data.draw(st.permutations(list(weights.items())))
    assert allocate(total, dict(shuffled), currency) == result


# --- equal -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (D("100.00"), "USD", ("33.34", "33.33", "33.33")),
        (D("1000"), "JPY", ("334", "333", "333")),
        (D("10.000"), "KWD", ("3.334", "3.333", "3.333")),
        (D("0.02"), "EUR", ("0.01", "0.01", "0.00")),
    ],
)
def test_equal_split_gives_the_extra_unit_to_the_smallest_user_id(
    amount: Decimal, currency: str, expected: tuple[str, str, str]
) -> None:
    for members in (["ann", "bob", "cat"], ["cat", "bob", "ann"], ["bob", "cat", "ann"]):
        result = owed_shares(amount, currency, "equal", members, None)
        assert result == dict(zip(["ann", "bob", "cat"], map(D, expected), strict=True))
        assert [str(value) for value in result.values()] == list(expected)


@PROPERTY
@given(currency=currencies, units=amount_units, members=user_ids, data=st.data())
def test_equal_split_adds_up_and_differs_by_at_most_one_unit(
    currency: str, units: int, members: list[str], data: st.DataObject
) -> None:
    amount = from_units(units, currency)
    result = owed_shares(amount, currency, "equal", members, None)
    _check_split(result, amount, currency)
    assert set(result) == set(members)
    owed_units = [to_units(result[user], currency) for user in sorted(members)]
    base, extra = divmod(units, len(members))
    assert owed_units == [base + 1] * extra + [base] * (len(members) - extra)
    shuffled = data.draw(st.permutations(members))
    assert owed_shares(amount, currency, "equal", shuffled, None) == result


def test_equal_split_refuses_bad_members() -> None:
    error = _error(owed_shares, D("10.00"), "USD", "equal", ["a", "b", "a"], None)
    assert error.field == "split.members.2"
    assert "a is listed twice" in error.message
    assert _error(owed_shares, D("10.00"), "USD", "equal", [], None).field == "split.members"
    missing = _error(owed_shares, D("10.00"), "USD", "equal", None, [("a", D(1))])
    assert missing.field == "split.members"
    assert _error(owed_shares, D("10.00"), "USD", "equal", ["a", ""], None).field == (
        "split.members.1"
    )


# --- exact -------------------------------------------------------------------------------------


def test_exact_shares_that_do_not_add_up_say_by_how_much() -> None:
    short = _error(
        owed_shares, D("100.00"), "USD", "exact", None, [("a", D("60.00")), ("b", D("35"))]
    )
    assert short.message == "exact shares add up to 95.00, 5.00 short of the amount 100.00"
    assert short.field == "split.shares"
    assert str(short) == short.message
    over = _error(
        owed_shares, D("100"), "USD", "exact", None, [("a", D("60.00")), ("b", D("45.00"))]
    )
    assert over.message == "exact shares add up to 105.00, 5.00 over the amount 100.00"
    yen = _error(owed_shares, D("1000"), "JPY", "exact", None, [("a", D(900))])
    assert yen.message == "exact shares add up to 900, 100 short of the amount 1000"
    kwd = _error(owed_shares, D("1"), "KWD", "exact", None, [("a", D("1.001"))])
    assert kwd.message == "exact shares add up to 1.001, 0.001 over the amount 1.000"


def test_exact_shares_refuse_negative_too_precise_and_duplicate_values() -> None:
    negative = [("a", D("110.00")), ("b", D("-10.00"))]
    error = _error(owed_shares, D("100.00"), "USD", "exact", None, negative)
    assert error.field == "split.shares.1.value"
    precise = [("a", D("99.995")), ("b", D("0.005"))]
    error = _error(owed_shares, D("100.00"), "USD", "exact", None, precise)
    assert error.field == "split.shares.0.value"
    twice = [("a", D("50")), ("b", D("25")), ("a", D("25"))]
    error = _error(owed_shares, D("100.00"), "USD", "exact", None, twice)
    assert error.field == "split.shares.2.user_id"
    assert "a is listed twice" in error.message
    assert _error(owed_shares, D("1"), "USD", "exact", None, None).field == "split.shares"
    assert _error(owed_shares, D("1"), "USD", "exact", ["a"], []).field == "split.shares"


@PROPERTY
@given(currency=currencies, units=amount_units, members=user_ids, data=st.data())
def test_exact_shares_that_add_up_are_kept(
    currency: str, units: int, members: list[str], data: st.DataObject
) -> None:
    amount = from_units(units, currency)
    values = _partition(data, units, len(members))
    shares = [(user, from_units(v, currency)) for user, v in zip(members, values, strict=True)]
    result = owed_shares(amount, currency, "exact", None, shares)
    _check_split(result, amount, currency)
    assert result == dict(shares)


@PROPERTY
@given(currency=currencies, units=amount_units, members=user_ids, data=st.data())
def test_exact_shares_off_by_any_amount_say_so(
    currency: str, units: int, members: list[str], data: st.DataObject
) -> None:
    # Every total from 0 to units + 10**6 but units itself, drawn without rejection: the
    # totals from units on are shifted up by one.
    total = data.draw(st.integers(0, units + 10**6 - 1).map(lambda t: t + (t >= units)))
    values = _partition(data, total, len(members))
    shares = [(user, from_units(v, currency)) for user, v in zip(members, values, strict=True)]
    error = _error(owed_shares, from_units(units, currency), currency, "exact", None, shares)
    gap = "short of" if total < units else "over"
    assert error.message == (
        f"exact shares add up to {from_units(total, currency)}, "
        f"{from_units(abs(total - units), currency)} {gap} the amount {from_units(units, currency)}"
    )
    assert error.field == "split.shares"


# --- percent -----------------------------------------------------------------------------------


def test_percentages_that_do_not_add_up_to_100_say_by_how_much() -> None:
    short = _error(
        owed_shares, D("10.00"), "USD", "percent", None, [("a", D(50)), ("b", D("49.5"))]
    )
    assert short.message == "percentages add up to 99.5, 0.5 short of 100"
    assert short.field == "split.shares"
    over = _error(owed_shares, D("10.00"), "USD", "percent", None, [("a", D("60")), ("b", D(41))])
    assert over.message == "percentages add up to 101, 1 over 100"


def test_percentages_have_at_most_four_decimals_and_are_not_negative() -> None:
    thirds = [("a", D("33.33333")), ("b", D("33.33333")), ("c", D("33.33334"))]
    assert _error(owed_shares, D(1), "USD", "percent", None, thirds).field == (
        "split.shares.0.value"
    )
    negative = [("a", D(110)), ("b", D(-10))]
    assert _error(owed_shares, D(1), "USD", "percent", None, negative).field == (
        "split.shares.1.value"
    )


def test_percent_split_allocates_by_largest_remainder() -> None:
    shares = [("c", D("33.3333")), ("b", D("33.3333")), ("a", D("33.3334"))]
    assert owed_shares(D("100.00"), "USD", "percent", None, shares) == {
        "a": D("33.34"),
        "b": D("33.33"),
        "c": D("33.33"),
    }
    zero = [("a", D(100)), ("b", D(0))]
    assert owed_shares(D("9"), "JPY", "percent", None, zero) == {"a": D(9), "b": D(0)}


@PROPERTY
@given(currency=currencies, units=amount_units, members=user_ids, data=st.data())
def test_percent_split_adds_up(
    currency: str, units: int, members: list[str], data: st.DataObject
) -> None:
    amount = from_units(units, currency)
    basis = _partition(data, 100 * 10**4, len(members))  # percentages with 4 decimals
    shares = [(user, D(b).scaleb(-4)) for user, b in zip(members, basis, strict=True)]
    result = owed_shares(amount, currency, "percent", None, shares)
    _check_split(result, amount, currency)
    assert set(result) == set(members)
    reordered = data.draw(st.permutations(shares))
    assert owed_shares(amount, currency, "percent", None, reordered) == result


# --- shares ------------------------------------------------------------------------------------


def test_shares_split_by_weight() -> None:
    shares = [("a", D(1)), ("b", D(2)), ("c", D(0))]
    assert owed_shares(D("100.00"), "USD", "shares", None, shares) == {
        "a": D("33.33"),
        "b": D("66.67"),
        "c": D("0.00"),
    }
    error = _error(owed_shares, D(1), "USD", "shares", None, [("a", D(0)), ("b", D(0))])
    assert error.field == "split.shares"
    assert _error(owed_shares, D(1), "USD", "shares", None, [("a", D(-1))]).field == (
        "split.shares.0.value"
    )


@PROPERTY
@given(
    currency=currencies,
    units=amount_units,
    weights=st.lists(
        st.decimals(min_value=0, max_value=1000, places=2, allow_nan=False), min_size=8, max_size=8
    ),
    members=user_ids,
    data=st.data(),
)
def test_shares_split_adds_up(
    currency: str,
    units: int,
    weights: list[Decimal],
    members: list[str],
    data: st.DataObject,
) -> None:
    weights[0] += 1  # at least one weight is positive
    shares = list(zip(members, weights, strict=False))
    amount = from_units(units, currency)
    result = owed_shares(amount, currency, "shares", None, shares)
    _check_split(result, amount, currency)
    assert set(result) == set(members)
    reordered = data.draw(st.permutations(shares))
    assert owed_shares(amount, currency, "shares", None, reordered) == result


# --- adjustment --------------------------------------------------------------------------------


def test_adjustment_adds_to_an_equal_part_of_the_rest() -> None:
    # 100.00 - 10.00 - (-4.00) = 94.00 left, 31.34 / 31.33 / 31.33 each, plus the adjustments.
    shares = [("b", D("10.00")), ("a", D("-4.00")), ("c", D("0"))]
    assert owed_shares(D("100.00"), "USD", "adjustment", None, shares) == {
        "a": D("27.34"),
        "b": D("41.33"),
        "c": D("31.33"),
    }


def test_adjustments_that_exceed_the_amount_are_refused() -> None:
    over = _error(owed_shares, D("100.00"), "USD", "adjustment", None, [("a", D(70)), ("b", D(50))])
    assert over.message == "adjustments add up to 120.00, 20.00 over the amount 100.00"
    assert over.field == "split.shares"
    below = _error(
        owed_shares, D("100.00"), "USD", "adjustment", None, [("a", D(0)), ("b", D(-110))]
    )
    assert below.message == (
        "b would owe -5.00: the adjustment -110.00 takes 5.00 more than their equal part 105.00"
    )
    assert below.field == "split.shares.1.value"
    precise = [("a", D("0.5"))]
    assert _error(owed_shares, D(10), "JPY", "adjustment", None, precise).field == (
        "split.shares.0.value"
    )


@PROPERTY
@given(currency=currencies, units=amount_units, members=user_ids, data=st.data())
def test_non_negative_adjustments_within_the_amount_add_up(
    currency: str, units: int, members: list[str], data: st.DataObject
) -> None:
    amount = from_units(units, currency)
    spread = _partition(data, units, len(members) + 1)[:-1]  # leaves some unadjusted
    shares = [(user, from_units(v, currency)) for user, v in zip(members, spread, strict=True)]
    result = owed_shares(amount, currency, "adjustment", None, shares)
    _check_split(result, amount, currency)
    equal_parts = [to_units(result[user] - adj, currency) for user, adj in shares]
    assert max(equal_parts) - min(equal_parts) <= 1


@PROPERTY
@given(
    currency=currencies,
    units=st.integers(0, 10**4),
    members=user_ids,
    adjustments=st.lists(st.integers(-(10**4), 10**4), min_size=8, max_size=8),
)
def test_signed_adjustments_add_up_or_are_refused_for_a_reason(
    currency: str, units: int, members: list[str], adjustments: list[int]
) -> None:
    amount = from_units(units, currency)
    adjusted = dict(zip(members, adjustments, strict=False))
    shares = [(user, from_units(adj, currency)) for user, adj in adjusted.items()]
    rest = units - sum(adjusted.values())
    base, extra = divmod(rest, len(members))
    equal_part = {user: base + (i < extra) for i, user in enumerate(sorted(members))}
    if rest < 0 or any(equal_part[user] + adj < 0 for user, adj in adjusted.items()):
        error = _error(owed_shares, amount, currency, "adjustment", None, shares)
        assert error.field == ("split.shares" if rest < 0 else f"{error.field[:-6]}.value")
        assert error.field.startswith("split.shares")
        return
    result = owed_shares(amount, currency, "adjustment", None, shares)
    _check_split(result, amount, currency)
    assert result == {
        user: from_units(equal_part[user] + adj, currency) for user, adj in adjusted.items()
    }


# --- payers and parts --------------------------------------------------------------------------


def test_payers_that_do_not_add_up_say_by_how_much() -> None:
    short = _error(paid_shares, D("100.00"), "USD", [("a", D("90.00"))])
    assert short.message == "payers add up to 90.00, 10.00 short of the amount 100.00"
    assert short.field == "paid_by"
    over = _error(paid_shares, D("100.00"), "USD", [("a", D("90.00")), ("b", D("10.01"))])
    assert over.message == "payers add up to 100.01, 0.01 over the amount 100.00"


def test_payers_must_be_positive_unique_and_present() -> None:
    assert _error(paid_shares, D(10), "USD", []).field == "paid_by"
    zero = [("a", D(10)), ("b", D(0))]
    assert _error(paid_shares, D(10), "USD", zero).field == "paid_by.1.amount"
    twice = [("a", D(5)), ("a", D(5))]
    assert _error(paid_shares, D(10), "USD", twice).field == "paid_by.1.user_id"
    assert _error(paid_shares, D(10), "JPY", [("a", D("10.5"))]).field == "paid_by.0.amount"
    assert _error(paid_shares, D("-10"), "JPY", [("a", D(10))]).field == "amount"
    assert _error(paid_shares, D("10.5"), "JPY", [("a", D(10))]).field == "amount"


@PROPERTY
@given(
    currency=currencies,
    units=st.integers(1, 10**9),
    payers=user_ids,
    members=user_ids,
    data=st.data(),
)
def test_payers_that_add_up_are_kept_and_sorted(
    currency: str, units: int, payers: list[str], members: list[str], data: st.DataObject
) -> None:
    payers = payers[: min(len(payers), units)]
    values = [v + 1 for v in _partition(data, units - len(payers), len(payers))]
    paid_by = [(user, from_units(v, currency)) for user, v in zip(payers, values, strict=True)]
    amount = from_units(units, currency)
    result = paid_shares(amount, currency, paid_by)
    assert result == dict(paid_by)
    assert list(result) == sorted(result)
    bill = parts(amount, currency, paid_by, "equal", members, None)
    assert [p.user_id for p in bill] == sorted(set(payers) | set(members))
    assert sum((p.paid for p in bill), D(0)) == amount
    assert sum((p.owed for p in bill), D(0)) == amount
    assert sum((p.net for p in bill), D(0)) == 0
    for part in bill:
        assert _fits(part.paid, currency)
        assert _fits(part.owed, currency)


def test_parts_of_a_bill() -> None:
    bill = parts(
        D("100.00"), "USD", [("bob", D("40.00")), ("ann", D(60))], "equal", ["cat", "bob"], None
    )
    assert bill == [
        Part("ann", D("60.00"), D("0.00")),
        Part("bob", D("40.00"), D("50.00")),
        Part("cat", D("0.00"), D("50.00")),
    ]
    assert [p.net for p in bill] == [D(60), D(-10), D(-50)]


def test_unknown_method_is_refused() -> None:
    error = _error(owed_shares, D(1), "USD", "thirds", None, [("a", D(1))])
    assert error.field == "split.method"


# --- rescale and settlements -------------------------------------------------------------------


def test_rescale_converts_each_side_by_its_weights() -> None:
    bill = parts(D("100.00"), "USD", [("a", D(100))], "equal", ["a", "b", "c"], None)
    # Owed 33.34 / 33.33 / 33.33 of 15725 JPY: 5242.715, 5241.1425, 5241.1425; the one yen left
    # over goes to the largest remainder (a).
    assert rescale(bill, D("15725"), "JPY") == [
        Part("a", D(15725), D(5243)),
        Part("b", D(0), D(5241)),
        Part("c", D(0), D(5241)),
    ]


@PROPERTY
@given(
    source=currencies,
    target=currencies,
    units=st.integers(1, 10**8),
    converted=st.integers(0, 10**10),
    payers=user_ids,
    members=user_ids,
)
def test_rescale_keeps_sums_exact(
    source: str, target: str, units: int, converted: int, payers: list[str], members: list[str]
) -> None:
    payers = payers[: min(len(payers), units)]
    base, extra = divmod(units, len(payers))
    paid_by = [
        (user, from_units(base + (1 if i < extra else 0), source)) for i, user in enumerate(payers)
    ]
    bill = parts(from_units(units, source), source, paid_by, "equal", members, None)
    total = from_units(converted, target)
    moved = rescale(bill, total, target)
    assert [p.user_id for p in moved] == [p.user_id for p in bill]
    assert sum((p.paid for p in moved), D(0)) == total
    assert sum((p.owed for p in moved), D(0)) == total
    for before, after in zip(bill, moved, strict=True):
        assert _fits(after.paid, target)
        assert _fits(after.owed, target)
        assert after.paid >= 0
        assert after.owed >= 0
        if before.paid == 0:
            assert after.paid == 0
        if before.owed == 0:
            assert after.owed == 0


def test_rescale_refuses_a_side_without_weight() -> None:
    with pytest.raises(ValueError, match="zero"):
        rescale([Part("a", D(0), D(1)), Part("b", D(0), D(0))], D(5), "JPY")


def test_settlement_parts_move_the_nets() -> None:
    settled = settlement_parts("zed", "amy", D("12.50"))
    assert settled == [Part("amy", D(0), D("12.50")), Part("zed", D("12.50"), D(0))]
    nets: dict[str, Decimal] = {p.user_id: p.net for p in settled}
    assert nets == {"amy": D("-12.50"), "zed": D("12.50")}
    with pytest.raises(ValueError, match="different"):
        settlement_parts("amy", "amy", D(1))
    with pytest.raises(ValueError, match="greater than 0"):
        settlement_parts("amy", "zed", D(0))


def _nets(bill: Sequence[Part]) -> Decimal:
    return sum((p.net for p in bill), D(0))


@PROPERTY
@given(currency=currencies, units=st.integers(1, 10**9), users=user_ids)
def test_settlement_parts_balance(currency: str, units: int, users: list[str]) -> None:
    if len(users) < 2:
        users = [*users, users[0] + "x"]
    settled = settlement_parts(users[0], users[1], from_units(units, currency))
    assert _nets(settled) == 0
    assert {p.user_id: p.net for p in settled}[users[0]] == from_units(units, currency)
