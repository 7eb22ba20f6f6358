"""Unit tests of the ``lognormal`` and ``statements`` synthetic data sets and their catalogue.

A data set is only worth evaluating a scorer on if it is what it says: the same for the same
seed, shaped exactly as the API's entities, in the order the API got them, and with every label
true when recomputed from the records alone (a duplicate has its twin, an outlier is at least
5x its owner's median, a burst is 6 or more expenses within minutes). Everything here is
recomputed from the stream; nothing reads how the generators drew it.
"""

from __future__ import annotations

import json
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

import pytest

from bus.entities import Expense, GroupExpense
from bus.money import minor_units
from deploy.synthetic.fraud import catalog, lognormal, statements
from deploy.synthetic.fraud.currencies import home_value
from deploy.synthetic.fraud.dataset import Dataset

USERS, DAYS = 40, 60
Generate = Callable[..., Dataset]
MINE: dict[str, tuple[Generate, int]] = {
    "lognormal": (lognormal.generate, 15),
    "statements": (statements.generate, 12),
}
"""The generators tested here, with the longest burst they inject (minutes)."""


@cache
def _draw(name: str) -> Dataset:
    return MINE[name][0](7, users=USERS, days=DAYS)


@pytest.fixture(params=sorted(MINE))
def drawn(request: pytest.FixtureRequest) -> tuple[str, Dataset]:
    name: str = request.param
    return name, _draw(name)


def _expenses(ds: Dataset) -> list[dict[str, Any]]:
    return [item.data for item in ds.stream if item.kind == "expense"]


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _bytes(ds: Dataset) -> bytes:
    rows = [[i.at.isoformat(), i.kind, i.owner_id, i.data] for i in ds.stream]
    users = [[u.id, u.home_currency, u.utc_offset_minutes, u.categories] for u in ds.users]
    groups = [[g.id, g.member_ids, g.admin_ids] for g in ds.groups]
    return json.dumps([ds.seed, users, groups, rows, ds.labels]).encode()


@pytest.mark.parametrize("name", sorted(MINE))
def test_the_same_seed_gives_the_same_data_set_byte_for_byte(name: str) -> None:
    generate = MINE[name][0]
    first, again = generate(11, users=12, days=30), generate(11, users=12, days=30)
    assert _bytes(first) == _bytes(again)
    assert _bytes(first) != _bytes(generate(12, users=12, days=30))


def test_every_record_is_exactly_what_the_api_returns(drawn: tuple[str, Dataset]) -> None:
    _, ds = drawn
    kinds = Counter(item.kind for item in ds.stream)
    for item in ds.stream:
        model = Expense if item.kind == "expense" else GroupExpense
        assert model.model_validate(item.data).model_dump(mode="json") == item.data
        assert item.at == _moment(item.data["created_at"])
    assert set(kinds) <= {"expense", "group_expense"}
    assert kinds["expense"] > USERS * 50


def test_the_stream_is_in_the_order_records_reached_the_api(drawn: tuple[str, Dataset]) -> None:
    _, ds = drawn
    moments = [item.at for item in ds.stream]
    assert moments == sorted(moments)


def test_records_belong_to_their_people_and_groups(drawn: tuple[str, Dataset]) -> None:
    _, ds = drawn
    users = {u.id: u for u in ds.users}
    groups = {g.id: g for g in ds.groups}
    for item in ds.stream:
        if item.kind == "expense":
            user = users[item.owner_id]
            assert item.data["category_id"] in user.categories
            assert item.data["home_currency"] == user.home_currency
        else:
            group = groups[item.data["group_id"]]
            assert item.owner_id == item.data["created_by"]
            assert item.owner_id in group.member_ids
            assert item.data["currency"] == item.data["group_currency"]
            assert {users[m].home_currency for m in group.member_ids} == {item.data["currency"]}
    assert all(4 <= len(u.categories) <= 8 for u in ds.users)


def test_amounts_have_their_currencys_minor_units_and_home_values(
    drawn: tuple[str, Dataset],
) -> None:
    _, ds = drawn
    for e in _expenses(ds):
        places = minor_units(e["currency"])
        assert re.fullmatch(rf"[0-9]+\.[0-9]{{{places}}}" if places else "[0-9]+", e["amount"])
        amount, day = Decimal(e["amount"]), date.fromisoformat(e["date"])
        value = home_value(amount, e["currency"], e["home_currency"], day)
        assert Decimal(e["home_amount"]) == value["home_amount"]
        assert amount > 0


def test_only_cash_is_round(drawn: tuple[str, Dataset]) -> None:
    _, ds = drawn
    names = {cid: name for u in ds.users for cid, name in u.categories.items()}
    for e in _expenses(ds):
        whole = Decimal(1) if minor_units(e["currency"]) else Decimal(100)
        cash = names[e["category_id"]] == "Cash"
        assert (Decimal(e["amount"]) % whole == 0) == cash, e


def test_labels_name_existing_expenses_in_shares_of_1_to_2_percent(
    drawn: tuple[str, Dataset],
) -> None:
    name, ds = drawn
    ids = {e["id"] for e in _expenses(ds)}
    assert set(ds.labels) <= ids
    counts = Counter(ds.labels.values())
    assert set(counts) == set(catalog.PATTERNS_OF[name])
    for pattern, count in counts.items():
        assert 0.01 <= count / len(ids) <= 0.02, (pattern, count, len(ids))


def test_duplicates_have_an_earlier_twin_from_another_source(drawn: tuple[str, Dataset]) -> None:
    _, ds = drawn
    by_amount: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for item in ds.stream:
        if item.kind == "expense" and item.data["id"] not in ds.labels:
            e = item.data
            by_amount[item.owner_id, e["amount"], e["currency"]].append(e)
    for item in ds.stream:
        if ds.labels.get(item.data["id"]) != "duplicate":
            continue
        d = item.data

        def twin(e: dict[str, Any], d: dict[str, Any] = d) -> bool:
            apart = abs(date.fromisoformat(e["date"]) - date.fromisoformat(d["date"]))
            return (
                apart <= timedelta(days=1)
                and e["merchant"] != d["merchant"]
                and (e["occurred_at"] is None) != (d["occurred_at"] is None)
                and _moment(e["created_at"]) < _moment(d["created_at"])
            )

        assert any(twin(e) for e in by_amount[item.owner_id, d["amount"], d["currency"]]), d


def test_outliers_are_5x_their_owners_median_of_the_category_after_history(
    drawn: tuple[str, Dataset],
) -> None:
    _, ds = drawn
    history: dict[tuple[str, str], list[tuple[datetime, Decimal]]] = defaultdict(list)
    expenses = [(i.owner_id, i.data) for i in ds.stream if i.kind == "expense"]
    for owner, e in expenses:
        if e["id"] not in ds.labels:
            key = (owner, e["category_id"])
            history[key].append((_moment(e["created_at"]), Decimal(e["home_amount"])))
    for owner, e in expenses:
        if ds.labels.get(e["id"]) == "outlier":
            seen = history[owner, e["category_id"]]
            typical = statistics.median(amount for _, amount in seen)
            assert Decimal(e["home_amount"]) >= 5 * typical
            assert sum(at < _moment(e["created_at"]) for at, _ in seen) >= 5


def _clusters(moments: list[datetime], minutes: int) -> list[list[datetime]]:
    """Moments in order, cut wherever two follow more than ``minutes`` apart."""
    out: list[list[datetime]] = []
    for moment in sorted(moments):
        if out and moment - out[-1][-1] <= timedelta(minutes=minutes):
            out[-1].append(moment)
        else:
            out.append([moment])
    return out


def test_bursts_are_6_or_more_expenses_within_minutes(drawn: tuple[str, Dataset]) -> None:
    name, ds = drawn
    longest = MINE[name][1]
    times: dict[str, list[datetime]] = defaultdict(list)
    for item in ds.stream:
        if ds.labels.get(item.data["id"]) == "velocity":
            assert item.data["occurred_at"] is not None
            times[item.owner_id].append(_moment(item.data["occurred_at"]))
    assert times
    for moments in times.values():
        for burst in _clusters(moments, longest):
            assert len(burst) >= 6
            assert burst[-1] - burst[0] <= timedelta(minutes=longest)


def test_normal_traffic_holds_no_burst(drawn: tuple[str, Dataset]) -> None:
    _, ds = drawn
    times: dict[str, list[datetime]] = defaultdict(list)
    for item in ds.stream:
        e = item.data
        if item.kind == "expense" and e["id"] not in ds.labels and e["occurred_at"] is not None:
            times[item.owner_id].append(_moment(e["occurred_at"]))
    for moments in times.values():
        moments.sort()
        for early, late in zip(moments, moments[5:], strict=False):
            assert late - early > timedelta(minutes=15)


def test_statements_fraud_is_only_in_the_last_ten_days() -> None:
    ds = _draw("statements")
    first = statements.START + timedelta(days=DAYS - statements.FRAUD_DAYS)
    dates = [date.fromisoformat(e["date"]) for e in _expenses(ds) if e["id"] in ds.labels]
    assert len(dates) == len(ds.labels)
    assert min(dates) >= first


def _honest(ds: Dataset) -> dict[str, list[dict[str, Any]]]:
    """Each person's unlabelled expenses, in the order they reached the API."""
    mine: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in ds.stream:
        if item.kind == "expense" and item.data["id"] not in ds.labels:
            mine[item.owner_id].append(item.data)
    return mine


def test_statements_hold_the_honest_look_alikes() -> None:
    ds = _draw("statements")
    same_shop = busy = sittings = 0
    for mine in _honest(ds).values():
        seen = Counter((e["merchant"], e["date"]) for e in mine)
        amounts: dict[tuple[str, str], set[str]] = defaultdict(set)
        for e in mine:
            amounts[e["merchant"], e["date"]].add(e["amount"])
        same_shop += sum(1 for key, n in seen.items() if n >= 2 and len(amounts[key]) == n)
        timed = sorted(_moment(e["occurred_at"]) for e in mine if e["occurred_at"])
        busy += sum(
            1 for a, b in zip(timed, timed[2:], strict=False) if b - a <= timedelta(hours=1)
        )
        typed = [e for e in mine if e["occurred_at"]]
        for run in zip(typed, typed[1:], typed[2:], typed[3:], strict=False):
            created = _moment(run[-1]["created_at"]) - _moment(run[0]["created_at"])
            if created <= timedelta(minutes=15) and len({e["date"] for e in run}) >= 3:
                sittings += 1
    assert same_shop >= USERS // 2
    assert busy >= USERS
    assert sittings >= USERS // 10


def test_statements_come_from_three_sources_with_their_spellings() -> None:
    ds = _draw("statements")
    expenses = _expenses(ds)
    untimed = [e for e in expenses if e["occurred_at"] is None]
    receipt_times = [e for e in expenses if e["occurred_at"] and e["occurred_at"][17:19] == "00"]
    assert 0.2 < len(untimed) / len(expenses) < 0.6
    assert all(e["made_at"] is None for e in untimed)
    assert any(re.search(r"[A-Z]{2,} .*[0-9]{3,}", e["merchant"]) for e in untimed)
    assert len(receipt_times) > len(expenses) / 10
    sizes = sorted(len(g.member_ids) for g in ds.groups)
    assert sizes
    assert 2 <= sizes[0] <= sizes[-1] <= 4


def test_lognormal_spends_abroad_and_repeats_fixed_prices() -> None:
    ds = _draw("lognormal")
    expenses = _expenses(ds)
    abroad = [e for e in expenses if e["currency"] != e["home_currency"]]
    assert abroad
    assert {e["rate_source"] for e in abroad} == {"ECB"}
    repeats = Counter(
        (owner, e["merchant"], e["amount"]) for owner, mine in _honest(ds).items() for e in mine
    )
    assert sum(1 for n in repeats.values() if n >= 10) >= USERS // 4


def test_the_catalogue_lists_every_generator_with_disjoint_seeds() -> None:
    assert set(catalog.GENERATORS) == {"classic", "lognormal", "statements"}
    assert set(catalog.PATTERNS_OF) == set(catalog.GENERATORS)
    assert catalog.PATTERNS_OF["lognormal"] == lognormal.PATTERNS
    assert catalog.GENERATORS["statements"] is statements.generate
    for name in catalog.GENERATORS:
        tuning, held_out = catalog.TUNING_SEEDS[name], catalog.HELD_OUT_SEEDS[name]
        assert len(set(tuning)) == len(set(held_out)) == 3
        assert not set(tuning) & set(held_out)
