"""``python -m deploy.bench groups --quick`` end to end: every figure is there, with sane types.

No speed is asserted: the benchmark reports, it does not judge. The run starts its own stack
(NATS, SecantusDB, edge, accounts and splits actors), so this test needs no fixtures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.bench_smoke import check_latency, run_quick_bench

pytestmark = pytest.mark.integration

STACK_PROCESSES = ("nats", "mongo", "edge", "actor:accounts", "actor:splits")

IN_PROCESS_TIMES = (
    "split_ms",
    "split_per_s",
    "fold_ms",
    "fold_per_bill_us",
    "debts_ms",
    "plan_ms",
    "plan_exact_ms",
    "to_data_ms",
    "from_data_ms",
    "round_trip_ms",
    "replay_ms",
    "process_peak_rss_mb",
)
IN_PROCESS_COUNTS = (
    "members",
    "bills",
    "debts",
    "plan_transfers",
    "plan_members",
    "plan_exact_members",
    "plan_exact_transfers",
    "tally_json_bytes",
    "adds",
    "update_cycles",
    "replay_events",
)


def _latency(where: str, latency: dict[str, Any] | None) -> None:
    check_latency(where, latency)


def _in_process(figures: dict[str, Any]) -> None:
    for key in IN_PROCESS_TIMES:
        assert isinstance(figures[key], float), key
        assert figures[key] >= 0, key
    for key in IN_PROCESS_COUNTS:
        assert isinstance(figures[key], int), key
    assert figures["bills"] == 300
    assert figures["members"] == 10
    assert sum(figures["methods"].values()) == 300
    assert set(figures["methods"]) == {"equal", "exact", "percent", "shares", "adjustment"}
    assert figures["plan_method"] in ("exact", "greedy")
    assert figures["replay_events"] == 300
    assert figures["round_trip_equal"] is True
    assert figures["replay_matches"] is True
    for key in ("p50", "p99"):
        assert isinstance(figures["add_us"][key], float), key
    _latency("update cycle", figures["update_cycle_ms"])


def _http(figures: dict[str, Any]) -> None:
    load = figures["load"]
    assert isinstance(load["commands_per_s"], float)
    assert load["commands_per_s"] > 0, load
    for key in ("created_201", "pending_202", "pending_accepted", "pending_rejected", "errors"):
        assert isinstance(load[key], int), key
    assert load["errors"] == 0, load
    _latency("add expenses", load["latency_ms"])
    assert isinstance(load["applied_per_s"], float)

    assert figures["expenses_requested"] == 300
    assert figures["expenses_created"] == 300, load
    assert load["created_201"] + load["pending_accepted"] == 300, load
    assert figures["expenses_in_group"] == 300

    balances = figures["balances"]
    _latency("balances", balances["latency_ms"])
    assert balances["errors"] == 0, balances
    assert balances["members"] > 0
    assert isinstance(balances["bytes"], int)
    assert balances["zero_sum"] is True
    assert balances["matches_local"] is True, balances

    past = figures["balances_as_of"]
    _latency("balances as of", past["latency_ms"])
    assert past["errors"] == 0, past
    assert past["events_folded"] == 300
    assert past["zero_sum"] is True
    assert past["matches_current"] is True
    folded = [point["events_folded"] for point in figures["balances_as_of_earlier"]]
    assert len(folded) == 2, figures["balances_as_of_earlier"]
    for point in figures["balances_as_of_earlier"]:
        _latency(f"balances as of {point['fraction']}", point["latency_ms"])
        assert point["errors"] == 0, point
        assert point["zero_sum"] is True
    assert 0 < folded[0] <= folded[1] <= 300, folded

    explain = figures["explain"]
    assert explain["status"] == 200, explain
    assert isinstance(explain["ms"], float)
    assert isinstance(explain["items"], int)
    assert explain["items"] > 0

    for key in ("sign_up_s", "group_setup_s"):
        assert isinstance(figures[key], float), key
    memory = figures["memory_peak_mb"]
    for name in STACK_PROCESSES:
        assert isinstance(memory.get(name), float), f"no memory figure for {name}: {memory}"
        assert memory[name] > 0


@pytest.mark.timeout(300)
def test_quick_groups_benchmark_reports_every_figure(tmp_path: Path) -> None:
    stdout, figures = run_quick_bench("groups", tmp_path, 280)
    assert "zero_sum: true" in stdout, stdout

    assert figures["benchmark"] == "groups"
    assert figures["options"]["quick"] is True
    assert figures["database"].startswith("SecantusDB")
    assert figures["zero_sum"] is True
    assert isinstance(figures["elapsed_s"], float)
    _in_process(figures["in_process"])
    _http(figures["http"])
