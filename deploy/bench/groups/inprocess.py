"""The in-process figures (pure functions of ``actors.splits``): random bills over the members,
split by every method (``shares.parts``), folded into a ``balances.Tally``; then the pairwise
debts, the settle-up plan (greedy above 10 members, and an exact plan over 10), the tally's
stored form there and back, one more bill added, the whole update a command makes to a stored
tally, and the same bills replayed from their events (``history.replay``)."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Sequence
from random import Random
from typing import Any, TypeVar

from actors.splits.balances import Tally
from actors.splits.bills import shares_data
from actors.splits.history import Change, replay
from actors.splits.shares import Part
from deploy.bench.groups.bills import CURRENCY, member_ids, random_bills
from deploy.bench.groups.options import GroupsBenchOptions
from deploy.bench.groups.results import InProcess
from deploy.bench.memory import own_peak_rss_mb
from deploy.bench.stats import latency_summary, percentile

EXACT_LIMIT = 10
"""``Tally.plan``'s default: up to this many members owing or owed, the plan is exact."""

T = TypeVar("T")


def ms(seconds: float) -> float:
    """``seconds`` in milliseconds, rounded."""
    return round(seconds * 1000.0, 3)


def _timed(fn: Callable[[], T], repeat: int = 1) -> tuple[float, T]:
    """The median wall time of ``repeat`` calls of ``fn`` in ms, and the last call's result."""
    times: list[float] = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return ms(sorted(times)[len(times) // 2]), result


def fold(bills: Sequence[list[Part]]) -> Tally:
    """A tally of ``bills``."""
    tally = Tally()
    for bill in bills:
        tally.add(CURRENCY, bill)
    return tally


def _micros(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    return {
        "p50": round(percentile(ordered, 50) * 1e6, 1),
        "p99": round(percentile(ordered, 99) * 1e6, 1),
        "max": round(ordered[-1] * 1e6, 1),
    }


def _update_cycle(data: dict[str, Any], bill: list[Part]) -> dict[str, Any]:
    """What the splits actor does to a group's stored tally for one new expense."""
    tally = Tally.from_data(data)
    tally.add(CURRENCY, bill)
    tally.debts()
    tally.plan()
    return tally.to_data()


def _each(fn: Callable[[list[Part]], object], bills: list[list[Part]]) -> list[float]:
    """The wall time of ``fn`` on each bill."""
    times: list[float] = []
    for bill in bills:
        t0 = time.perf_counter()
        fn(bill)
        times.append(time.perf_counter() - t0)
    return times


def in_process(o: GroupsBenchOptions, say: Callable[[str], None]) -> InProcess:
    """Every in-process figure."""
    rng = Random(o.seed)
    ids = member_ids(o.members)
    bills = random_bills(rng, ids, o.expenses)
    methods = Counter(b.method for b in bills)
    say(f"in process: splitting {o.expenses:,} bills over {o.members} members")
    split_ms, split = _timed(lambda: [b.parts() for b in bills])
    say(f"in process: folding {o.expenses:,} bills into a tally")
    fold_ms, tally = _timed(lambda: fold(split))
    debts_ms, debts = _timed(tally.debts, repeat=5)
    plan_ms, plan = _timed(tally.plan, repeat=5)
    owing = sum(1 for nets in tally.nets.values() for net in nets.values() if net)
    to_data_ms, data = _timed(tally.to_data, repeat=5)
    from_data_ms, back = _timed(lambda: Tally.from_data(data), repeat=5)

    exact_ids = member_ids(min(EXACT_LIMIT, o.members))
    small = fold([b.parts() for b in random_bills(rng, exact_ids, max(50, o.expenses // 20))])
    exact_ms, exact_plan = _timed(small.plan, repeat=5)

    extra = [b.parts() for b in random_bills(rng, ids, o.adds)]
    grown = Tally.from_data(data)
    add_times = _each(lambda bill: grown.add(CURRENCY, bill), extra)
    say(f"in process: {o.update_cycles} stored-tally updates, then replaying the events")
    cycle_times = _each(lambda bill: _update_cycle(data, bill), extra[: o.update_cycles])

    changes: list[Change] = [
        (None, {"balance_currency": CURRENCY, "balance_shares": shares_data(p), "deleted": False})
        for p in split
    ]
    replay_ms, replayed = _timed(lambda: replay(changes))
    return InProcess(
        members=o.members,
        bills=o.expenses,
        methods=dict(sorted(methods.items())),
        split_ms=split_ms,
        split_per_s=round(o.expenses / (split_ms / 1000.0), 1) if split_ms else 0.0,
        fold_ms=fold_ms,
        fold_per_bill_us=round(fold_ms * 1000.0 / o.expenses, 1),
        debts_ms=debts_ms,
        debts=len(debts),
        plan_ms=plan_ms,
        plan_transfers=len(plan),
        plan_method="exact" if owing <= EXACT_LIMIT else "greedy",
        plan_members=owing,
        plan_exact_members=len(exact_ids),
        plan_exact_ms=exact_ms,
        plan_exact_transfers=len(exact_plan),
        to_data_ms=to_data_ms,
        from_data_ms=from_data_ms,
        round_trip_ms=round(to_data_ms + from_data_ms, 3),
        round_trip_equal=back == tally,
        tally_json_bytes=len(json.dumps(data)),
        adds=len(add_times),
        add_us=_micros(add_times),
        update_cycles=len(cycle_times),
        update_cycle_ms=latency_summary(cycle_times),
        replay_events=len(changes),
        replay_ms=replay_ms,
        replay_matches=replayed == tally,
        process_peak_rss_mb=own_peak_rss_mb(),
    )
