"""``python -m deploy.bench fraud --quick`` end to end: every figure is there, with sane values.

No speed is asserted, and neither is the p95 target: the benchmark reports, it does not judge.
The run starts its own stack (NATS, SecantusDB, edge with Socket.IO, accounts, expenses and
fraud actors, and a second fraud process for the middle one of three rounds), so this test needs
no fixtures. What is checked beyond the types: every expense written was created, its event seen
on NATS and its risk record seen committed; each round's backlog was applied by the expenses
actor (timed on its own) before its events were scored, and the ratio of the two rates is the
one printed; each round's risk records are exactly the expenses it created, with no dead
letter; and the profiles were measured.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.bench_smoke import check_latency, check_rate, run_quick_bench

pytestmark = pytest.mark.integration

STACK_PROCESSES = (
    "nats",
    "mongo",
    "edge",
    "actor:accounts",
    "actor:expenses",
    "actor:fraud",
    "actor:fraud#2",
)
USERS = 4
HISTORY = 8
ARRIVALS = 20  # 4 s at 5 a second
BACKLOG = 100


def _latency(where: str, latency: dict[str, Any] | None) -> None:
    check_latency(where, latency, ("p50", "p95", "p99", "max"))


def _writes(where: str, w: dict[str, Any], count: int) -> None:
    assert w["requests"] == count, (where, w)
    assert w["errors"] == 0, (where, w)
    assert w["accepted"] == count, (where, w)
    _latency(f"{where} writes", w["latency_ms"])


def _round(r: dict[str, Any], processes: int, before: int) -> None:
    assert r["processes"] == processes, r
    _writes(f"round of {processes}", r["writes"], BACKLOG)
    assert r["created"] == BACKLOG, r
    assert r["events_waiting"] == BACKLOG, r  # each event waited in the paused consumers, once
    assert r["scored"] == BACKLOG, r
    assert r["missing"] == 0, r
    check = r["check"]
    assert check["risk_records"] == BACKLOG, check  # expense_version >= 1, one per expense
    assert check["dead_letters"] == 0, check
    assert check["risk_records_in_all"] == before + BACKLOG, check
    assert r["exact"] is True, r
    assert r["duration_s"] > 0, r
    check_rate("events per second", r["events_per_s"], BACKLOG, r["duration_s"])
    applying = r["applying"]
    assert applying["commands_waiting"] >= BACKLOG, applying  # all waited, paused, at once
    assert applying["applied"] == BACKLOG, applying
    assert applying["duration_s"] > 0, applying
    check_rate("expenses per second", applying["expenses_per_s"], BACKLOG, applying["duration_s"])
    assert applying["cpu_percent"]["actor:expenses"] > 0, applying
    expected = r["events_per_s"] / applying["expenses_per_s"]
    assert r["scoring_to_applying"] == pytest.approx(expected, abs=0.001), r
    cpu = r["cpu_percent"]
    assert cpu["actor:fraud"] > 0, cpu
    if processes == 2:
        assert isinstance(cpu.get("actor:fraud#2"), float), cpu


@pytest.mark.timeout(300)
def test_quick_fraud_benchmark_reports_every_figure(tmp_path: Path) -> None:
    stdout, figures = run_quick_bench("fraud", tmp_path, 280)
    assert "events/s" in stdout
    assert stdout.count("the same backlog applied by the expenses actor") == 3
    assert stdout.count("scoring / applying: ") == 3
    assert "scoring / applying (1 or more: scoring keeps up): 1 fraud process " in stdout
    assert "target: p95 under 100 ms from the event to the commit: " in stdout
    assert "risk records seen committed by: " in stdout

    assert figures["benchmark"] == "fraud"
    assert figures["options"]["quick"] is True
    assert figures["database"].startswith("SecantusDB")
    assert isinstance(figures["elapsed_s"], float)
    assert isinstance(figures["process_peak_rss_mb"], float)

    h = figures["http"]
    assert h["users"] == USERS
    assert h["commits_seen_by"] in ("change stream", "polling every 5 ms")
    history = h["history"]
    assert history["created"] == history["scored"] == USERS * HISTORY, history
    _writes("history", history["writes"], USERS * HISTORY)

    steady = h["steady"]
    _writes("steady", steady["writes"], ARRIVALS)
    assert steady["created"] == steady["scored"] == ARRIVALS, steady
    assert steady["missing"] == 0, steady
    _latency("event to commit", steady["event_to_commit_ms"])
    _latency("post to commit", steady["post_to_commit_ms"])
    for stage, latency in steady["stages"].items():
        assert latency is not None, stage
    assert len(steady["slowest"]) == 5, steady["slowest"]
    assert steady["target"]["p95_ms_under"] == 100.0
    assert isinstance(steady["target"]["met"], bool)
    assert steady["cpu_percent"]["actor:fraud"] > 0, steady["cpu_percent"]

    rounds = h["rounds"]
    assert [r["processes"] for r in rounds] == [1, 2, 1], rounds
    before = USERS * HISTORY + ARRIVALS
    for n, r in enumerate(rounds):
        _round(r, r["processes"], before + n * BACKLOG)
    assert h["second_pulling"] >= 2

    profiles = h["profiles"]
    assert list(profiles) == ["after the history", "after the fixed rate", "at the end"]
    for p in profiles.values():
        assert p["profiles"] == USERS, p
        assert p["largest_bytes"] > 0, p
    scoring = h["scoring"]
    assert scoring["risk_records"] == before + 3 * BACKLOG, scoring
    assert scoring["signals"], scoring  # the plan makes duplicates, outliers, night purchases

    memory = h["memory_peak_mb"]
    for name in STACK_PROCESSES:
        assert isinstance(memory.get(name), float), f"no memory figure for {name}: {memory}"
        assert memory[name] > 0
    assert h["memory_steady_mb"]["actor:fraud"] > 0
