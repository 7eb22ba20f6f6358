"""Unit tests of the pure budget spending rules (``actors.budgets.spending``) and goal progress.

What an expense contributes to a budget (which expenses count, in which period of the budget's
timezone, in which currency), the tally kept per period and its exactly-once folding of expense
versions delivered in any order and more than once, rollover, the alerts a change sets off (each
threshold once per period), a period's status and projection, and how far a savings goal is.
Properties are checked with hypothesis. No servers, no I/O, no clock: every ``now`` is given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actors.budgets.goals import progress
from actors.budgets.periods import Calendar, Period, PeriodKind, period_by_key
from actors.budgets.spending import (
    FINAL,
    LINEAR,
    NOT_STARTED,
    Alert,
    BudgetRules,
    Contribution,
    PeriodTally,
    Spend,
    Tally,
    affected,
    alerts,
    allowance,
    apply,
    contribution,
    dump_tally,
    load_tally,
    percent,
    period_for_status,
    pin,
    projection,
    recount,
    spend_of_expense,
    spend_of_group_expense,
    spending,
    status,
)
from bus.budgets import BudgetStatus
from storage.budgets import GoalDoc

PROPERTY = settings(max_examples=200, deadline=None, database=None)
SCOPE = "user:u1"
GROUP = "group:g1"
USD_TO_EUR = Decimal("0.9")

Convert = Callable[[Decimal, str, str, date], Decimal | None]


# ---- helpers ------------------------------------------------------------------------------


def _utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def _no_rate(amount: Decimal, source: str, target: str, on: date) -> Decimal | None:
    return None


def _rates(amount: Decimal, source: str, target: str, on: date) -> Decimal | None:
    """USD converts to EUR at 0.9 (rounded to cents); nothing else has a rate."""
    if (source, target) == ("USD", "EUR"):
        return (amount * USD_TO_EUR).quantize(Decimal("0.01"))
    return None


def _never(amount: Decimal, source: str, target: str, on: date) -> Decimal | None:
    raise AssertionError(f"no conversion expected, got {amount} {source}->{target} on {on}")


def _rules(
    amount: str = "100.00",
    *,
    currency: str = "EUR",
    kind: PeriodKind = "monthly",
    timezone: str = "UTC",
    starts_on: date = date(2026, 1, 1),
    ends_on: date | None = None,
    week_start: int = 0,
    category_ids: Sequence[str] = (),
    categories: Sequence[str] = (),
    rollover: bool = False,
    thresholds: tuple[int, ...] = (50, 80, 100),
    scope: str = SCOPE,
) -> BudgetRules:
    return BudgetRules(
        scope=scope,
        amount=Decimal(amount),
        currency=currency,
        calendar=Calendar(kind, timezone, starts_on, ends_on, week_start),
        category_ids=frozenset(category_ids),
        categories=frozenset(categories),
        rollover=rollover,
        thresholds=thresholds,
    )


def _entity(
    expense_id: str = "e1",
    *,
    version: int = 1,
    amount: str = "10.00",
    currency: str = "EUR",
    day: str = "2026-11-15",
    kind: str = "expense",
    category_id: str | None = None,
    occurred_at: str | datetime | None = None,
    home_amount: str | None = None,
    home_currency: str | None = None,
) -> dict[str, Any]:
    entity: dict[str, Any] = {
        "id": expense_id,
        "version": version,
        "type": kind,
        "amount": amount,
        "currency": currency,
        "date": day,
        "category_id": category_id,
        "home_amount": home_amount,
        "home_currency": home_currency,
    }
    if occurred_at is not None:
        entity["occurred_at"] = occurred_at
    return entity


def _spend(
    expense_id: str = "e1", *, deleted: bool = False, scope: str = SCOPE, **fields: Any
) -> Spend:
    return spend_of_expense(scope, _entity(expense_id, **fields), deleted)


def _group_spend(
    *,
    label: str | None = "Groceries",
    amount: str = "30.00",
    currency: str = "EUR",
    day: str = "2026-11-15",
    group_amount: str | None = None,
    group_currency: str | None = None,
    deleted_flag: bool = False,
    tombstone: bool = False,
) -> Spend:
    entity: dict[str, Any] = {
        "id": "ge1",
        "version": 1,
        "amount": amount,
        "currency": currency,
        "date": day,
        "category": label,
        "group_amount": group_amount,
        "group_currency": group_currency,
        "deleted": deleted_flag,
    }
    return spend_of_group_expense(GROUP, entity, tombstone)


def _period(rules: BudgetRules, key: str) -> Period:
    period = period_by_key(rules.calendar, key)
    assert period is not None, key
    return period


def _tally(**spent: str) -> Tally:
    """A tally from ``m2026_01="30.00"``-style keyword arguments (month keys)."""
    return {
        f"{name[1:5]}-{name[6:8]}-01": PeriodTally(spent=Decimal(value), counted=1)
        for name, value in spent.items()
    }


def _cents(value: int) -> str:
    return format(Decimal(value).scaleb(-2), "f")


def _set(tally: Tally, key: str, spent: str) -> None:
    tally.setdefault(key, PeriodTally()).spent = Decimal(spent)


def _kinds(raised: Sequence[Alert]) -> list[tuple[str, int | None]]:
    return [(alert.kind, alert.threshold) for alert in raised]


# ---- spends from events -------------------------------------------------------------------


def test_spend_of_expense_reads_every_field_of_the_entity() -> None:
    spend = _spend(
        "x9",
        version=3,
        amount="12.50",
        currency="USD",
        day="2026-11-30",
        category_id="cat-food",
        occurred_at="2026-11-30T23:30:00-05:00",
        home_amount="11.25",
        home_currency="EUR",
    )

    assert spend == Spend(
        id="expense:x9",
        scope=SCOPE,
        version=3,
        counts=True,
        day=date(2026, 11, 30),
        occurred_at=datetime(2026, 12, 1, 4, 30, tzinfo=UTC),
        category="cat-food",
        amount=Decimal("12.50"),
        currency="USD",
        value=Decimal("11.25"),
        value_currency="EUR",
    )


def test_spend_of_expense_income_and_tombstones_do_not_count() -> None:
    assert _spend().counts
    assert not _spend(kind="income").counts
    assert not _spend(deleted=True).counts


def test_spend_of_group_expense_folds_its_label_and_reads_the_group_value() -> None:
    spend = _group_spend(label="  GroCeries ", group_amount="27.00", group_currency="EUR")

    assert spend.id == "group_expense:ge1"
    assert spend.category == "groceries"
    assert spend.occurred_at is None
    assert (spend.value, spend.value_currency) == (Decimal("27.00"), "EUR")
    assert spend.counts
    assert not _group_spend(deleted_flag=True).counts
    assert not _group_spend(tombstone=True).counts
    assert _group_spend(label=None).category is None


# ---- contribution: what counts --------------------------------------------------------------


def test_expense_in_budget_currency_contributes_its_amount_to_its_period() -> None:
    rules = _rules()

    assert contribution(rules, _spend(amount="12.34"), _never) == Contribution(
        "2026-11-01", Decimal("12.34")
    )


def test_income_never_counts() -> None:
    assert contribution(_rules(), _spend(kind="income"), _never) is None


def test_deleted_expenses_never_count() -> None:
    assert contribution(_rules(), _spend(deleted=True), _never) is None
    group_rules = _rules(scope=GROUP)
    assert contribution(group_rules, _group_spend(deleted_flag=True), _never) is None
    assert contribution(group_rules, _group_spend(tombstone=True), _never) is None


def test_no_spend_contributes_nothing() -> None:
    assert contribution(_rules(), None, _never) is None


def test_expenses_of_another_scope_never_count() -> None:
    assert contribution(_rules(), _spend(scope="user:someone-else"), _never) is None
    assert contribution(_rules(), _group_spend(), _never) is None


@pytest.mark.parametrize(
    ("category", "counted"),
    [("cat-food", True), ("cat-fun", True), ("cat-rent", False), (None, False)],
)
def test_personal_budget_counts_only_its_category_ids(category: str | None, counted: bool) -> None:
    rules = _rules(category_ids=["cat-food", "cat-fun"])

    found = contribution(rules, _spend(category_id=category), _never)

    assert (found is not None) is counted


@pytest.mark.parametrize("category", ["cat-food", "cat-rent", None])
def test_budget_without_categories_counts_every_category_and_none(category: str | None) -> None:
    assert contribution(_rules(), _spend(category_id=category), _never) is not None


@pytest.mark.parametrize(
    ("label", "counted"),
    [
        ("Groceries", True),
        ("  GROCERIES  ", True),
        ("groceries", True),
        ("Restaurants", False),
        (None, False),
    ],
)
def test_group_budget_counts_expenses_by_folded_label(label: str | None, counted: bool) -> None:
    rules = _rules(scope=GROUP, categories=["groceries", "household"])

    found = contribution(rules, _group_spend(label=label), _never)

    assert (found is not None) is counted


def test_group_budget_filtering_labels_ignores_category_ids_of_personal_expenses() -> None:
    rules = _rules(scope=GROUP, categories=["groceries"])

    assert contribution(rules, _spend(scope=GROUP, category_id="groceries-id"), _never) is None


@pytest.mark.parametrize(
    ("timezone", "key"),
    [
        ("Europe/Berlin", "2026-12-01"),  # 05:30 on December 1st in Berlin
        ("UTC", "2026-12-01"),  # 04:30 on December 1st
        ("America/New_York", "2026-11-01"),  # 23:30 on November 30th
        ("America/Los_Angeles", "2026-11-01"),  # 20:30 on November 30th
    ],
)
def test_moment_of_an_expense_is_placed_by_the_budget_timezone(timezone: str, key: str) -> None:
    rules = _rules(timezone=timezone)
    spend = _spend(day="2026-11-30", occurred_at="2026-11-30T23:30:00-05:00")

    found = contribution(rules, spend, _never)

    assert spend.day == date(2026, 11, 30)
    assert found == Contribution(key, Decimal("10.00"))


def test_moment_given_as_a_datetime_is_placed_like_its_iso_form() -> None:
    moment = datetime(2026, 11, 30, 23, 30, tzinfo=ZoneInfo("America/New_York"))
    spend = _spend(day="2026-11-30", occurred_at=moment)

    found = contribution(_rules(timezone="Europe/Berlin"), spend, _never)

    assert found is not None
    assert found.key == "2026-12-01"


@pytest.mark.parametrize("timezone", ["Europe/Berlin", "Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_without_a_moment_the_recorded_date_is_used_in_any_timezone(timezone: str) -> None:
    found = contribution(_rules(timezone=timezone), _spend(day="2026-11-30"), _never)

    assert found is not None
    assert found.key == "2026-11-01"


def test_weekly_budget_places_expenses_in_weeks_from_its_week_start() -> None:
    sunday_weeks = _rules(kind="weekly", week_start=6, starts_on=date(2026, 11, 1))
    monday_weeks = _rules(kind="weekly", week_start=0, starts_on=date(2026, 11, 2))

    wednesday = _spend(day="2026-11-18")

    assert contribution(sunday_weeks, wednesday, _never) == Contribution(
        "2026-11-15", Decimal("10.00")
    )
    assert contribution(monday_weeks, wednesday, _never) == Contribution(
        "2026-11-16", Decimal("10.00")
    )


# ---- contribution: currency ---------------------------------------------------------------


def test_expense_in_budget_currency_counts_its_amount_even_with_a_home_value() -> None:
    spend = _spend(amount="10.00", currency="EUR", home_amount="11.70", home_currency="USD")

    found = contribution(_rules(currency="EUR"), spend, _never)

    assert found == Contribution("2026-11-01", Decimal("10.00"))


def test_expense_counts_its_home_value_when_home_currency_is_the_budget_currency() -> None:
    spend = _spend(amount="20.00", currency="USD", home_amount="17.13", home_currency="EUR")

    found = contribution(_rules(currency="EUR"), spend, _never)

    assert found == Contribution("2026-11-01", Decimal("17.13"))


def test_group_expense_counts_its_group_value_when_group_currency_is_the_budget_currency() -> None:
    spend = _group_spend(amount="5000", currency="JPY", group_amount="31.50", group_currency="EUR")

    found = contribution(_rules(scope=GROUP), spend, _never)

    assert found == Contribution("2026-11-01", Decimal("31.50"))


def test_other_currency_is_converted_at_the_recorded_day_rate() -> None:
    calls: list[tuple[Decimal, str, str, date]] = []

    def convert(amount: Decimal, source: str, target: str, on: date) -> Decimal | None:
        calls.append((amount, source, target, on))
        return Decimal("8.55")

    spend = _spend(
        amount="10.00",
        currency="GBP",
        day="2026-11-30",
        occurred_at="2026-11-30T23:30:00-05:00",
        home_amount="12.00",
        home_currency="USD",
    )

    found = contribution(_rules(currency="EUR", timezone="Europe/Berlin"), spend, convert)

    assert found == Contribution("2026-12-01", Decimal("8.55"))
    assert calls == [(Decimal("10.00"), "GBP", "EUR", date(2026, 11, 30))]


def test_without_a_rate_the_expense_counts_as_awaiting() -> None:
    rules = _rules(currency="EUR")
    spend = _spend(amount="10.00", currency="GBP")

    found = contribution(rules, spend, _no_rate)
    tally: Tally = {}
    touched = apply(tally, found, 1)

    assert found == Contribution("2026-11-01", None)
    assert touched == "2026-11-01"
    assert tally["2026-11-01"] == PeriodTally(spent=Decimal(0), counted=0, awaiting=1)
    assert spending(tally) == {"2026-11-01": (Decimal(0), 0, 1)}


def test_home_currency_match_without_a_home_value_awaits_instead_of_converting() -> None:
    spend = _spend(amount="10.00", currency="USD", home_amount=None, home_currency="EUR")

    assert contribution(_rules(currency="EUR"), spend, _never) == Contribution("2026-11-01", None)


def test_expense_before_the_first_period_does_not_count() -> None:
    rules = _rules(starts_on=date(2026, 3, 15))

    assert contribution(rules, _spend(day="2026-02-28"), _never) is None


def test_first_period_is_the_whole_month_containing_starts_on() -> None:
    rules = _rules(starts_on=date(2026, 3, 15))

    found = contribution(rules, _spend(day="2026-03-02"), _never)

    assert found == Contribution("2026-03-01", Decimal("10.00"))


def test_moment_placed_before_the_first_period_does_not_count() -> None:
    rules = _rules(starts_on=date(2026, 12, 1), timezone="America/New_York")
    spend = _spend(day="2026-12-01", occurred_at="2026-12-01T01:00:00+00:00")

    assert contribution(rules, spend, _never) is None


@pytest.mark.parametrize(
    ("day", "counted"),
    [
        ("2026-03-09", False),
        ("2026-03-10", True),
        ("2026-03-15", True),
        ("2026-03-20", True),
        ("2026-03-21", False),
        ("2027-03-15", False),
    ],
)
def test_custom_range_counts_only_its_own_days(day: str, counted: bool) -> None:
    rules = _rules(kind="custom", starts_on=date(2026, 3, 10), ends_on=date(2026, 3, 20))

    found = contribution(rules, _spend(day=day), _never)

    expected = Contribution("2026-03-10", Decimal("10.00")) if counted else None
    assert found == expected


# ---- the tally ----------------------------------------------------------------------------


def test_apply_adds_and_takes_away_one_contribution() -> None:
    tally: Tally = {}
    change = Contribution("2026-11-01", Decimal("12.50"))

    assert apply(tally, change, 1) == "2026-11-01"
    assert apply(tally, Contribution("2026-11-01", Decimal("7.50")), 1) == "2026-11-01"
    assert (tally["2026-11-01"].spent, tally["2026-11-01"].counted) == (Decimal("20.00"), 2)

    assert apply(tally, change, -1) == "2026-11-01"
    assert (tally["2026-11-01"].spent, tally["2026-11-01"].counted) == (Decimal("7.50"), 1)


def test_apply_of_nothing_touches_nothing() -> None:
    tally: Tally = {}

    assert apply(tally, None, 1) is None
    assert apply(tally, None, -1) is None
    assert tally == {}


def test_awaiting_contribution_taken_away_leaves_nothing_awaiting() -> None:
    tally: Tally = {}
    change = Contribution("2026-11-01", None)

    apply(tally, change, 1)
    apply(tally, change, -1)

    assert tally["2026-11-01"].empty
    assert spending(tally) == {}
    assert dump_tally(tally) == {}


def test_tally_dumps_amounts_as_strings_with_sorted_alerts_and_loads_back() -> None:
    tally: Tally = {
        "2026-12-01": PeriodTally(spent=Decimal("12.30"), counted=3, fired=[80, 50]),
        "2026-11-01": PeriodTally(spent=Decimal("150.00"), counted=5, awaiting=1, exceeded=True),
    }

    data = dump_tally(tally)

    assert data == {
        "2026-11-01": {
            "spent": "150.00",
            "counted": 5,
            "awaiting": 1,
            "fired": [],
            "exceeded": True,
        },
        "2026-12-01": {
            "spent": "12.30",
            "counted": 3,
            "awaiting": 0,
            "fired": [50, 80],
            "exceeded": False,
        },
    }
    assert list(data) == ["2026-11-01", "2026-12-01"]
    loaded = load_tally(data)
    assert spending(loaded) == spending(tally)
    assert loaded["2026-12-01"].fired == [50, 80]
    assert loaded["2026-11-01"].exceeded


def test_dump_drops_empty_periods_but_keeps_alerts_sent_without_spending() -> None:
    tally: Tally = {
        "2026-10-01": PeriodTally(),
        "2026-11-01": PeriodTally(spent=Decimal("0.00")),
        "2026-12-01": PeriodTally(fired=[50]),
    }

    assert dump_tally(tally) == {
        "2026-12-01": {"spent": "0", "counted": 0, "awaiting": 0, "fired": [50], "exceeded": False}
    }


def test_period_tally_from_partial_data_uses_defaults() -> None:
    assert PeriodTally.from_data({}) == PeriodTally()
    assert PeriodTally.from_data({"spent": "4.20", "fired": ["50"]}) == PeriodTally(
        spent=Decimal("4.20"), fired=[50]
    )


def test_recount_counts_afresh_and_keeps_only_the_alerts_already_sent() -> None:
    rules = _rules()
    keep: Tally = {
        "2026-10-01": PeriodTally(spent=Decimal("999.00"), counted=9, fired=[50, 80]),
        "2026-11-01": PeriodTally(spent=Decimal("1.00"), counted=1, awaiting=4, exceeded=True),
    }
    spends = [
        _spend("a", amount="10.00", day="2026-11-02"),
        _spend("b", amount="5.55", day="2026-11-30"),
        _spend("c", amount="7.00", day="2026-12-01"),
        _spend("d", amount="3.00", currency="GBP", day="2026-12-05"),
        _spend("e", amount="100.00", kind="income", day="2026-11-03"),
    ]

    tally = recount(rules, spends, _no_rate, keep)

    assert spending(tally) == {
        "2026-11-01": (Decimal("15.55"), 2, 0),
        "2026-12-01": (Decimal("7.00"), 1, 1),
    }
    assert tally["2026-10-01"].fired == [50, 80]
    assert tally["2026-11-01"].exceeded
    assert keep["2026-10-01"].spent == Decimal("999.00")  # what was kept is not changed


def test_create_edit_move_and_delete_leave_the_tally_as_a_recount_would() -> None:
    rules = _rules()
    versions = [
        _spend(version=1, amount="10.00", day="2026-11-05"),
        _spend(version=2, amount="25.00", day="2026-11-05"),
        _spend(version=3, amount="25.00", day="2026-12-02"),
    ]
    tally: Tally = {}
    previous: Spend | None = None
    for spend in versions:
        apply(tally, contribution(rules, previous, _never), -1)
        apply(tally, contribution(rules, spend, _never), 1)
        previous = spend

    assert spending(tally) == {"2026-12-01": (Decimal("25.00"), 1, 0)}
    assert spending(tally) == spending(recount(rules, [versions[-1]], _never, {}))

    apply(tally, contribution(rules, previous, _never), -1)
    apply(tally, contribution(rules, _spend(version=4, deleted=True), _never), 1)
    assert spending(tally) == {}


# ---- exactly once: deltas of versions in any order equal a recount -------------------------

_RULES_UNDER_TEST = (
    _rules("300.00", timezone="Europe/Berlin", starts_on=date(2026, 10, 1)),
    _rules("300.00", timezone="America/New_York", starts_on=date(2026, 10, 20)),
    _rules("80.00", kind="weekly", week_start=6, timezone="Asia/Tokyo", category_ids=["food"]),
    _rules("900.00", kind="custom", starts_on=date(2026, 10, 15), ends_on=date(2026, 11, 20)),
    _rules("5000.00", kind="yearly", category_ids=["food", "rent"], rollover=True),
    _rules("250.00", currency="USD", timezone="Pacific/Auckland", rollover=True),
)
_ZONES = (UTC, ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo"), ZoneInfo("Europe/Berlin"))

# The strategies an expense version is drawn from, built once: building and validating them
# again for every draw cost more than drawing from them (the values drawn are the same).
_DAYS = st.dates(date(2026, 10, 1), date(2026, 12, 31))
_CURRENCIES = st.sampled_from(["EUR", "EUR", "USD", "GBP"])
_AMOUNTS = st.integers(1, 50_000)
_HOMES = st.sampled_from(["EUR", "USD", None])
_HOME_AMOUNTS = st.none() | st.integers(1, 60_000).map(_cents)
_KINDS = st.sampled_from(["expense", "expense", "expense", "income"])
_CATEGORY_IDS = st.sampled_from([None, "food", "rent", "fun"])


@cache
def _moments_around(day: date) -> st.SearchStrategy[datetime | None]:
    """No moment, or one in any of the zones from the day before ``day`` to the day after."""
    return st.none() | st.datetimes(
        datetime.combine(day - timedelta(days=1), datetime.min.time()),
        datetime.combine(day + timedelta(days=1), datetime.min.time()),
        timezones=st.sampled_from(_ZONES),
    )


@st.composite
def _expense_version(draw: st.DrawFn, expense_id: str, version: int) -> Spend:
    day = draw(_DAYS)
    moment = draw(_moments_around(day))
    currency = draw(_CURRENCIES)
    amount = _cents(draw(_AMOUNTS))
    home = draw(_HOMES)
    home_amount = None if home is None else draw(_HOME_AMOUNTS)
    entity = _entity(
        expense_id,
        version=version,
        amount=amount,
        currency=currency,
        day=day.isoformat(),
        kind=draw(_KINDS),
        category_id=draw(_CATEGORY_IDS),
        occurred_at=moment,
        home_amount=home_amount,
        home_currency=home,
    )
    return spend_of_expense(SCOPE, entity, deleted=draw(st.booleans()) and version > 1)


@st.composite
def _histories(draw: st.DrawFn) -> list[list[Spend]]:
    """Every version (1, 2, ...) of a few expenses."""
    count = draw(st.integers(1, 4))
    return [
        [draw(_expense_version(f"e{n}", v)) for v in range(1, draw(st.integers(1, 5)) + 1)]
        for n in range(count)
    ]


@st.composite
def _deliveries(draw: st.DrawFn, histories: list[list[Spend]]) -> list[Spend]:
    """Every version at least once, some again, in any order."""
    every = [spend for versions in histories for spend in versions]
    again = draw(st.lists(st.sampled_from(every), max_size=len(every)))
    return draw(st.permutations(every + again))


def _apply_expense(
    rules: BudgetRules, held: dict[str, Spend], stored: Tally, spend: Spend, convert: Convert
) -> Tally:
    """What ``budgets.apply_expense`` does with one delivery to one budget: a version not newer
    than the one held changes nothing; else the held version's contribution is taken away and
    the new one's added, the tally being stored (dumped and loaded) around the change."""
    before = held.get(spend.id)
    if before is not None and before.version >= spend.version:
        return stored
    spend = pin(spend, [rules.currency], convert)  # as apply_expense keeps it
    held[spend.id] = spend
    old, new = contribution(rules, before, convert), contribution(rules, spend, convert)
    if old == new:
        return stored
    tally = load_tally(dump_tally(stored))
    apply(tally, old, -1)
    apply(tally, new, 1)
    return load_tally(dump_tally(tally))


def _fold(rules: BudgetRules, deliveries: Sequence[Spend], convert: Convert) -> Tally:
    held: dict[str, Spend] = {}
    tally: Tally = {}
    for spend in deliveries:
        tally = _apply_expense(rules, held, tally, spend, convert)
    return tally


@PROPERTY
@given(rules=st.sampled_from(_RULES_UNDER_TEST), data=st.data())
def test_versions_delivered_in_any_order_and_again_count_exactly_once(
    rules: BudgetRules, data: st.DataObject
) -> None:
    histories = data.draw(_histories())
    deliveries = data.draw(_deliveries(histories))

    folded = _fold(rules, deliveries, _rates)
    latest = [versions[-1] for versions in histories]

    assert spending(folded) == spending(recount(rules, latest, _rates, {}))


@PROPERTY
@given(rules=st.sampled_from(_RULES_UNDER_TEST), data=st.data())
def test_versions_delivered_in_order_once_count_like_a_recount(
    rules: BudgetRules, data: st.DataObject
) -> None:
    histories = data.draw(_histories())
    in_order = [spend for versions in histories for spend in versions]

    folded = _fold(rules, in_order, _rates)

    assert spending(folded) == spending(recount(rules, [v[-1] for v in histories], _rates, {}))


def _gbp_to_usd_at(rate: str) -> Convert:
    def convert(amount: Decimal, source: str, target: str, on: date) -> Decimal | None:
        assert (source, target) == ("GBP", "USD")
        return (amount * Decimal(rate)).quantize(Decimal("0.01"))

    return convert


@pytest.mark.parametrize(
    "first_book",
    [
        pytest.param(_no_rate, id="no-rate-yet-then-a-rate"),
        pytest.param(_gbp_to_usd_at("1.25"), id="previous-day-rate-then-the-day-rate"),
    ],
)
def test_deleting_an_expense_after_the_rate_book_changed_leaves_nothing_counted(
    first_book: Convert,
) -> None:
    """The runtime's ``convert`` is the live rate book: it quotes the latest rate on or before
    the day, so a rate published later changes what the same expense converts to. Taking away
    the held version's contribution recomputed with today's book is not taking away what was
    added: here the deleted expense leaves the period below zero (and, when it first awaited a
    rate, counted -1 and still awaiting 1), where a recount has nothing at all."""
    rules = _rules("500.00", currency="USD")
    fields: dict[str, Any] = {
        "amount": "100.00",
        "currency": "GBP",
        "home_amount": "117.00",
        "home_currency": "EUR",
    }
    held: dict[str, Spend] = {}
    tally: Tally = {}

    tally = _apply_expense(rules, held, tally, _spend(version=1, **fields), first_book)
    latest = _spend(version=2, deleted=True, **fields)
    tally = _apply_expense(rules, held, tally, latest, _gbp_to_usd_at("1.30"))

    assert spending(recount(rules, [latest], _gbp_to_usd_at("1.30"), {})) == {}
    assert spending(tally) == {}


# ---- rollover -----------------------------------------------------------------------------


def test_without_rollover_available_is_the_amount_whatever_was_spent_before() -> None:
    rules = _rules("100.00")
    tally = _tally(m2026_01="30.00", m2026_02="250.00")

    for key in ("2026-01-01", "2026-02-01", "2026-03-01"):
        assert allowance(rules, tally, _period(rules, key)) == (Decimal(0), Decimal("100.00"))


def test_rollover_carries_unspent_rest_across_periods_and_empty_ones_carry_everything() -> None:
    rules = _rules("100.00", rollover=True)
    tally = _tally(m2026_01="30.00", m2026_03="300.00", m2026_04="40.00")
    tally["2026-02-01"] = PeriodTally()  # held, but nothing spent: the same as absent

    expected = {
        "2026-01-01": ("0", "100.00"),
        "2026-02-01": ("70.00", "170.00"),
        "2026-03-01": ("170.00", "270.00"),
        "2026-04-01": ("0", "100.00"),  # March spent more than its 270: nothing carries
        "2026-05-01": ("60.00", "160.00"),
        "2026-06-01": ("160.00", "260.00"),
    }
    for key, (rolled, available) in expected.items():
        assert allowance(rules, tally, _period(rules, key)) == (
            Decimal(rolled),
            Decimal(available),
        ), key


def test_overspending_carries_nothing_not_a_negative_amount() -> None:
    rules = _rules("100.00", rollover=True)
    tally = _tally(m2026_01="500.00")

    assert allowance(rules, tally, _period(rules, "2026-02-01")) == (Decimal(0), Decimal("100.00"))


def test_partly_overspent_rollover_carries_the_rest_of_amount_plus_carry() -> None:
    rules = _rules("100.00", rollover=True)
    tally = _tally(m2026_01="30.00", m2026_02="150.00")  # February had 170

    assert allowance(rules, tally, _period(rules, "2026-03-01")) == (
        Decimal("20.00"),
        Decimal("120.00"),
    )


def test_rollover_of_a_weekly_budget_counts_weeks_from_its_first_week() -> None:
    rules = _rules("50.00", kind="weekly", starts_on=date(2026, 11, 4), rollover=True)
    tally: Tally = {"2026-11-02": PeriodTally(spent=Decimal("20.00"))}

    assert allowance(rules, tally, _period(rules, "2026-11-02")) == (Decimal(0), Decimal("50.00"))
    assert allowance(rules, tally, _period(rules, "2026-11-16")) == (
        Decimal("80.00"),
        Decimal("130.00"),
    )


def test_change_in_an_earlier_period_moves_the_allowance_of_later_ones() -> None:
    rules = _rules("100.00", rollover=True)
    tally = _tally(m2026_01="30.00", m2026_03="300.00")
    before = {k: allowance(rules, tally, _period(rules, k)) for k in ("2026-02-01", "2026-03-01")}

    apply(tally, Contribution("2026-01-01", Decimal("50.00")), 1)

    assert before == {
        "2026-02-01": (Decimal("70.00"), Decimal("170.00")),
        "2026-03-01": (Decimal("170.00"), Decimal("270.00")),
    }
    assert allowance(rules, tally, _period(rules, "2026-02-01")) == (
        Decimal("20.00"),
        Decimal("120.00"),
    )
    assert allowance(rules, tally, _period(rules, "2026-03-01")) == (
        Decimal("120.00"),
        Decimal("220.00"),
    )
    assert allowance(rules, tally, _period(rules, "2026-04-01")) == (Decimal(0), Decimal("100.00"))


@PROPERTY
@given(
    amount=st.integers(1, 50_000),
    spent=st.lists(st.none() | st.integers(0, 100_000), min_size=1, max_size=14),
)
def test_rollover_allowance_is_the_amount_plus_every_earlier_rest_never_negative(
    amount: int, spent: list[int | None]
) -> None:
    rules = _rules(_cents(amount), rollover=True)
    keys = [date(2026 + n // 12, n % 12 + 1, 1).isoformat() for n in range(len(spent) + 1)]
    tally: Tally = {
        key: PeriodTally(spent=Decimal(cents).scaleb(-2))
        for key, cents in zip(keys, spent, strict=False)
        if cents is not None
    }

    carry = Decimal(0)
    for n, key in enumerate(keys):
        rolled, available = allowance(rules, tally, _period(rules, key))
        assert rolled == carry >= 0
        assert available == rules.amount + carry
        assert allowance(_rules(_cents(amount)), tally, _period(rules, key)) == (
            Decimal(0),
            rules.amount,
        )
        if n < len(spent):
            carry = max(Decimal(0), available - Decimal(spent[n] or 0).scaleb(-2))


def test_affected_without_rollover_is_the_periods_touched() -> None:
    rules = _rules()
    tally = _tally(m2026_01="1", m2026_02="1", m2026_03="1")

    assert affected(rules, tally, ["2026-02-01", None, "2026-02-01"]) == ["2026-02-01"]
    assert affected(rules, tally, ["2026-03-01", "2026-01-01"]) == ["2026-01-01", "2026-03-01"]
    assert affected(rules, tally, [None, None]) == []


def test_affected_with_rollover_adds_every_later_period_held() -> None:
    rules = _rules(rollover=True)
    tally = _tally(m2025_12="1", m2026_01="1", m2026_02="1", m2026_04="1")

    assert affected(rules, tally, ["2026-01-01", None]) == [
        "2026-01-01",
        "2026-02-01",
        "2026-04-01",
    ]
    assert affected(rules, tally, [None, "2026-03-01"]) == ["2026-03-01", "2026-04-01"]
    assert affected(rules, tally, [None, None]) == []


def test_rollover_earlier_change_raises_alerts_in_the_running_later_period_only() -> None:
    rules = _rules("100.00", rollover=True)
    now = _utc(2026, 2, 10, 12)
    tally = _tally(m2026_01="20.00", m2026_02="90.00")  # February has 180: 50 %

    assert _kinds(alerts(rules, tally, ["2026-02-01"], now)) == [("threshold_crossed", 50)]

    touched = apply(tally, Contribution("2026-01-01", Decimal("70.00")), 1)  # February has 110
    keys = affected(rules, tally, [touched])
    raised = alerts(rules, tally, keys, now)

    assert keys == ["2026-01-01", "2026-02-01"]
    assert [(a.kind, a.key, a.threshold) for a in raised] == [
        ("threshold_crossed", "2026-02-01", 80)
    ]
    assert raised[0].available == Decimal("110.00")
    assert tally["2026-01-01"].fired == []  # January is over: no news of the past


# ---- percent ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spent", "available", "expected"),
    [
        ("0", "100", "0.0"),
        ("33.33", "100", "33.3"),
        ("1.25", "100", "1.2"),  # half-even: a tie goes to the even digit
        ("1.35", "100", "1.4"),
        ("1.251", "100", "1.3"),
        ("200", "300", "66.7"),
        ("450", "300", "150.0"),
        ("10", "0", "0"),
        ("10", "-5", "0"),
    ],
)
def test_percent_is_one_decimal_half_even_and_zero_without_an_allowance(
    spent: str, available: str, expected: str
) -> None:
    found = percent(Decimal(spent), Decimal(available))

    assert found == Decimal(expected)
    assert str(found) == expected


# ---- alerts -------------------------------------------------------------------------------

NOW = _utc(2026, 11, 15, 12)
NOVEMBER = "2026-11-01"


def test_each_threshold_is_raised_once_per_period() -> None:
    rules = _rules("100.00")
    tally: Tally = {}

    _set(tally, NOVEMBER, "50.00")
    assert _kinds(alerts(rules, tally, [NOVEMBER], NOW)) == [("threshold_crossed", 50)]
    assert alerts(rules, tally, [NOVEMBER], NOW) == []

    _set(tally, NOVEMBER, "79.99")
    assert alerts(rules, tally, [NOVEMBER], NOW) == []

    _set(tally, NOVEMBER, "80.00")
    assert _kinds(alerts(rules, tally, [NOVEMBER], NOW)) == [("threshold_crossed", 80)]
    assert alerts(rules, tally, [NOVEMBER], NOW) == []
    assert tally[NOVEMBER].fired == [50, 80]


def test_dropping_below_and_rising_again_raises_nothing_new() -> None:
    rules = _rules("100.00")
    tally: Tally = {}
    _set(tally, NOVEMBER, "120.00")
    first = alerts(rules, tally, [NOVEMBER], NOW)

    _set(tally, NOVEMBER, "10.00")
    assert alerts(rules, tally, [NOVEMBER], NOW) == []
    _set(tally, NOVEMBER, "130.00")
    assert alerts(rules, tally, [NOVEMBER], NOW) == []

    assert _kinds(first) == [
        ("threshold_crossed", 50),
        ("threshold_crossed", 80),
        ("threshold_crossed", 100),
        ("exceeded", None),
    ]


def test_one_change_crossing_several_thresholds_raises_each_once_in_ascending_order() -> None:
    rules = _rules("200.00", thresholds=(25, 50, 75, 90))
    tally: Tally = {}
    _set(tally, NOVEMBER, "40.00")
    assert _kinds(alerts(rules, tally, [NOVEMBER], NOW)) == []

    _set(tally, NOVEMBER, "160.00")
    raised = alerts(rules, tally, [NOVEMBER], NOW)

    assert _kinds(raised) == [
        ("threshold_crossed", 25),
        ("threshold_crossed", 50),
        ("threshold_crossed", 75),
    ]
    assert all(a.percent_used == Decimal("80.0") for a in raised)


def test_exceeded_is_raised_once_when_spent_passes_available_but_not_at_exactly_100() -> None:
    rules = _rules("100.00")
    tally: Tally = {}

    _set(tally, NOVEMBER, "100.00")
    at_limit = alerts(rules, tally, [NOVEMBER], NOW)
    _set(tally, NOVEMBER, "100.01")
    over = alerts(rules, tally, [NOVEMBER], NOW)
    _set(tally, NOVEMBER, "180.00")
    further = alerts(rules, tally, [NOVEMBER], NOW)

    assert ("exceeded", None) not in _kinds(at_limit)
    assert _kinds(at_limit)[-1] == ("threshold_crossed", 100)
    assert _kinds(over) == [("exceeded", None)]
    assert further == []
    assert tally[NOVEMBER].exceeded


def test_exceeded_is_raised_without_a_100_threshold() -> None:
    rules = _rules("100.00", thresholds=(90,))
    tally: Tally = {}
    _set(tally, NOVEMBER, "100.50")

    assert _kinds(alerts(rules, tally, [NOVEMBER], NOW)) == [
        ("threshold_crossed", 90),
        ("exceeded", None),
    ]


def test_threshold_above_100_is_raised_when_reached_after_exceeded() -> None:
    rules = _rules("100.00", thresholds=(50, 100, 150))
    tally: Tally = {}

    _set(tally, NOVEMBER, "120.00")
    first = alerts(rules, tally, [NOVEMBER], NOW)
    _set(tally, NOVEMBER, "149.99")
    below = alerts(rules, tally, [NOVEMBER], NOW)
    _set(tally, NOVEMBER, "150.00")
    reached = alerts(rules, tally, [NOVEMBER], NOW)

    assert _kinds(first) == [
        ("threshold_crossed", 50),
        ("threshold_crossed", 100),
        ("exceeded", None),
    ]
    assert below == []
    assert _kinds(reached) == [("threshold_crossed", 150)]
    assert reached[0].percent_used == Decimal("150.0")


def test_thresholds_and_exceeded_are_counted_separately_in_each_period() -> None:
    rules = _rules("100.00")
    tally: Tally = {}
    _set(tally, NOVEMBER, "150.00")
    _set(tally, "2026-12-01", "150.00")

    raised = alerts(rules, tally, ["2026-12-01", NOVEMBER], NOW)

    assert [(a.key, a.kind, a.threshold) for a in raised] == [
        (NOVEMBER, "threshold_crossed", 50),
        (NOVEMBER, "threshold_crossed", 80),
        (NOVEMBER, "threshold_crossed", 100),
        (NOVEMBER, "exceeded", None),
        ("2026-12-01", "threshold_crossed", 50),
        ("2026-12-01", "threshold_crossed", 80),
        ("2026-12-01", "threshold_crossed", 100),
        ("2026-12-01", "exceeded", None),
    ]


def test_alert_reports_the_period_spent_available_and_percent() -> None:
    rules = _rules("300.00", timezone="Europe/Berlin")
    tally: Tally = {}
    _set(tally, NOVEMBER, "250.00")

    [fifty, eighty] = alerts(rules, tally, [NOVEMBER], NOW)

    assert fifty == Alert(
        kind="threshold_crossed",
        key=NOVEMBER,
        period=_period(rules, NOVEMBER),
        threshold=50,
        spent=Decimal("250.00"),
        available=Decimal("300.00"),
        percent_used=Decimal("83.3"),
    )
    assert eighty.threshold == 80
    assert fifty.period.end_at == datetime(2026, 11, 30, 23, tzinfo=UTC)


def test_threshold_is_reached_on_the_exact_amount_not_on_the_rounded_percent() -> None:
    rules = _rules("300.00", thresholds=(50,))
    tally: Tally = {}
    _set(tally, NOVEMBER, "149.99")  # 49.996 %, shown as 50.0

    assert alerts(rules, tally, [NOVEMBER], NOW) == []
    assert percent(Decimal("149.99"), Decimal("300.00")) == Decimal("50.0")


def test_periods_already_ended_raise_nothing_and_record_nothing() -> None:
    rules = _rules("100.00", timezone="Europe/Berlin")
    tally: Tally = {}
    _set(tally, "2026-10-01", "500.00")
    end = _period(rules, "2026-10-01").end_at

    assert alerts(rules, tally, ["2026-10-01"], end) == []
    assert alerts(rules, tally, ["2026-10-01"], end + timedelta(days=3)) == []
    assert tally["2026-10-01"].fired == []
    assert not tally["2026-10-01"].exceeded
    assert len(alerts(rules, tally, ["2026-10-01"], end - timedelta(seconds=1))) == 4


def test_keys_not_held_or_not_a_period_of_the_budget_raise_nothing() -> None:
    rules = _rules("100.00", starts_on=date(2026, 6, 1))
    tally: Tally = {}
    _set(tally, "2026-11-15", "500.00")
    _set(tally, "2026-05-01", "500.00")

    assert alerts(rules, tally, ["2026-11-15", "2026-05-01", "2026-12-01", "nonsense"], NOW) == []


def test_raising_the_amount_raises_nothing_and_lowering_it_raises_what_is_now_reached() -> None:
    tally: Tally = {}
    _set(tally, NOVEMBER, "60.00")

    assert _kinds(alerts(_rules("100.00"), tally, [NOVEMBER], NOW)) == [("threshold_crossed", 50)]
    assert alerts(_rules("200.00"), tally, [NOVEMBER], NOW) == []
    assert _kinds(alerts(_rules("60.00"), tally, [NOVEMBER], NOW)) == [
        ("threshold_crossed", 80),
        ("threshold_crossed", 100),
    ]


_EDIT = st.tuples(st.integers(0, 2), st.none() | st.integers(1, 15_000))


@PROPERTY
@given(
    thresholds=st.lists(st.integers(1, 300), min_size=1, max_size=6, unique=True).map(
        lambda values: tuple(sorted(values))
    ),
    amount=st.integers(1_000, 20_000),
    edits=st.lists(_EDIT, max_size=30),
)
def test_alerts_over_any_spending_history_are_the_thresholds_reached_each_once(
    thresholds: tuple[int, ...], amount: int, edits: list[tuple[int, int | None]]
) -> None:
    rules = _rules(_cents(amount), thresholds=thresholds)
    tally: Tally = {}
    held: dict[int, Contribution | None] = {}
    raised: list[Alert] = []
    reached: set[int] = set()
    ever_over = False
    for index, cents in edits:
        spend = _spend(
            f"e{index}", amount=_cents(cents or 1), day="2026-11-10", deleted=cents is None
        )
        old, new = held.get(index), contribution(rules, spend, _never)
        held[index] = new
        touched = [apply(tally, old, -1), apply(tally, new, 1)]
        raised += alerts(rules, tally, affected(rules, tally, touched), NOW)
        total = sum((c.amount for c in held.values() if c and c.amount), Decimal(0))
        assert tally.get(NOVEMBER, PeriodTally()).spent == total
        reached |= {t for t in thresholds if total * 100 >= t * rules.amount}
        ever_over = ever_over or total > rules.amount

    crossed = [a.threshold for a in raised if a.kind == "threshold_crossed"]
    assert crossed == sorted(reached)
    assert [a.kind for a in raised].count("exceeded") == (1 if ever_over else 0)
    state = tally.get(NOVEMBER, PeriodTally())
    assert state.fired == sorted(reached)
    assert state.exceeded is ever_over


# ---- projection and status ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("spent", "elapsed", "total", "currency", "expected"),
    [
        ("100.00", 10, 30, "EUR", ("300.00", LINEAR)),
        ("100.00", 7, 30, "EUR", ("428.57", LINEAR)),
        ("10.01", 12, 30, "EUR", ("25.02", LINEAR)),  # 25.025, half-even
        ("1000", 7, 30, "JPY", ("4286", LINEAR)),
        ("5", 2, 31, "JPY", ("78", LINEAR)),  # 77.5, half-even
        ("100.00", 30, 30, "EUR", ("100.00", LINEAR)),  # the last day is still running
        ("100.00", 31, 30, "EUR", ("100.00", FINAL)),
        ("0.00", 0, 30, "EUR", ("0.00", NOT_STARTED)),
        ("20.00", 0, 30, "EUR", ("20.00", NOT_STARTED)),
    ],
)
def test_projection_spreads_spending_per_elapsed_day_over_the_period(
    spent: str, elapsed: int, total: int, currency: str, expected: tuple[str, str]
) -> None:
    found, method = projection(Decimal(spent), elapsed, total, currency, elapsed > total)

    assert (str(found), method) == expected


def _status(
    rules: BudgetRules, tally: Tally, key: str, now: datetime, budget_id: str = "b1"
) -> BudgetStatus:
    return status(budget_id, rules, tally, _period(rules, key), now)


def test_status_in_the_middle_of_a_period() -> None:
    rules = _rules("300.00", thresholds=(50, 80, 100))
    tally: Tally = {
        NOVEMBER: PeriodTally(spent=Decimal("100.00"), counted=3, awaiting=1, fired=[]),
    }
    now = _utc(2026, 11, 10, 12)

    found = _status(rules, tally, NOVEMBER, now)

    assert found == BudgetStatus(
        budget_id="b1",
        currency="EUR",
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 30),
        amount=Decimal("300.00"),
        rolled_over=Decimal("0.00"),
        available=Decimal("300.00"),
        spent=Decimal("100.00"),
        remaining=Decimal("200.00"),
        percent_used=Decimal("33.3"),
        days_total=30,
        days_elapsed=10,
        days_left=21,
        average_daily_spend=Decimal("10.00"),
        projected_total=Decimal("300.00"),
        projection_method=LINEAR,
        expenses_counted=3,
        awaiting_rate=1,
        thresholds_crossed=[],
        exceeded=False,
        as_of=now,
    )
    dumped = found.model_dump(mode="json")
    assert dumped["rolled_over"] == "0.00"
    assert dumped["percent_used"] == "33.3"


def test_status_remaining_is_negative_when_over_and_reports_alerts_sent() -> None:
    rules = _rules("300.00")
    tally: Tally = {
        NOVEMBER: PeriodTally(
            spent=Decimal("350.00"), counted=4, fired=[100, 50, 80], exceeded=True
        )
    }

    found = _status(rules, tally, NOVEMBER, _utc(2026, 11, 20, 8))

    assert found.remaining == Decimal("-50.00")
    assert found.percent_used == Decimal("116.7")
    assert (found.days_elapsed, found.days_left) == (20, 11)
    assert found.average_daily_spend == Decimal("17.50")
    assert (found.projected_total, found.projection_method) == (Decimal("525.00"), LINEAR)
    assert found.thresholds_crossed == [50, 80, 100]
    assert found.exceeded


def test_status_rounds_percent_projection_and_average_half_even() -> None:
    rules = _rules("100.00")
    tally: Tally = {NOVEMBER: PeriodTally(spent=Decimal("1.25"), counted=1)}

    found = _status(rules, tally, NOVEMBER, _utc(2026, 11, 12, 18))

    assert found.days_elapsed == 12
    assert str(found.percent_used) == "1.2"  # 1.25 %
    assert str(found.projected_total) == "3.12"  # 1.25 * 30 / 12 = 3.125
    assert str(found.average_daily_spend) == "0.10"  # 0.1041...


def test_status_projection_is_linear_daily_average_rounded_to_cents() -> None:
    rules = _rules("300.00")
    tally: Tally = {NOVEMBER: PeriodTally(spent=Decimal("10.01"), counted=1)}

    found = _status(rules, tally, NOVEMBER, _utc(2026, 11, 12))

    assert found.projected_total == Decimal("25.02")  # 10.01 * 30 / 12 = 25.025
    assert found.average_daily_spend == Decimal("0.83")
    assert found.percent_used == Decimal("3.3")


def test_status_of_an_ended_period_is_final() -> None:
    rules = _rules("300.00")
    tally: Tally = {NOVEMBER: PeriodTally(spent=Decimal("240.00"), counted=8)}

    found = _status(rules, tally, NOVEMBER, _utc(2026, 12, 5))

    assert (found.days_elapsed, found.days_left) == (30, 0)
    assert (found.projected_total, found.projection_method) == (Decimal("240.00"), FINAL)
    assert found.average_daily_spend == Decimal("8.00")
    assert found.remaining == Decimal("60.00")


def test_status_on_the_last_day_projects_what_is_spent_with_one_day_left() -> None:
    rules = _rules("300.00")
    tally: Tally = {NOVEMBER: PeriodTally(spent=Decimal("240.00"), counted=8)}

    found = _status(rules, tally, NOVEMBER, _utc(2026, 11, 30, 23, 59))

    assert (found.days_elapsed, found.days_left) == (30, 1)
    assert found.projected_total == Decimal("240.00")


def test_status_of_a_future_period_has_not_started() -> None:
    rules = _rules("300.00")
    tally: Tally = {"2026-12-01": PeriodTally(spent=Decimal("45.00"), counted=1)}

    found = _status(rules, tally, "2026-12-01", _utc(2026, 11, 10))

    assert (found.days_total, found.days_elapsed, found.days_left) == (31, 0, 31)
    assert (found.projected_total, found.projection_method) == (Decimal("45.00"), NOT_STARTED)
    assert found.average_daily_spend == Decimal("0.00")


def test_status_of_a_period_without_spending() -> None:
    rules = _rules("300.00")

    found = _status(rules, {}, NOVEMBER, _utc(2026, 11, 3))

    assert found.spent == Decimal("0.00")
    assert found.remaining == Decimal("300.00")
    assert found.percent_used == Decimal("0.0")
    assert (found.projected_total, found.projection_method) == (Decimal("0.00"), LINEAR)
    assert (found.expenses_counted, found.awaiting_rate) == (0, 0)
    assert found.thresholds_crossed == []


def test_status_of_a_jpy_budget_rounds_to_whole_yen() -> None:
    rules = _rules("50000", currency="JPY")
    tally: Tally = {NOVEMBER: PeriodTally(spent=Decimal("1000.5"), counted=2)}

    found = _status(rules, tally, NOVEMBER, _utc(2026, 11, 7, 9))

    assert found.spent == Decimal("1000")  # 1000.5, half-even
    assert found.available == Decimal("50000")
    assert found.remaining == Decimal("49000")
    assert found.average_daily_spend == Decimal("143")  # 142.857...
    assert found.projected_total == Decimal("4286")  # 1000 * 30 / 7 = 4285.71...
    assert found.percent_used == Decimal("2.0")
    for value in (found.spent, found.available, found.average_daily_spend, found.projected_total):
        assert value.as_tuple().exponent == 0
    assert found.model_dump(mode="json")["projected_total"] == "4286"


def test_status_with_rollover_adds_the_rest_carried_in() -> None:
    rules = _rules("100.00", rollover=True)
    tally = _tally(m2026_01="30.00", m2026_02="85.00")

    found = _status(rules, tally, "2026-02-01", _utc(2026, 2, 14))

    assert found.amount == Decimal("100.00")
    assert found.rolled_over == Decimal("70.00")
    assert found.available == Decimal("170.00")
    assert found.remaining == Decimal("85.00")
    assert found.percent_used == Decimal("50.0")
    assert (found.days_total, found.days_elapsed, found.days_left) == (28, 14, 15)
    assert found.projected_total == Decimal("170.00")


@pytest.mark.parametrize(
    ("timezone", "now", "elapsed", "left"),
    [
        ("Pacific/Auckland", _utc(2026, 11, 9, 12), 10, 21),  # 01:00 on the 10th
        ("UTC", _utc(2026, 11, 9, 12), 9, 22),
        ("America/Los_Angeles", _utc(2026, 12, 1, 5), 30, 1),  # 21:00 on the 30th
    ],
)
def test_status_counts_days_in_the_budget_timezone(
    timezone: str, now: datetime, elapsed: int, left: int
) -> None:
    rules = _rules("300.00", timezone=timezone)

    found = _status(rules, {}, NOVEMBER, now)

    assert (found.days_elapsed, found.days_left) == (elapsed, left)


def test_status_of_a_custom_range() -> None:
    rules = _rules("500.00", kind="custom", starts_on=date(2026, 3, 10), ends_on=date(2026, 3, 20))
    tally: Tally = {"2026-03-10": PeriodTally(spent=Decimal("110.00"), counted=2)}

    found = _status(rules, tally, "2026-03-10", _utc(2026, 3, 14, 12))

    assert (found.period_start, found.period_end) == (date(2026, 3, 10), date(2026, 3, 20))
    assert (found.days_total, found.days_elapsed, found.days_left) == (11, 5, 7)
    assert found.projected_total == Decimal("242.00")


# ---- which period a status shows ----------------------------------------------------------


def test_period_for_status_is_today_in_the_budget_timezone() -> None:
    berlin = _rules(timezone="Europe/Berlin")
    auckland = _rules(timezone="Pacific/Auckland")
    now = _utc(2026, 11, 30, 23, 30)

    assert period_for_status(berlin, now, None).key == "2026-12-01"
    assert period_for_status(_rules(), now, None).key == NOVEMBER
    assert period_for_status(auckland, _utc(2026, 11, 30, 11), None).key == "2026-12-01"


def test_period_for_status_is_the_one_containing_the_day_asked() -> None:
    rules = _rules()

    assert period_for_status(rules, NOW, date(2026, 3, 31)).key == "2026-03-01"
    assert period_for_status(rules, NOW, date(2027, 2, 1)).key == "2027-02-01"


def test_period_for_status_before_the_first_period_is_the_first_period() -> None:
    monthly = _rules(starts_on=date(2026, 3, 15))
    custom = _rules(kind="custom", starts_on=date(2026, 3, 10), ends_on=date(2026, 3, 20))

    assert period_for_status(monthly, NOW, date(2026, 2, 28)).key == "2026-03-01"
    assert period_for_status(monthly, _utc(2025, 1, 1), None).key == "2026-03-01"
    assert period_for_status(custom, NOW, date(2026, 3, 9)).key == "2026-03-10"


def test_period_for_status_after_a_custom_range_is_its_period() -> None:
    custom = _rules(kind="custom", starts_on=date(2026, 3, 10), ends_on=date(2026, 3, 20))

    for on in (date(2026, 3, 21), date(2027, 1, 1), None):
        found = period_for_status(custom, NOW, on)
        assert (found.start, found.end) == (date(2026, 3, 10), date(2026, 3, 21))
    assert period_for_status(custom, NOW, date(2026, 3, 15)).key == "2026-03-10"


# ---- goals --------------------------------------------------------------------------------

GOAL_NOW = _utc(2027, 1, 4, 9)


def _goal(
    saved: str = "0.00",
    *,
    target: str = "1000.00",
    currency: str = "EUR",
    target_date: str | None = "2027-01-31",
    achieved_at: datetime | None = None,
) -> GoalDoc:
    """A goal built in memory: ``model_construct`` skips Beanie's collection check."""
    goal: GoalDoc = GoalDoc.model_construct(
        id="g1",
        scope="user:u1",
        owner_id="u1",
        name="Bike",
        target_amount=Decimal(target),
        currency=currency,
        target_date=target_date,
        timezone="UTC",
        saved=Decimal(saved),
        achieved_at=achieved_at,
        version=1,
        deleted=False,
        created_at=GOAL_NOW,
        updated_at=GOAL_NOW,
    )
    return goal


def test_goal_progress_spreads_the_rest_over_the_days_left_today_included() -> None:
    found = progress(_goal("250.00", target_date="2027-04-13"), date(2027, 1, 4), GOAL_NOW)

    assert found.goal_id == "g1"
    assert found.saved == Decimal("250.00")
    assert found.remaining == Decimal("750.00")
    assert found.percent == Decimal("25.0")
    assert not found.achieved
    assert found.days_left == 100  # January 4th to April 13th, both included
    assert found.needed_per_week == Decimal("52.50")  # 750 / 100 * 7
    assert found.needed_per_month == Decimal("228.28")  # 750 / 100 * 30.436875 = 228.2765...
    assert not found.overdue
    assert found.as_of == GOAL_NOW


def test_goal_needs_per_month_at_most_what_remains_when_under_a_month_is_left() -> None:
    found = progress(_goal("250.00"), date(2027, 1, 4), GOAL_NOW)

    assert found.days_left == 28  # January 4th to 31st
    assert found.needed_per_week == Decimal("187.50")  # 750 / 28 * 7
    assert found.needed_per_month == Decimal("750.00")  # 815.27 over 30.4 days: capped


def test_goal_needs_at_most_what_remains_per_week_and_month() -> None:
    found = progress(_goal("250.00"), date(2027, 1, 29), GOAL_NOW)

    assert found.days_left == 3
    assert found.needed_per_week == Decimal("750.00")
    assert found.needed_per_month == Decimal("750.00")


def test_goal_on_its_target_date_needs_everything_that_remains() -> None:
    found = progress(_goal("999.99"), date(2027, 1, 31), GOAL_NOW)

    assert found.days_left == 1
    assert found.needed_per_week == Decimal("0.01")
    assert not found.overdue


def test_goal_after_its_target_date_with_money_missing_is_overdue() -> None:
    found = progress(_goal("400.00"), date(2027, 2, 1), GOAL_NOW)

    assert found.days_left == 0
    assert found.overdue
    assert found.remaining == Decimal("600.00")
    assert (found.needed_per_week, found.needed_per_month) == (None, None)
    assert not found.achieved


@pytest.mark.parametrize("today", [date(2027, 1, 4), date(2027, 3, 1)])
def test_goal_saved_up_is_achieved_needs_nothing_and_is_never_overdue(today: date) -> None:
    found = progress(_goal("1000.00"), today, GOAL_NOW)

    assert found.achieved
    assert found.remaining == 0
    assert found.percent == Decimal("100.0")
    assert (found.needed_per_week, found.needed_per_month) == (None, None)
    assert not found.overdue


def test_goal_saved_beyond_its_target_shows_more_than_100_percent_and_nothing_remaining() -> None:
    found = progress(_goal("1234.56"), date(2027, 1, 4), GOAL_NOW)

    assert found.remaining == 0
    assert found.percent == Decimal("123.5")
    assert found.achieved


def test_goal_reached_once_stays_achieved_after_a_withdrawal() -> None:
    found = progress(_goal("900.00", achieved_at=GOAL_NOW), date(2027, 1, 4), GOAL_NOW)

    assert found.achieved
    assert found.remaining == Decimal("100.00")
    assert found.percent == Decimal("90.0")


def test_goal_without_a_target_date_needs_nothing_per_period() -> None:
    found = progress(_goal("100.00", target_date=None), date(2027, 1, 4), GOAL_NOW)

    assert found.days_left is None
    assert (found.needed_per_week, found.needed_per_month) == (None, None)
    assert not found.overdue
    assert found.percent == Decimal("10.0")


@pytest.mark.parametrize(
    ("saved", "expected"),
    [("333.33", "33.3"), ("666.67", "66.7"), ("2.50", "0.2"), ("3.50", "0.4")],
)
def test_goal_percent_is_one_decimal_half_even(saved: str, expected: str) -> None:
    found = progress(_goal(saved), date(2027, 1, 4), GOAL_NOW)

    assert str(found.percent) == expected


def test_goal_in_yen_needs_whole_yen() -> None:
    found = progress(_goal("0", target="100000", currency="JPY"), date(2027, 1, 1), GOAL_NOW)

    assert found.days_left == 31
    assert found.needed_per_week == Decimal("22581")  # 100000 / 31 * 7 = 22580.6...
    assert found.needed_per_month == Decimal("98183")  # 100000 / 31 * 30.436875 = 98183.4...
    assert found.remaining == Decimal("100000")


def test_goal_progress_serialises_amounts_as_strings() -> None:
    found = progress(_goal("250.00"), date(2027, 1, 4), GOAL_NOW).model_dump(mode="json")

    assert found["remaining"] == "750.00"
    assert found["needed_per_week"] == "187.50"
    assert found["percent"] == "25.0"


# ---- a day edited after the moment, and alerts kept across a changed calendar --------------


def test_an_edited_day_wins_over_a_moment_that_no_longer_agrees_with_it() -> None:
    rules = _rules("100.00", timezone="Europe/Berlin")
    moment = "2026-01-31T12:00:00+01:00"
    as_recorded = _spend(day="2026-01-31", occurred_at=moment)
    moved = _spend(version=2, day="2026-03-05", occurred_at=moment)  # only the date edited

    assert contribution(rules, as_recorded, _no_rate) == Contribution(
        "2026-01-01", Decimal("10.00")
    )
    assert contribution(rules, moved, _no_rate) == Contribution("2026-03-01", Decimal("10.00"))


def test_a_changed_calendar_keeps_only_the_alerts_of_periods_that_are_the_same_days() -> None:
    monthly = _rules("100.00", starts_on=date(2026, 1, 1))
    yearly = _rules("1000.00", kind="yearly", starts_on=date(2026, 1, 1))
    sent = {
        "2026-01-01": PeriodTally(fired=[50, 80], exceeded=True),
        "2026-02-01": PeriodTally(fired=[50]),
    }

    # January 2026 (a month) and 2026 (a year) share a key but not their days: nothing kept.
    assert recount(yearly, [], _no_rate, sent, monthly.calendar) == {}
    # The same calendar keeps everything it sent.
    kept = recount(monthly, [], _no_rate, sent, monthly.calendar)
    assert {k: (p.fired, p.exceeded) for k, p in kept.items()} == {
        "2026-01-01": ([50, 80], True),
        "2026-02-01": ([50], False),
    }
    # Weeks starting on another day are other periods.
    mondays = _rules("100.00", kind="weekly", starts_on=date(2026, 1, 5))
    sundays = _rules("100.00", kind="weekly", starts_on=date(2026, 1, 4), week_start=6)
    assert (
        recount(sundays, [], _no_rate, {"2026-01-05": PeriodTally(fired=[50])}, mondays.calendar)
        == {}
    )
