"""Unit tests of group balances: pairwise debts of a bill, the running tally and the plan.

The plan's transfer count is checked against an independent brute-force search (the classic
backtracking for the fewest transfers that settle a set of balances), not against the
dynamic programming it tests. No servers, no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actors.splits.balances import Tally, Transfer, bill_debts, simplify
from actors.splits.shares import (
    Part,
    parts,
    settlement_parts,
)
from actors.splits.split_methods import SplitMethod
from actors.splits.units import from_units, to_units

D = Decimal
CURRENCIES = ("JPY", "USD", "KWD", "EUR")
PROPERTY = settings(max_examples=200, deadline=None)
POOL = ("ann", "bob", "cat", "dan", "eve", "fay", "gus", "hal")

currencies = st.sampled_from(CURRENCIES)


# --- helpers -----------------------------------------------------------------------------------


def _partition(draw: st.DrawFn, total: int, count: int, minimum: int = 0) -> list[int]:
    """``count`` integers of at least ``minimum`` that add up to ``total``."""
    free = total - minimum * count
    cut = st.integers(0, free)  # the count - 1 cuts, drawn one by one (a list of fixed size)
    cuts = sorted(draw(cut) for _ in range(count - 1))
    bounds = [0, *cuts, free]
    return [bounds[i + 1] - bounds[i] + minimum for i in range(count)]


# Strategies a bill is drawn from, built once (per pool of members or size of group): building
# and validating them again for every bill cost more than the drawing; the values are the same.
_UNITS = st.integers(1, 10**7)
_ONE_IN_FIVE = st.integers(0, 4)
_METHODS: st.SearchStrategy[SplitMethod] = st.sampled_from(["equal", "exact", "shares"])


@cache
def _orders(members: tuple[str, ...]) -> st.SearchStrategy[list[str]]:
    return st.permutations(members)


@cache
def _some_of(members: tuple[str, ...], most: int) -> st.SearchStrategy[list[str]]:
    """From 1 to ``most`` distinct members."""
    return st.lists(st.sampled_from(members), min_size=1, max_size=most, unique=True)


@cache
def _weights(count: int) -> st.SearchStrategy[list[int]]:
    return st.lists(st.integers(1, 7), min_size=count, max_size=count)


@st.composite
def bills(draw: st.DrawFn, members: tuple[str, ...] = POOL) -> tuple[str, list[Part]]:
    """A random valid bill or settlement among ``members``, with its currency."""
    currency = draw(currencies)
    units = draw(_UNITS)
    if draw(_ONE_IN_FIVE) == 0:
        payer, payee = draw(_orders(members))[:2]
        return currency, settlement_parts(payer, payee, from_units(units, currency))
    payers = draw(_some_of(members, 3))
    payers = payers[: min(len(payers), units)]
    paid = _partition(draw, units, len(payers), minimum=1)
    paid_by = [(user, from_units(v, currency)) for user, v in zip(payers, paid, strict=True)]
    group = draw(_some_of(members, 8))
    amount = from_units(units, currency)
    method = draw(_METHODS)
    if method == "equal":
        return currency, parts(amount, currency, paid_by, "equal", group, None)
    if method == "exact":
        owed = _partition(draw, units, len(group))
        shares = [(user, from_units(v, currency)) for user, v in zip(group, owed, strict=True)]
    else:
        weights = draw(_weights(len(group)))
        shares = [(user, D(w)) for user, w in zip(group, weights, strict=True)]
    return currency, parts(amount, currency, paid_by, method, None, shares)


member_pools = st.integers(2, 8).map(lambda n: POOL[:n])


@cache
def _bill_lists(members: tuple[str, ...]) -> st.SearchStrategy[list[tuple[str, list[Part]]]]:
    return st.lists(bills(members), min_size=1, max_size=12)


@st.composite
def histories(draw: st.DrawFn) -> list[tuple[str, list[Part]]]:
    members = draw(member_pools)
    return draw(_bill_lists(members))


@cache
def _counts(least: int, most: int) -> st.SearchStrategy[int]:
    return st.integers(least, most)


@cache
def _net_values(count: int, spread: int, non_zero: bool) -> st.SearchStrategy[list[int]]:
    """``count`` nets within ``spread`` minor units of zero; drawn from both sides of zero
    when zero is not allowed (every other value is reached, and none is rejected)."""
    value = (
        st.integers(-spread, -1) | st.integers(1, spread)
        if non_zero
        else st.integers(-spread, spread)
    )
    return st.lists(value, min_size=count, max_size=count)


@st.composite
def zero_sum_nets(
    draw: st.DrawFn,
    min_members: int = 1,
    max_members: int = 10,
    spread: int = 10**6,
    non_zero: bool = False,
) -> tuple[str, dict[str, Decimal]]:
    """Random nets in minor units, the last one balancing the others (all non-zero if asked,
    so that every member counts)."""
    currency = draw(currencies)
    count = draw(_counts(max(min_members, 2 if non_zero else 1), max_members))
    values = draw(_net_values(count - 1, spread, non_zero))
    values.append(-sum(values))
    if non_zero and values[-1] == 0:
        step = 1 if values[0] > 0 else -1
        values[0] += step
        values[-1] -= step
    nets = {f"m{index:02d}": from_units(v, currency) for index, v in enumerate(values)}
    return currency, nets


def _settle(nets: Mapping[str, Decimal], plan: Sequence[Transfer]) -> dict[str, Decimal]:
    """The nets after executing the plan: a payer's net rises, a payee's falls."""
    after = dict(nets)
    for transfer in plan:
        after[transfer.from_user] += transfer.amount
        after[transfer.to_user] -= transfer.amount
    return after


def _fewest_transfers(balances: Sequence[int]) -> int:
    """Brute force: settle the first open balance against every opposite-signed one in turn,
    recurse, keep the minimum."""
    debts = [b for b in balances if b != 0]

    def search(start: int) -> int:
        while start < len(debts) and debts[start] == 0:
            start += 1
        if start == len(debts):
            return 0
        best = len(debts)
        for other in range(start + 1, len(debts)):
            if debts[other] * debts[start] < 0:
                debts[other] += debts[start]
                best = min(best, 1 + search(start + 1))
                debts[other] -= debts[start]
        return best

    return search(0)


def _check_plan(nets: Mapping[str, Decimal], currency: str, plan: Sequence[Transfer]) -> None:
    assert all(value == 0 for value in _settle(nets, plan).values())
    non_zero = [user for user, net in nets.items() if net != 0]
    assert len(plan) <= max(len(non_zero) - 1, 0)
    for transfer in plan:
        assert transfer.amount > 0
        assert transfer.currency == currency
        assert from_units(to_units(transfer.amount, currency), currency) == transfer.amount
        assert nets[transfer.from_user] < 0 < nets[transfer.to_user]
    assert list(plan) == sorted(plan, key=lambda t: (t.from_user, t.to_user))


# --- bill_debts --------------------------------------------------------------------------------


def test_bill_debts_spread_each_debt_over_the_creditors() -> None:
    bill = parts(
        D("100.00"),
        "USD",
        [("A", D("60.00")), ("B", D("40.00"))],
        "equal",
        ["A", "B", "C", "D"],
        None,
    )
    assert [p.net for p in bill] == [D(35), D(15), D(-25), D(-25)]
    assert bill_debts(bill, "USD") == [
        ("C", "A", D("17.50")),
        ("C", "B", D("7.50")),
        ("D", "A", D("17.50")),
        ("D", "B", D("7.50")),
    ]


def test_bill_debts_last_debtor_takes_what_is_left() -> None:
    # 1.00 paid by a and b, owed by c, d, e: each debtor's share is cut by largest remainder.
    bill = parts(
        D("1.00"), "USD", [("a", D("0.50")), ("b", D("0.50"))], "equal", ["c", "d", "e"], None
    )
    debts = bill_debts(bill, "USD")
    assert debts == [
        ("c", "a", D("0.17")),
        ("c", "b", D("0.17")),
        ("d", "a", D("0.17")),
        ("d", "b", D("0.16")),
        ("e", "a", D("0.16")),
        ("e", "b", D("0.17")),
    ]


def test_bill_debts_refuse_parts_that_do_not_balance() -> None:
    with pytest.raises(ValueError, match=r"add up to 1\.00, not 0"):
        bill_debts([Part("a", D("2.00"), D("1.00"))], "USD")
    with pytest.raises(ValueError, match="twice"):
        bill_debts([Part("a", D(1), D(0)), Part("a", D(0), D(1))], "USD")


@PROPERTY
@given(bill=bills())
def test_bill_debts_pay_every_net_exactly(bill: tuple[str, list[Part]]) -> None:
    currency, bill_parts = bill
    debts = bill_debts(bill_parts, currency)
    received: dict[str, Decimal] = {}
    paid: dict[str, Decimal] = {}
    for debtor, creditor, amount in debts:
        assert amount > 0
        assert from_units(to_units(amount, currency), currency) == amount
        paid[debtor] = paid.get(debtor, D(0)) + amount
        received[creditor] = received.get(creditor, D(0)) + amount
    for part in bill_parts:
        if part.net > 0:
            assert received[part.user_id] == part.net
            assert part.user_id not in paid
        elif part.net < 0:
            assert paid[part.user_id] == -part.net
            assert part.user_id not in received
        else:
            assert part.user_id not in paid
            assert part.user_id not in received
    assert len({(d, c) for d, c, _ in debts}) == len(debts)


# --- Tally -------------------------------------------------------------------------------------


def _copy(tally: Tally) -> Tally:
    return Tally.from_data(tally.to_data())


def _pair_nets(tally: Tally) -> dict[tuple[str, str], Decimal]:
    """(currency, user) -> what others owe the user minus what the user owes, from the debts."""
    nets: dict[tuple[str, str], Decimal] = {}
    for t in tally.debts():
        nets[t.currency, t.to_user] = nets.get((t.currency, t.to_user), D(0)) + t.amount
        nets[t.currency, t.from_user] = nets.get((t.currency, t.from_user), D(0)) - t.amount
    return {key: net for key, net in nets.items() if net != 0}


@PROPERTY
@given(history=histories(), data=st.data())
def test_tally_stays_balanced_and_consistent(
    history: list[tuple[str, list[Part]]], data: st.DataObject
) -> None:
    tally = Tally()
    for currency, bill in history:
        tally.add(currency, bill)
        assert sum(tally.nets.get(currency, {}).values(), D(0)) == 0
    for nets in tally.nets.values():
        assert sum(nets.values(), D(0)) == 0
        assert all(net != 0 for net in nets.values())
    member_nets = tally.member_nets()
    assert member_nets == sorted(member_nets)
    assert _pair_nets(tally) == {(currency, user): net for user, currency, net in member_nets}
    for pairs in tally.pairs.values():
        assert all(a < b and amount != 0 for (a, b), amount in pairs.items())
    for currency, nets in tally.nets.items():
        plan = [t for t in tally.plan() if t.currency == currency]
        _check_plan(nets, currency, plan)
    # Removing every bill, in any order, leaves an empty tally.
    for currency, bill in data.draw(st.permutations(history)):
        tally.add(currency, bill, sign=-1)
    assert tally == Tally()
    assert tally.to_data() == {"nets": {}, "pairs": {}}


@PROPERTY
@given(history=histories(), extra=bills())
def test_adding_then_removing_a_bill_restores_the_tally(
    history: list[tuple[str, list[Part]]], extra: tuple[str, list[Part]]
) -> None:
    tally = Tally()
    for currency, bill in history:
        tally.add(currency, bill)
    before = _copy(tally)
    assert before == tally
    tally.add(*extra)
    tally.add(*extra, sign=-1)
    assert tally == before
    assert tally.to_data() == before.to_data()


@PROPERTY
@given(history=histories())
def test_tally_data_round_trips_through_json(history: list[tuple[str, list[Part]]]) -> None:
    tally = Tally()
    for currency, bill in history:
        tally.add(currency, bill)
    data = json.loads(json.dumps(tally.to_data()))
    assert Tally.from_data(data) == tally
    assert Tally.from_data(data).to_data() == tally.to_data()


def test_tally_of_the_example_bill_and_a_settlement() -> None:
    bill = parts(
        D("100.00"), "USD", [("A", D(60)), ("B", D(40))], "equal", ["A", "B", "C", "D"], None
    )
    tally = Tally()
    tally.add("USD", bill)
    assert tally.to_data() == {
        "nets": {"USD": {"A": "35.00", "B": "15.00", "C": "-25.00", "D": "-25.00"}},
        "pairs": {"USD": {"A|C": "-17.50", "A|D": "-17.50", "B|C": "-7.50", "B|D": "-7.50"}},
    }
    assert tally.debts() == [
        Transfer("C", "A", D("17.50"), "USD"),
        Transfer("C", "B", D("7.50"), "USD"),
        Transfer("D", "A", D("17.50"), "USD"),
        Transfer("D", "B", D("7.50"), "USD"),
    ]
    tally.add("USD", settlement_parts("C", "A", D("17.50")))
    assert tally.nets["USD"] == {"A": D("17.50"), "B": D(15), "C": D("-7.50"), "D": D(-25)}
    assert ("A", "C") not in tally.pairs["USD"]
    tally.add("JPY", settlement_parts("A", "B", D(500)))
    assert tally.member_nets()[:2] == [("A", "JPY", D(500)), ("A", "USD", D("17.50"))]
    assert [t.currency for t in tally.plan()] == ["JPY", "USD", "USD", "USD"]


def test_tally_refuses_bad_input() -> None:
    tally = Tally()
    with pytest.raises(ValueError, match="sign"):
        tally.add("USD", settlement_parts("a", "b", D(1)), sign=2)
    with pytest.raises(ValueError, match="not 0"):
        tally.add("USD", [Part("a", D(1), D(0))])
    assert tally == Tally()
    with pytest.raises(ValueError, match="pair"):
        Tally.from_data({"nets": {}, "pairs": {"USD": {"b|a": "1.00"}}})
    with pytest.raises(ValueError):  # noqa: PT011 - a float is not an amount
        Tally.from_data({"nets": {"USD": {"a": 1.5, "b": -1.5}}})


# --- simplify ----------------------------------------------------------------------------------


def test_simplify_settles_a_simple_group() -> None:
    nets = {"A": D("35.00"), "B": D("15.00"), "C": D("-25.00"), "D": D("-25.00"), "E": D(0)}
    assert simplify(nets, "USD") == [
        Transfer("C", "A", D("25.00"), "USD"),
        Transfer("D", "A", D("10.00"), "USD"),
        Transfer("D", "B", D("15.00"), "USD"),
    ]
    assert simplify({}, "USD") == []
    assert simplify({"a": D(0), "b": D(0)}, "USD") == []


def test_simplify_refuses_nets_that_do_not_add_up() -> None:
    with pytest.raises(ValueError, match=r"add up to 0\.01, not 0"):
        simplify({"a": D("1.00"), "b": D("-0.99")}, "USD")
    with pytest.raises(ValueError):  # noqa: PT011 - MoneyError: too many decimals
        simplify({"a": D("1.005"), "b": D("-1.005")}, "USD")


def test_simplify_finds_matching_pairs_the_greedy_plan_misses() -> None:
    # Greedy: b (largest debt) pays e (largest credit), and a 4-transfer chain follows. The
    # fewest transfers settle {a, b} and {c, d, e} apart: 1 + 2.
    nets = {"a": D(8), "b": D(-8), "c": D(-5), "d": D(-7), "e": D(12)}
    plan = simplify(nets, "JPY")
    _check_plan(nets, "JPY", plan)
    assert plan == [
        Transfer("b", "a", D(8), "JPY"),
        Transfer("c", "e", D(5), "JPY"),
        Transfer("d", "e", D(7), "JPY"),
    ]
    assert len(plan) == _fewest_transfers([8, -8, -5, -7, 12]) == 3
    assert len(simplify(nets, "JPY", exact_limit=4)) == 4


def test_a_ten_member_group_runs_the_exact_search() -> None:
    values = [8, -6, 7, 9, 8, -9, 7, -5, -5, -14]
    nets = {f"m{index}": D(v) for index, v in enumerate(values)}
    exact = simplify(nets, "JPY")
    greedy = simplify(nets, "JPY", exact_limit=9)
    _check_plan(nets, "JPY", exact)
    _check_plan(nets, "JPY", greedy)
    assert len(exact) == _fewest_transfers(values) == 7
    assert len(greedy) == 9


@settings(max_examples=25, deadline=None)
@given(case=zero_sum_nets(min_members=10, max_members=10, spread=6, non_zero=True))
def test_ten_members_get_the_fewest_transfers(case: tuple[str, dict[str, Decimal]]) -> None:
    currency, nets = case
    plan = simplify(nets, currency)
    _check_plan(nets, currency, plan)
    assert len(plan) == _fewest_transfers([to_units(v, currency) for v in nets.values()])
    assert len(plan) <= len(simplify(nets, currency, exact_limit=9))


@PROPERTY
@given(case=zero_sum_nets(max_members=10))
def test_simplify_settles_everyone_exactly(case: tuple[str, dict[str, Decimal]]) -> None:
    currency, nets = case
    plan = simplify(nets, currency)
    _check_plan(nets, currency, plan)
    assert simplify(dict(reversed(list(nets.items()))), currency) == plan


@PROPERTY
@given(
    case=st.one_of(
        zero_sum_nets(max_members=6, spread=6),
        zero_sum_nets(max_members=6, spread=40),
        zero_sum_nets(max_members=6),
    )
)
def test_simplify_uses_the_fewest_transfers_for_small_groups(
    case: tuple[str, dict[str, Decimal]],
) -> None:
    currency, nets = case
    plan = simplify(nets, currency)
    _check_plan(nets, currency, plan)
    assert len(plan) == _fewest_transfers([to_units(v, currency) for v in nets.values()])


@settings(max_examples=60, deadline=None)
@given(
    case=st.one_of(
        zero_sum_nets(min_members=7, max_members=8, spread=8),
        zero_sum_nets(min_members=7, max_members=8, spread=10**6),
    )
)
def test_simplify_uses_the_fewest_transfers_for_seven_and_eight(
    case: tuple[str, dict[str, Decimal]],
) -> None:
    currency, nets = case
    plan = simplify(nets, currency)
    assert len(plan) == _fewest_transfers([to_units(v, currency) for v in nets.values()])


@PROPERTY
@given(
    case=st.one_of(
        zero_sum_nets(min_members=11, max_members=30, non_zero=True),
        zero_sum_nets(min_members=11, max_members=30, spread=5, non_zero=True),
    )
)
def test_large_groups_fall_back_to_the_greedy_plan(case: tuple[str, dict[str, Decimal]]) -> None:
    currency, nets = case
    assert all(net != 0 for net in nets.values())
    plan = simplify(nets, currency)
    _check_plan(nets, currency, plan)
    assert plan == simplify(nets, currency, exact_limit=0)
