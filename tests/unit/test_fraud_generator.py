"""Unit tests of the synthetic fraud data set (``deploy/synthetic/fraud/generator.py``).

The data set is only useful for evaluating a scorer if it is what it says: the same for the
same seed, shaped exactly as the API's entities, in the order the API got them, with every
label true when recomputed from the stream alone (outliers really 3-8 MADs out, duplicates
really repeating an earlier expense, receipts' ``duplicates`` exactly what the ocr actor finds)
and with normal traffic free of unlabelled patterns but full of their honest look-alikes.
No servers: everything is recomputed here from the records.
"""

from __future__ import annotations

import bisect
import gc
import json
import random
import re
import statistics
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

import pytest
from pydantic import BaseModel

from actors.ocr.runtime import DUPLICATE_BITS, DUPLICATE_WINDOW, distance
from bus.entities import Expense, Trip
from bus.money import minor_units
from bus.receipts import Receipt
from deploy.synthetic.fraud.classic_drafts import PATTERNS
from deploy.synthetic.fraud.classic_world import CATALOG
from deploy.synthetic.fraud.dataset import Dataset
from deploy.synthetic.fraud.generator import generate
from deploy.synthetic.fraud.spellings import merchant_variant

BUDGET_FIELDS = {"id", "owner_id", "amount", "currency", "category_ids", "period"}


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    """The full-size data set, read by every test here. Its million objects hold no cycles and
    live as long as this module: frozen, the cyclic collector stops rescanning them in every
    test (refcounting still frees them afterwards). Garbage of earlier tests is collected
    first, so that nothing waiting to be finalized is frozen with them, and the collector
    stays off until the freeze (else it scans the million young objects once on the way)."""
    gc.collect()
    gc.disable()
    try:
        built = generate(1)
        gc.freeze()
    finally:
        gc.enable()
    return built


Records = dict[str, list[dict[str, Any]]]


@pytest.fixture(scope="module")
def records(dataset: Dataset) -> Records:
    """Each kind's records, in stream order (read by most tests: gathered once)."""
    by_kind: Records = defaultdict(list)
    for item in dataset.stream:
        by_kind[item.kind].append(item.data)
    return dict(by_kind)


@pytest.fixture(scope="module")
def owners(dataset: Dataset) -> dict[str, str]:
    """Record id -> its owner, for every record of the stream."""
    return {item.data["id"]: item.owner_id for item in dataset.stream}


def _positions(dataset: Dataset) -> dict[str, int]:
    return {item.data["id"]: at for at, item in enumerate(dataset.stream)}


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _sharing(dataset: Dataset) -> dict[str, set[str]]:
    """Each person and everyone in a group with them (whose receipts they are compared with)."""
    people = {u.id: {u.id} for u in dataset.users}
    for group in dataset.groups:
        for member in group.member_ids:
            people[member].update(group.member_ids)
    return people


def _budget_band(records: Records) -> dict[tuple[str, str], Decimal]:
    """(owner, category id) -> the amount of their budget there."""
    return {(b["owner_id"], b["category_ids"][0]): Decimal(b["amount"]) for b in records["budget"]}


def _spelled_alike(name: str) -> str:
    """A merchant name without case, spaces, punctuation, store numbers or the word "Store"
    before a number: what a re-typed spelling of the same merchant keeps."""
    lowered = re.sub(r"store\s*(?=\d)", "", name.lower())
    return "".join(ch for ch in lowered if ch.isalpha())


# ---- determinism and shapes -----------------------------------------------------------------


def test_the_same_seed_gives_the_same_data_set_byte_for_byte() -> None:
    first, again = generate(11, users=40, days=45), generate(11, users=40, days=45)
    other = generate(12, users=40, days=45)

    def dump(d: Dataset) -> str:
        stream = [(i.at.isoformat(), i.kind, i.owner_id, i.data) for i in d.stream]
        return json.dumps([stream, d.labels, d.outlier_k, repr(d.users), repr(d.groups)])

    assert first == again
    assert dump(first) == dump(again)
    assert dump(first) != dump(other)


def test_every_record_is_exactly_what_the_api_returns(dataset: Dataset) -> None:
    models: dict[str, type[BaseModel]] = {"expense": Expense, "receipt": Receipt, "trip": Trip}
    for item in dataset.stream:
        if item.kind == "budget":
            assert set(item.data) == BUDGET_FIELDS
            assert Decimal(item.data["amount"]) > 0
            assert item.data["period"] == "monthly"
            continue
        entity = models[item.kind].model_validate(item.data)
        assert entity.model_dump(mode="json") == item.data  # nothing missing, nothing extra


def _decimals(amount: str) -> int:
    return len(amount.partition(".")[2])


def test_amounts_have_their_currencys_minor_units_and_home_values(records: Records) -> None:
    for e in records["expense"]:
        amount, home_amount = Decimal(e["amount"]), Decimal(e["home_amount"])
        assert amount > 0
        assert _decimals(e["amount"]) == minor_units(e["currency"])
        assert _decimals(e["home_amount"]) == minor_units(e["home_currency"])
        if e["currency"] == e["home_currency"]:
            assert (home_amount, e["rate"], e["rate_source"]) == (amount, "1", "identity")
        else:
            assert e["rate_source"] == "ECB"
            expected = amount * Decimal(e["rate"])
            assert abs(home_amount - expected) <= Decimal(1).scaleb(
                -minor_units(e["home_currency"])
            )
            assert date.fromisoformat(e["rate_date"]).weekday() < 5
        assert e["rate_status"] == "ok"


def test_an_expenses_date_is_the_local_day_it_occurred(records: Records) -> None:
    for e in records["expense"]:
        if e["occurred_at"] is not None:
            assert _moment(e["occurred_at"]).date().isoformat() == e["date"]


def test_the_stream_is_chronological(dataset: Dataset) -> None:
    moments = [item.at for item in dataset.stream]
    assert moments == sorted(moments)
    for item in dataset.stream:
        if "created_at" in item.data:  # budgets show no time
            assert item.at == _moment(item.data["created_at"])


def test_receipts_trips_and_budgets_come_before_what_uses_them(
    dataset: Dataset, records: Records, owners: dict[str, str]
) -> None:
    at = _positions(dataset)
    budgets = defaultdict(list)
    for b in records["budget"]:
        budgets[b["owner_id"], b["category_ids"][0]].append(at[b["id"]])
    for e in records["expense"]:
        for ref in ("receipt_id", "trip_id"):
            if e[ref] is not None:
                assert at[e[ref]] < at[e["id"]]
                assert owners[e[ref]] == owners[e["id"]]
        for budget_at in budgets.get((owners[e["id"]], e["category_id"]), []):
            assert budget_at < at[e["id"]]


def test_people_groups_and_categories_are_consistent(dataset: Dataset) -> None:
    users = {u.id: u for u in dataset.users}
    assert len(users) == 300
    grouped = {m for g in dataset.groups for m in g.member_ids}
    assert 0.4 * len(users) <= len(grouped) <= 0.6 * len(users)
    for group in dataset.groups:
        assert 3 <= len(group.member_ids) <= 5
        assert group.admin_ids == group.member_ids[:1]
    for item in dataset.stream:
        if item.kind == "expense":
            assert item.data["category_id"] in users[item.owner_id].categories
            assert item.data["home_currency"] == users[item.owner_id].home_currency


# ---- the labels, recomputed -----------------------------------------------------------------


def test_each_pattern_has_enough_labelled_expenses(
    dataset: Dataset, records: Records, owners: dict[str, str]
) -> None:
    expenses = {e["id"] for e in records["expense"]}
    assert set(dataset.labels) <= expenses
    assert set(dataset.labels.values()) == set(PATTERNS)
    for pattern in PATTERNS:
        ids = [i for i, p in dataset.labels.items() if p == pattern]
        assert len(ids) >= 30, pattern
        assert len({owners[i] for i in ids}) >= 10, pattern  # spread across people
        assert len(ids) <= 0.02 * len(expenses), pattern


def test_outliers_are_3_to_8_mads_above_the_median_of_what_came_before(
    dataset: Dataset, records: Records, owners: dict[str, str]
) -> None:
    seen: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    checked = 0
    for e in records["expense"]:
        history = seen[owners[e["id"]], e["category_id"]]
        home_amount = Decimal(e["home_amount"])
        if dataset.labels.get(e["id"]) == "outlier":
            assert len(history) >= 10
            median = statistics.median(history)
            mad = statistics.median(abs(x - median) for x in history)
            k = (home_amount - median) / mad
            assert 3 <= k <= 8
            assert float(k) == pytest.approx(dataset.outlier_k[e["id"]])
            assert e["currency"] == e["home_currency"]
            checked += 1
        history.append(home_amount)
    assert checked == len(dataset.outlier_k) >= 30


def test_duplicates_repeat_an_earlier_expense_with_another_spelling(
    dataset: Dataset, records: Records, owners: dict[str, str]
) -> None:
    earlier: dict[tuple[str, str, str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for e in records["expense"]:
        key = (owners[e["id"]], e["amount"], e["currency"], e["date"], e["category_id"])
        if dataset.labels.get(e["id"]) == "duplicate":
            originals = [
                o
                for o in earlier[key]
                if o["id"] not in dataset.labels
                and o["merchant"] != e["merchant"]
                and _spelled_alike(o["merchant"]) == _spelled_alike(e["merchant"])
            ]
            assert originals, e
            arrived = _moment(e["created_at"]) - max(_moment(o["created_at"]) for o in originals)
            assert timedelta(0) < arrived <= timedelta(days=2)
            if e["occurred_at"] is not None:
                assert any(
                    abs(_moment(o["occurred_at"]) - _moment(e["occurred_at"]))
                    <= timedelta(minutes=8)
                    for o in originals
                )
        earlier[key].append(e)


def test_receipt_reuse_files_a_new_expense_with_a_receipt_used_before(
    dataset: Dataset, owners: dict[str, str]
) -> None:
    sharing = _sharing(dataset)
    receipts: dict[str, dict[str, Any]] = {}
    used_by: dict[str, dict[str, Any]] = {}  # receipt id -> the expense that used it first
    grouped = 0
    for item in dataset.stream:
        if item.kind == "receipt":
            receipts[item.data["id"]] = item.data
            continue
        if item.kind != "expense" or item.data["receipt_id"] is None:
            continue
        e = item.data
        if dataset.labels.get(e["id"]) == "receipt_reuse":
            receipt = receipts[e["receipt_id"]]
            assert receipt["duplicates"], e
            before = [used_by[d] for d in receipt["duplicates"] if d in used_by]
            assert before, e
            assert all(owners[b["id"]] in sharing[item.owner_id] for b in before)
            grouped += any(owners[b["id"]] != item.owner_id for b in before)
            for b in before:
                if owners[b["id"]] == item.owner_id:
                    gap = _moment(e["created_at"]) - _moment(b["created_at"])
                    assert gap >= timedelta(days=3)
                    assert b["date"] != e["date"]
        used_by.setdefault(e["receipt_id"], e)
    reused = sum(1 for p in dataset.labels.values() if p == "receipt_reuse")
    assert 0.3 * reused <= grouped <= 0.7 * reused  # about half from a group member


def test_a_receipt_photographed_again_is_only_used_by_a_labelled_expense(
    dataset: Dataset, records: Records
) -> None:
    receipts = {r["id"]: r for r in records["receipt"]}
    used = {e["receipt_id"]: e for e in records["expense"] if e["receipt_id"] is not None}
    for receipt_id, e in used.items():
        if receipts[receipt_id]["duplicates"]:
            assert dataset.labels.get(e["id"]) == "receipt_reuse"
    assert len(used) == sum(1 for e in records["expense"] if e["receipt_id"])
    loose_again = [r for r in receipts.values() if r["duplicates"] and r["id"] not in used]
    assert loose_again  # normal people photograph a receipt twice and file it once


def test_receipt_duplicates_match_a_brute_force_search(dataset: Dataset, records: Records) -> None:
    """Every earlier receipt of everyone sharing a group with the owner, compared one by one.

    The two million comparisons count differing bits of hashes read as integers once (the
    ocr actor's :func:`distance` reads both hex strings on every call); each pair found is
    measured again with :func:`distance`, so the search stays the actor's."""
    sharing = _sharing(dataset)
    created: dict[str, list[datetime]] = defaultdict(list)  # per owner, in stream order
    hashes: dict[str, list[int]] = defaultdict(list)
    receipts: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in records["receipt"]:
        since = _moment(r["scanned_at"]) - DUPLICATE_WINDOW
        bits = int(r["phash"], 16)
        found = []
        for owner in sharing[r["owner_id"]]:
            first = bisect.bisect_left(created[owner], since)
            near = [
                at
                for at, other in enumerate(hashes[owner][first:], first)
                if (bits ^ other).bit_count() <= DUPLICATE_BITS
            ]
            found += [(created[owner][at], receipts[owner][at]) for at in near]
        assert all(distance(o["phash"], r["phash"]) <= DUPLICATE_BITS for _, o in found)
        newest_first = sorted(((at, o["id"]) for at, o in found), reverse=True)
        assert r["duplicates"] == [receipt_id for _, receipt_id in newest_first]
        created[r["owner_id"]].append(_moment(r["created_at"]))
        hashes[r["owner_id"]].append(bits)
        receipts[r["owner_id"]].append(r)


def test_padded_expenses_are_10_to_60_percent_above_their_receipt(
    dataset: Dataset, records: Records
) -> None:
    receipts = {r["id"]: r for r in records["receipt"]}
    for e in records["expense"]:
        if e["receipt_id"] is None:
            continue
        receipt = receipts[e["receipt_id"]]
        amount, total = Decimal(e["amount"]), Decimal(receipt["fields"]["total"])
        assert receipt["confidence"]["total"] >= 0.85
        label = dataset.labels.get(e["id"])
        if label == "padding":
            assert Decimal("0.10") <= (amount - total) / amount <= Decimal("0.60")
        elif label != "receipt_reuse":
            assert amount == total


def test_trip_expenses_stay_on_the_trip_unless_mismatched(
    dataset: Dataset, records: Records
) -> None:
    trips = {t["id"]: t for t in records["trip"]}
    for e in records["expense"]:
        if e["trip_id"] is None:
            assert dataset.labels.get(e["id"]) != "trip_mismatch"
            continue
        trip = trips[e["trip_id"]]
        start, end = date.fromisoformat(trip["start_date"]), date.fromisoformat(trip["end_date"])
        day = date.fromisoformat(e["date"])
        inside = start <= day <= end
        usual = e["currency"] in {trip["currency"], e["home_currency"]}
        if dataset.labels.get(e["id"]) == "trip_mismatch":
            far = day <= start - timedelta(days=3) or day >= end + timedelta(days=3)
            assert far or (inside and not usual)
        elif dataset.labels.get(e["id"]) is None:
            assert inside
            assert usual


def test_velocity_bursts_are_5_to_9_within_50_minutes(
    dataset: Dataset, records: Records, owners: dict[str, str]
) -> None:
    moments: dict[str, list[datetime]] = defaultdict(list)
    for e in records["expense"]:
        if dataset.labels.get(e["id"]) == "velocity":
            moments[owners[e["id"]]].append(_moment(e["occurred_at"]))
    bursts = [burst for times in moments.values() for burst in _runs(times, timedelta(hours=1))]
    for burst in bursts:
        assert 5 <= len(burst) <= 9
        assert timedelta(minutes=15) <= burst[-1] - burst[0] <= timedelta(minutes=50)
    assert len(bursts) >= 30


def _runs(moments: list[datetime], gap: timedelta) -> list[list[datetime]]:
    """``moments`` sorted and cut wherever two are more than ``gap`` apart."""
    runs: list[list[datetime]] = []
    for moment in sorted(moments):
        if runs and moment - runs[-1][-1] <= gap:
            runs[-1].append(moment)
        else:
            runs.append([moment])
    return runs


def test_limit_bursts_sit_just_under_a_budget(
    dataset: Dataset, records: Records, owners: dict[str, str]
) -> None:
    budgets = _budget_band(records)
    moments: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    for e in records["expense"]:
        if dataset.labels.get(e["id"]) == "limit_burst":
            key = (owners[e["id"]], e["category_id"])
            limit = budgets[key]
            assert limit * Decimal("0.90") <= Decimal(e["home_amount"]) <= limit * Decimal("0.995")
            assert e["currency"] == e["home_currency"]
            moments[key].append(_moment(e["occurred_at"]))
    bursts = [burst for times in moments.values() for burst in _runs(times, timedelta(days=3))]
    for burst in bursts:
        assert 2 <= len(burst) <= 4
        assert burst[-1] - burst[0] < timedelta(days=3)
    assert len(bursts) >= 15


# ---- normal traffic -------------------------------------------------------------------------


def test_normal_traffic_holds_no_unlabelled_burst(
    dataset: Dataset, records: Records, owners: dict[str, str]
) -> None:
    budgets = _budget_band(records)
    timed: dict[str, list[datetime]] = defaultdict(list)
    near_limit: dict[tuple[str, str], list[date]] = defaultdict(list)
    for e in records["expense"]:
        if e["id"] in dataset.labels:
            continue
        owner = owners[e["id"]]
        if e["occurred_at"] is not None:
            timed[owner].append(_moment(e["occurred_at"]))
        limit = budgets.get((owner, e["category_id"]))
        if limit is not None and limit * Decimal("0.9") <= Decimal(e["home_amount"]) <= limit:
            near_limit[owner, e["category_id"]].append(date.fromisoformat(e["date"]))
    for times in timed.values():
        times.sort()
        assert all(b - a > timedelta(minutes=50) for a, b in zip(times, times[4:], strict=False))
    for days in near_limit.values():
        days.sort()
        assert all(b - a > timedelta(days=3) for a, b in pairwise(days))


def test_normal_traffic_holds_the_honest_look_alikes(
    dataset: Dataset, records: Records, owners: dict[str, str]
) -> None:
    """What a scorer must not flag: without these it could cheat on surface features."""
    budgets = _budget_band(records)
    normal = [e for e in records["expense"] if e["id"] not in dataset.labels]
    same_day: dict[tuple[str, ...], int] = defaultdict(int)
    for e in normal:
        same_day[owners[e["id"]], e["merchant"], e["amount"], e["date"]] += 1
    twice = sum(1 for n in same_day.values() if n >= 2)
    round_amounts = {Decimal(20), Decimal(50), Decimal(100)}
    rounds = sum(1 for e in normal if Decimal(e["amount"]) in round_amounts)
    untimed = sum(1 for e in normal if e["occurred_at"] is None)
    late = sum(
        1
        for e in normal
        if e["occurred_at"] is not None
        and _moment(e["made_at"]) - _moment(e["occurred_at"]) >= timedelta(hours=1)
    )
    near_budget = sum(
        1
        for e in normal
        if (limit := budgets.get((owners[e["id"]], e["category_id"]))) is not None
        and limit * Decimal("0.6") <= Decimal(e["home_amount"]) <= limit * Decimal("0.85")
    )
    online_on_trips = sum(
        1 for e in normal if e["trip_id"] is not None and e["currency"] == e["home_currency"]
    )
    with_receipt = sum(1 for e in normal if e["receipt_id"] is not None)
    assert min(twice, rounds, untimed, late, near_budget, online_on_trips) >= 20
    assert 0.2 <= with_receipt / len(normal) <= 0.4


def test_labels_leave_no_trace_in_how_records_are_written(
    dataset: Dataset, records: Records
) -> None:
    """Which fields are null and which times have fractions of seconds: a scorer must not
    tell injected expenses by their format."""

    def signature(e: dict[str, Any]) -> tuple[object, ...]:
        times = ("occurred_at", "made_at", "created_at")
        return (*(e[t] is None or "." in e[t] for t in times), e["receipt_id"] is None)

    normal = {signature(e) for e in records["expense"] if e["id"] not in dataset.labels}
    labelled = {signature(e) for e in records["expense"] if e["id"] in dataset.labels}
    assert labelled <= normal


# ---- pieces ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(20))
def test_a_merchant_variant_is_another_spelling_of_the_same_name(seed: int) -> None:
    rng = random.Random(seed)
    for shops in CATALOG.values():
        for shop in shops:
            for name in (shop.name, f"{shop.name} #{rng.randint(100, 9999)}", f"{shop.name} 4471"):
                variant = merchant_variant(rng, name)
                assert variant != name
                assert variant
                assert variant == variant.strip()
                assert _spelled_alike(variant) == _spelled_alike(name)


def test_small_data_sets_are_drawn_too() -> None:
    small = generate(3, users=6, days=12)
    assert len(small.users) == 6
    assert [i.at for i in small.stream] == sorted(i.at for i in small.stream)
    assert all(i.kind != "trip" for i in small.stream)  # too short for trips
