"""``python -m deploy.bench budgets --quick`` end to end: every figure is there, with sane values.

No speed is asserted: the benchmark reports, it does not judge. The run starts its own stack
(NATS, SecantusDB, edge with Socket.IO, accounts, expenses and budgets actors, and a second
budgets process for the middle one of three rounds), so this test needs no fixtures. What is checked beyond the
types: every expense written was created and applied to every budget it counts in, and every
timed expense's alert reached the device.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.bench_smoke import check_latency, run_quick_bench

pytestmark = pytest.mark.integration

STACK_PROCESSES = (
    "nats",
    "mongo",
    "edge",
    "actor:accounts",
    "actor:expenses",
    "actor:budgets",
    "actor:budgets#2",
)
USERS = 4
BUDGETS = 3
EXPENSES = 120
SAMPLES = 12


def _latency(where: str, latency: dict[str, Any] | None) -> None:
    check_latency(where, latency, ("p50", "p95", "p99", "max"))


def _round(r: dict[str, Any], processes: int) -> None:
    assert r["processes"] == processes, r
    writes = r["writes"]
    assert writes["requests"] == EXPENSES, writes
    assert writes["errors"] == 0, writes
    assert writes["expenses_created"] == EXPENSES, writes
    assert writes["created_201"] + writes["pending_accepted"] == EXPENSES, writes
    _latency("writes", writes["latency_ms"])
    assert r["events_expected"] == EXPENSES, r
    assert r["events"] == EXPENSES, r  # each event waited in the paused consumers, once
    for key in ("events_per_s", "budget_updates_per_s", "duration_s", "stream_wait_s"):
        assert isinstance(r[key], float), key
    assert r["events_per_s"] > 0, r
    assert r["budget_updates_per_s"] >= r["events_per_s"], r
    assert EXPENSES <= r["budget_updates"] <= EXPENSES * BUDGETS, r
    check = r["check"]
    assert check["budgets"] == USERS * BUDGETS, check
    assert check["matching"] == check["budgets"], check  # counted and spent as written
    assert check["first_mismatch"] is None, check
    assert r["alerts_raised"] > 0, r  # budgets sized so that every round crosses thresholds
    cpu = r["cpu_percent"]
    assert isinstance(cpu.get("actor:budgets"), float), cpu
    assert cpu["actor:budgets"] > 0, cpu
    if processes == 2:
        assert isinstance(cpu.get("actor:budgets#2"), float), cpu


@pytest.mark.timeout(300)
def test_quick_budgets_benchmark_reports_every_figure(tmp_path: Path) -> None:
    stdout, figures = run_quick_bench("budgets", tmp_path, 280)
    assert "events/s" in stdout
    assert f"{SAMPLES}/{SAMPLES} received" in stdout, stdout

    assert figures["benchmark"] == "budgets"
    assert figures["options"]["quick"] is True
    assert figures["database"].startswith("SecantusDB")
    assert isinstance(figures["elapsed_s"], float)
    assert isinstance(figures["process_peak_rss_mb"], float)

    http = figures["http"]
    assert http["users"] == USERS + 1
    assert http["budgets_each"] == BUDGETS
    assert sum(http["budgets_per_expense"].values()) == EXPENSES
    rounds = http["rounds"]
    assert [r["processes"] for r in rounds] == [1, 2, 1], rounds
    for r in rounds:
        _round(r, r["processes"])
    assert http["second_pulling"] >= 2

    alerts = http["alerts"]
    assert alerts["samples"] == SAMPLES
    assert alerts["received"] == SAMPLES, alerts  # every timed expense's alert arrived
    assert alerts["missing"] == 0, alerts
    assert alerts["errors"] == 0, alerts
    assert alerts["budgets_used"] == 2, alerts  # 10 thresholds a budget
    _latency("expense to alert", alerts["alert_ms"])
    _latency("expense written", alerts["write_ms"])

    memory = http["memory_peak_mb"]
    for name in STACK_PROCESSES:
        assert isinstance(memory.get(name), float), f"no memory figure for {name}: {memory}"
        assert memory[name] > 0
    assert http["memory_peak_applying_mb"]["actor:budgets"] > 0
