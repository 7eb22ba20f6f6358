"""The fraud scorer's pure rules: each signal, how they combine, the bounded profile, reviews,
and scoring the same version twice."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actors.fraud.bursts import limit_burst, velocity
from actors.fraud.duplicates import duplicate
from actors.fraud.evidence import Signal
from actors.fraud.facts import (
    Context,
    Limit,
    Observation,
    ReceiptFacts,
    ReceiptUse,
    TripFacts,
    dump_observation,
    load_observation,
)
from actors.fraud.merchants import merchant_key
from actors.fraud.outliers import outlier
from actors.fraud.profile import (
    MAX_AMOUNTS,
    MAX_CATEGORIES,
    MAX_ENTRIES,
    MAX_HABITS,
    MAX_HOURS,
    Profile,
    dump_profile,
    learn_from_review,
    load_profile,
    remember,
    tag_of,
)
from actors.fraud.scoring import assess, combine, escalated, score_expense
from actors.fraud.signals import (
    odd_hour,
    receipt_mismatch,
    receipt_reused,
    round_amount,
    trip_mismatch,
)
from tests.support.fraud_observing import EMPTY, T0, history, obs


def usual_days(n: int, amount_of: object = None) -> list[Observation]:
    """``n`` ordinary expenses, one a day at noon, 18.00..22.00 in food."""
    amounts = ["18.00", "19.50", "20.00", "21.00", "22.00", "19.00", "20.50", "21.50"]
    return [
        obs(amounts[i % len(amounts)], merchant=f"Shop {i % 3}", at=T0 - timedelta(days=n - i))
        for i in range(n)
    ]


def test_merchant_spellings_meet() -> None:
    same = {"Trader Joe's #552", "TRADER JOES 552", "trader  joes", "Trader Joe's Store 552"}
    assert {merchant_key(m) for m in same} == {"trader joes"}
    assert merchant_key("Whole Foods") != merchant_key("Whole Paycheck")
    assert merchant_key(None) == ""


# ---- duplicates ---------------------------------------------------------------------------


def test_the_same_purchase_entered_twice_is_a_strong_duplicate() -> None:
    first = obs("87.43", merchant="Trader Joe's #552")
    same_minute = obs("87.43", merchant="TRADER JOES", at=T0 + timedelta(seconds=20))
    signal = duplicate(same_minute, history(first), EMPTY)
    assert signal is not None
    assert signal.weight == 0.95
    assert signal.evidence["expense_id"] == first.expense_id
    typed_later = obs(
        "87.43",
        merchant="trader joes",
        at=T0 + timedelta(minutes=4),
        recorded=T0 + timedelta(hours=3),
    )
    assert duplicate(typed_later, history(first), EMPTY).weight == 0.9  # type: ignore[union-attr]
    no_time = replace(same_minute, occurred_at=None)
    assert duplicate(no_time, history(first), EMPTY).weight == 0.8  # type: ignore[union-attr]


def test_two_live_purchases_separate_times_or_habits_weigh_less() -> None:
    first = obs("3.80", merchant="Cafe Nero")
    minutes_later = obs("3.80", merchant="Cafe Nero", at=T0 + timedelta(minutes=6))
    # both typed as they happened: as likely two coffees as one typed twice
    assert duplicate(minutes_later, history(first), EMPTY).weight == 0.4  # type: ignore[union-attr]
    habit = [obs("3.80", merchant="Cafe Nero", at=T0 - timedelta(days=d)) for d in (2, 3)]
    usual = duplicate(minutes_later, history(*habit, first), EMPTY)
    assert usual is not None
    assert usual.weight == 0.3
    untimed = replace(minutes_later, occurred_at=None)
    assert duplicate(untimed, history(*habit, first), EMPTY).weight == 0.45  # type: ignore[union-attr]
    reviewed = replace(history(first), habits=("cafe nero|3.80|EUR",))
    assert duplicate(untimed, reviewed, EMPTY).weight == 0.2  # type: ignore[union-attr]
    later = obs("3.80", merchant="Cafe Nero", at=T0 + timedelta(hours=5))
    assert duplicate(later, history(first), EMPTY).weight == 0.15  # type: ignore[union-attr]
    assert duplicate(obs("3.90", merchant="Cafe Nero"), history(first), EMPTY) is None
    days_later = obs("3.80", merchant="Cafe Nero", at=T0 + timedelta(days=3))
    assert duplicate(days_later, history(first), EMPTY) is None


# ---- outliers -----------------------------------------------------------------------------


def test_outliers_are_measured_in_the_persons_own_spread() -> None:
    """The same amount is far out for someone whose spending hardly varies and ordinary for
    someone whose spending varies threefold: the bar is each person's own."""
    tight = history(
        *[obs(f"{19 + i * 0.1:.2f}", at=T0 - timedelta(days=30 - i)) for i in range(30)]
    )
    wide = history(
        *[
            obs(f"{amount:.2f}", at=T0 - timedelta(days=30 - i))
            for i, amount in enumerate(
                [8.4, 12.1, 19.9, 31.5, 47.2, 15.3, 24.8, 10.6, 38.7, 21.1] * 3
            )
        ]
    )
    assert outlier(obs("30.00"), tight, EMPTY) is not None  # 1.5x a price that never moves
    assert outlier(obs("60.00"), wide, EMPTY) is None  # 2.8x: ordinary for this person
    near = outlier(obs("45.00"), tight, Context(home_currency="EUR", category_name="Groceries"))
    assert near is not None
    assert near.weight >= 0.55
    assert near.evidence["basis"] == "category"
    assert near.evidence["history"] == 30
    assert near.explanation == "2.2× your usual for Groceries (median 20.45 EUR over 30 purchases)"
    far = outlier(obs("300.00"), wide, EMPTY)
    assert far is not None
    assert far.weight >= 0.55
    on_trip = outlier(replace(obs("300.00"), trip_id="t1"), wide, EMPTY)
    assert on_trip is not None
    assert on_trip.weight < 0.5  # away from home it never flags alone


def test_a_category_of_two_price_levels_is_judged_by_its_spread() -> None:
    corner = [obs(f"{10 + d % 5}.{d % 7}0", at=T0 - timedelta(days=d)) for d in range(1, 14)]
    weekly = [obs(f"{70 + d * 4}.00", at=T0 - timedelta(days=d, hours=3)) for d in range(1, 6)]
    profile = history(*corner, *weekly)
    assert outlier(obs("79.00"), profile, EMPTY) is None  # many times the corner shop: usual
    above = outlier(obs("130.00"), profile, EMPTY)  # above the weekly shop, not far: a hint
    assert above is None or above.weight < 0.5
    assert outlier(obs("900.00"), profile, EMPTY) is not None


def test_a_new_category_falls_back_to_all_spending_weakly() -> None:
    profile = history(*usual_days(12))
    cold = outlier(obs("400.00", category="travel"), profile, EMPTY)
    assert cold is not None
    assert cold.evidence["basis"] == "all spending"
    assert cold.weight < 0.5  # never a flag on its own
    assert outlier(obs("400.00"), Profile("ada"), EMPTY) is None  # nothing known yet


def test_a_fixed_price_is_not_infinitely_far_from_a_small_change() -> None:
    subscription = [
        obs("9.99", merchant="Stream", at=T0 - timedelta(days=30 * i)) for i in range(9)
    ]
    profile = history(*subscription)
    assert outlier(obs("10.49", merchant="Stream"), profile, EMPTY) is None


# ---- velocity and bursts ------------------------------------------------------------------


def test_five_in_an_hour_is_a_burst_that_names_the_others() -> None:
    burst = [
        obs(f"{20 + i}.00", merchant=f"S{i}", at=T0 + timedelta(minutes=8 * i)) for i in range(5)
    ]
    profile = history(*burst[:4])
    assert velocity(burst[3], history(*burst[:3]), EMPTY) is None
    signal = velocity(burst[4], profile, EMPTY)
    assert signal is not None
    assert signal.evidence["count"] == 5
    assert set(signal.members) == {o.key for o in burst[:4]}
    roomy = replace(profile, burst_floor=5)  # a burst of five was reviewed legitimate
    assert velocity(burst[4], roomy, EMPTY) is None


def test_amounts_just_under_a_limit_several_times_a_week() -> None:
    limit = Limit("b1", Decimal("200.00"), "EUR", frozenset({"food"}))
    context = Context(home_currency="EUR", limits=(limit,))
    one = obs("195.00")
    two = obs("189.00", at=T0 + timedelta(days=2))
    single = limit_burst(one, Profile("ada"), context)
    assert single is not None
    assert single.weight < 0.2
    pair = limit_burst(two, history(one), context)
    assert pair is not None
    assert pair.weight >= 0.6
    assert pair.members == (one.key,)
    assert limit_burst(obs("150.00"), history(one), context) is None  # not near it
    assert limit_burst(obs("199.00", category="fun"), history(one), context) is None


# ---- round amounts, odd hours, trips, receipts --------------------------------------------


def test_round_amounts_and_odd_hours_are_weak_alone() -> None:
    assert round_amount(obs("200.00"), Profile("ada"), EMPTY).weight == 0.15  # type: ignore[union-attr]
    assert round_amount(obs("30.00"), Profile("ada"), EMPTY).weight == 0.1  # type: ignore[union-attr]
    assert round_amount(obs("31.00"), Profile("ada"), EMPTY) is None
    days = [obs(at=T0.replace(hour=12) - timedelta(days=d)) for d in range(25)]
    profile = history(*days)
    night = obs(at=datetime(2026, 3, 2, 3, 10, tzinfo=timezone(timedelta(hours=2))))
    signal = odd_hour(night, profile, EMPTY)
    assert signal is not None
    assert signal.evidence["hour"] == 3  # the device's local hour
    assert odd_hour(obs(at=T0.replace(hour=13)), profile, EMPTY) is None
    assert combine([signal, round_amount(obs("200.00"), profile, EMPTY)]) < 50  # type: ignore[list-item]


def test_trip_dates_and_currency() -> None:
    trip = TripFacts("t1", date(2026, 3, 1), date(2026, 3, 5), "CHF")
    context = Context(home_currency="EUR", trip=trip)
    inside = obs(trip_id="t1", currency="CHF")
    assert trip_mismatch(inside, Profile("ada"), context) is None
    assert trip_mismatch(obs(trip_id="t1"), Profile("ada"), context) is None  # home currency
    late = obs(trip_id="t1", currency="CHF", at=T0 + timedelta(days=8))
    assert trip_mismatch(late, Profile("ada"), context).weight >= 0.5  # type: ignore[union-attr]
    third = obs(trip_id="t1", currency="USD")
    assert trip_mismatch(third, Profile("ada"), context).evidence["trip_currency"] == "CHF"  # type: ignore[union-attr]


def test_receipts_reused_or_padded() -> None:
    receipt = ReceiptFacts("r2", Decimal("40.00"), "EUR", duplicates=("r1",))
    mine = obs("40.00", receipt_id="r2")
    lookalike_only = Context(home_currency="EUR", receipt=receipt)
    assert receipt_reused(mine, Profile("ada"), lookalike_only).weight == 0.2  # type: ignore[union-attr]
    claimed = replace(lookalike_only, reused=(ReceiptUse("r1", "expense:other", "bob"),))
    signal = receipt_reused(mine, Profile("ada"), claimed)
    assert signal is not None
    assert signal.weight == 0.95
    assert signal.evidence["same_person"] is False
    padded = receipt_mismatch(obs("52.00", receipt_id="r2"), Profile("ada"), lookalike_only)
    assert padded is not None
    assert padded.weight >= 0.55
    assert padded.evidence["receipt_total"] == "40.00"
    assert receipt_mismatch(mine, Profile("ada"), lookalike_only) is None
    under = receipt_mismatch(obs("30.00", receipt_id="r2"), Profile("ada"), lookalike_only)
    assert under is not None
    assert under.weight == 0.1


# ---- combining, escalating, reviews -------------------------------------------------------


def test_scores_combine_as_independent_evidence() -> None:
    assert combine([]) == 0
    assert combine([Signal("a", 0.9)]) == 90
    assert combine([Signal("a", 0.5), Signal("b", 0.5)]) == 75
    assert combine([Signal("a", 0.1), Signal("b", 0.15), Signal("c", 0.15)]) < 50
    held = (Signal("round_amount", 0.1),)
    found = escalated(held, Signal("velocity", 0.6))
    assert found is not None
    assert found[1] == 64
    assert escalated(found[0], Signal("velocity", 0.55)) is None  # a weaker repeat adds nothing


def test_a_legit_review_teaches_the_baseline_and_a_fraud_review_the_trust() -> None:
    profile = history(*usual_days(12))
    big = obs("60.00")
    scored = score_expense(big, profile, EMPTY, 50)
    assert scored.flagged
    assert "outlier" in {s.name for s in scored.assessment.signals}
    assert tag_of(big.key) not in {i for i, _ in scored.profile.amounts["food"]}  # held out
    fired = {s.name: s.evidence for s in scored.assessment.signals}
    taught = learn_from_review(scored.profile, big, fired, "legit")
    assert tag_of(big.key) in {i for i, _ in taught.amounts["food"]}
    doubted = learn_from_review(scored.profile, big, {"round_amount": {}}, "fraud")
    assert doubted.trust_in("round_amount") > 1.0
    assert doubted.reviews == {"fraud": 1}


def test_income_is_never_scored() -> None:
    income = replace(obs("5000.00"), spending=False)
    assert assess(income, history(*usual_days(12)), EMPTY).score == 0


# ---- properties ---------------------------------------------------------------------------

amounts = st.decimals(min_value=Decimal("0.5"), max_value=Decimal("900"), places=2)
observations = st.builds(
    lambda amount, minutes, merchant, category, hour: obs(
        str(amount),
        merchant=f"M{merchant}",
        category=f"c{category}",
        at=(T0 + timedelta(minutes=minutes)).replace(hour=hour),
    ),
    amounts,
    st.integers(0, 60 * 24 * 90),
    st.integers(0, 30),
    st.integers(0, 40),
    st.integers(0, 23),
)


@settings(max_examples=30, deadline=None)
@given(st.lists(observations, min_size=1, max_size=400))
def test_a_profile_stays_bounded_whatever_the_history(seen: list[Observation]) -> None:
    profile = Profile("ada")
    for o in seen:
        profile = score_expense(o, profile, EMPTY, 50).profile
    assert len(profile.entries) <= MAX_ENTRIES
    assert len(profile.amounts) <= MAX_CATEGORIES
    assert all(len(v) <= MAX_AMOUNTS for v in profile.amounts.values())
    assert len(profile.hours) <= MAX_HOURS
    stored = dump_profile(profile)
    assert load_profile("ada", json.loads(json.dumps(stored))) == profile
    assert len(json.dumps(stored)) < 64_000


@settings(max_examples=40, deadline=None)
@given(st.lists(observations, min_size=2, max_size=60))
def test_scoring_the_same_version_again_gives_the_same_record(seen: list[Observation]) -> None:
    profile = Profile("ada")
    for o in seen[:-1]:
        profile = score_expense(o, profile, EMPTY, 50).profile
    last = seen[-1]
    first = score_expense(last, profile, EMPTY, 50)
    again = score_expense(last, first.profile, EMPTY, 50)
    assert again.assessment == first.assessment
    assert again.profile == first.profile
    assert load_observation(json.loads(json.dumps(dump_observation(last)))) == last


def test_a_full_profile_stays_under_its_size_bound() -> None:
    """Every list at its cap, with long ids and amounts: the stored profile's worst case."""
    profile = Profile("ada")
    for n in range(MAX_CATEGORIES * MAX_AMOUNTS + MAX_ENTRIES):
        o = obs(
            "123456.78",
            merchant=f"{n % 50} " + "a merchant or a description of the longest kind " * 10,
            category=f"category-{n % MAX_CATEGORIES:032d}",
            at=T0 + timedelta(minutes=n),
            expense_id=f"{n:036d}",
            trip_id=None,
        )
        profile = remember(profile, o, learn=True)
    profile = replace(
        profile,
        habits=tuple(f"{'m' * 40}|123456.78|EUR{i}" for i in range(MAX_HABITS)),
        trust={f"signal_{i}": 1.0 for i in range(9)},
    )
    assert len(profile.entries) == MAX_ENTRIES
    assert all(len(v) == MAX_AMOUNTS for v in profile.amounts.values())
    assert len(profile.amounts) == MAX_CATEGORIES
    assert len(profile.hours) == MAX_HOURS
    assert len(json.dumps(dump_profile(profile))) < 110_000


@pytest.mark.parametrize("verdict", ["legit", "fraud"])
def test_a_review_with_a_full_baseline_keeps_it_bounded(verdict: str) -> None:
    profile = history(*usual_days(MAX_AMOUNTS + 10))
    taught = learn_from_review(profile, obs("999.00"), {"outlier": {}}, verdict)
    assert len(taught.amounts["food"]) <= MAX_AMOUNTS


def test_a_date_typed_far_ahead_pushes_nothing_out() -> None:
    first = obs("87.43", merchant="Deli")
    future = obs("10.00", merchant="Elsewhere", day=date(2099, 1, 1))
    profile = history(first, future)
    assert {e.id for e in profile.entries} == {first.key, future.key}
    again = obs("87.43", merchant="DELI", at=T0 + timedelta(seconds=30))
    assert duplicate(again, profile, EMPTY) is not None


def test_ids_that_end_alike_keep_their_own_baseline_values() -> None:
    same_end = [obs("20.00", expense_id=f"{n:08x}-0000-1000-8000-0242ac120002") for n in range(10)]
    profile = history(*same_end)
    assert len(profile.baseline("food")) == 10


def test_a_fraud_verdict_keeps_the_expense_a_duplicate_of_its_copy() -> None:
    padded = obs("300.00", merchant="Gadgets")
    doubted = learn_from_review(history(padded), padded, {"outlier": {}}, "fraud")
    assert padded.key in {e.id for e in doubted.entries}
    assert doubted.baseline("food") == []
    copy = obs("300.00", merchant="gadgets", at=T0 + timedelta(seconds=10))
    assert duplicate(copy, doubted, EMPTY) is not None


def bill(amount: str, group: str = "g1", label: str = "food", **kw: object) -> Observation:
    o = obs(amount, **kw)  # type: ignore[arg-type]
    return replace(o, kind="group_expense", group_id=group, category=f"group:{group}:{label}")


def test_a_group_bill_is_measured_against_that_groups_bills_only() -> None:
    personal = obs("96.00", merchant="Pizza Roma")
    pizza = bill("96.00", merchant="Pizza Roma", at=T0 + timedelta(seconds=30))
    profile = history(*usual_days(12), personal)
    assert duplicate(pizza, profile, EMPTY) is None  # the personal one is not the group's business
    limit = Limit("b1", Decimal("100.00"), "EUR", frozenset())
    assert limit_burst(pizza, profile, Context(home_currency="EUR", limits=(limit,))) is None
    big = replace(pizza, amount=Decimal("900"), value=Decimal("900"))
    assert outlier(big, profile, EMPTY) is None  # neither personal food nor all spending
    unlabelled = [replace(o, category=None) for o in usual_days(12)]
    no_label = bill("900.00", label="")
    assert outlier(no_label, history(*unlabelled), EMPTY) is None
    other_group = [bill(str(o.amount), group="g2", at=o.occurred_at) for o in usual_days(12)]
    assert outlier(bill("900.00"), history(*other_group), EMPTY) is None
    same_group = [bill(str(o.amount), at=o.occurred_at) for o in usual_days(12)]
    assert outlier(bill("900.00"), history(*same_group), EMPTY) is not None
    again = replace(
        pizza, expense_id="e-other", recorded_at=pizza.recorded_at + timedelta(minutes=1)
    )
    assert duplicate(again, remember(profile, pizza, learn=True), EMPTY) is not None


def test_a_personal_review_does_not_weigh_a_groups_bills() -> None:
    coffee = obs("3.80", merchant="Cafe Nero")
    reviewed = replace(history(coffee), habits=("cafe nero|3.80|EUR",), trust={"duplicate": 0.3})
    first = bill("3.80", merchant="Cafe Nero")
    copy = replace(
        bill("3.80", merchant="Cafe Nero", at=T0 + timedelta(minutes=5)), occurred_at=None
    )
    profile = remember(reviewed, first, learn=True)
    found = assess(copy, profile, EMPTY)
    signal = next(s for s in found.signals if s.name == "duplicate")
    assert signal.weight == 0.8
    assert signal.evidence["why"] == "same day, and one of them has no purchase time"


def test_income_teaches_no_hours() -> None:
    income = replace(obs("2000.00", at=T0.replace(hour=3)), spending=False)
    assert remember(Profile("ada"), income, learn=True).hours == ()


def test_without_merchant_or_description_nothing_is_a_duplicate() -> None:
    bare = replace(obs("1.00"), merchant="", merchant_name=None)
    again = replace(obs("1.00", at=T0 + timedelta(seconds=5)), merchant="", merchant_name=None)
    assert duplicate(again, history(bare), EMPTY) is None
