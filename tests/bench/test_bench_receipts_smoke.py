"""``python -m deploy.bench receipts --quick`` end to end: every figure is there, with sane values.

No speed is asserted, and neither is the p95 target: the benchmark reports, it does not judge.
The run starts its own stack (NATS, SecantusDB, edge with Socket.IO, the accounts actor and one
ocr process), so this test needs no fixtures. What is checked beyond the types: every receipt
uploaded was accepted and ends scanned or failed (read back over HTTP at the end), each one's
outcome reached its owner's device, and the throughput counts only receipts read.

The ocr sweeper runs every 2 s here and sends a receipt pending 10 s to be read again, so that a
receipt answered before it was recorded (read only once the sweeper asks) ends within the test's
time instead of minutes later.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.bench_smoke import check_latency, check_rate, run_quick_bench

pytestmark = pytest.mark.integration

STACK_PROCESSES = ("nats", "mongo", "edge", "actor:accounts", "actor:ocr")
USERS = 2
IDLE = 2
ARRIVALS = 5  # 5 s at 1 a second
BACKLOG = 8
PROBE_MAX = 4
READS = 2
SWEEPER = {"LEDGERBUS_OCR_SWEEP_S": "2", "LEDGERBUS_OCR_RETRY_AFTER_S": "10"}


def _latency(where: str, latency: dict[str, Any] | None) -> None:
    check_latency(where, latency, ("p50", "p95", "p99", "max"))


def _uploads(where: str, u: dict[str, Any], count: int) -> None:
    assert u["uploads"] == count, (where, u)
    assert u["errors"] == 0, (where, u)
    assert u["accepted"] == count, (where, u)
    assert u["recorded"] + u["recorded_late"] == count, (where, u)
    if count:
        _latency(f"{where} uploads", u["latency_ms"])


def _outcomes(where: str, r: dict[str, Any], count: int) -> None:
    assert r["accepted"] == count, (where, r)
    assert r["missing"] == 0, (where, r)  # every receipt's outcome reached the device
    assert r["scanned"] + r["failed"] == count, (where, r)


@pytest.mark.timeout(400)
def test_quick_receipts_benchmark_reports_every_figure(tmp_path: Path) -> None:
    stdout, figures = run_quick_bench("receipts", tmp_path, 380, env=SWEEPER)
    assert "receipts/s" in stdout
    assert "target: p95 under 2000 ms on one ocr process: " in stdout

    assert figures["benchmark"] == "receipts"
    assert figures["options"]["quick"] is True
    assert figures["database"].startswith("SecantusDB")
    assert isinstance(figures["elapsed_s"], float)
    assert isinstance(figures["process_peak_rss_mb"], float)
    images = figures["images"]
    assert images["count"] == IDLE + ARRIVALS + BACKLOG + PROBE_MAX
    assert 0 < images["degraded"] < images["count"]  # a share of degraded photos

    alone = figures["alone"]
    assert alone["count"] == READS
    for kind in ("clean", "degraded"):
        _latency(f"{kind} read alone", alone[kind]["read_ms"])

    h = figures["http"]
    assert h["users"] == USERS + 2
    assert h["devices"] == USERS + 2
    assert h["ocr_workers"] == 2

    _uploads("idle", h["idle"]["uploads"], IDLE)
    _outcomes("idle", h["idle"]["outcomes"], IDLE)

    arrivals = h["arrivals"]
    _uploads("arrivals", arrivals["uploads"], ARRIVALS)
    _outcomes("arrivals", arrivals["outcomes"], ARRIVALS)
    assert arrivals["target"]["p95_ms_under"] == 2000.0
    assert isinstance(arrivals["target"]["met"], bool)
    assert arrivals["cpu_percent"]["actor:ocr"] > 0, arrivals["cpu_percent"]

    sat = h["saturation"]
    _uploads("backlog", sat["backlog"], BACKLOG)
    probe = sat["probe"]
    assert 0 <= probe["uploads"] <= PROBE_MAX, probe
    _uploads("probe", probe, probe["uploads"])
    direct = sat["read_requested_at_once"]
    assert direct == sat["backlog"]["recorded"] + probe["recorded"], sat
    _outcomes("saturation", sat["outcomes"], BACKLOG + probe["uploads"])
    assert sat["missing"] == 0, sat
    assert sat["scanned"] + sat["failed"] == direct, sat
    assert direct > 0, sat
    assert sat["duration_s"] > 0, sat
    # Only receipts read count: the rate is of those scanned, over the whole window.
    check_rate("saturation", sat["receipts_per_s"], sat["scanned"], sat["duration_s"])
    assert sat["receipts_per_s"] <= sat["outcomes_per_s"], sat
    assert sat["ocr_cpu_s_per_receipt"] > 0, sat
    assert sat["cpu_percent"]["actor:ocr"] > 0, sat["cpu_percent"]

    every = sat["all_read"]
    assert every["receipts"] == BACKLOG + probe["uploads"], every
    assert every["read"] == every["receipts"], every  # the sweeper's reads included
    check_rate("all read", every["receipts_per_s"], every["scanned"], every["seconds"])

    late = h["late"]
    uploaded = IDLE + ARRIVALS + BACKLOG + probe["uploads"]
    recorded_late = sum(
        u["recorded_late"] for u in (h["idle"]["uploads"], arrivals["uploads"], sat["backlog"])
    )
    _outcomes("late", late, recorded_late + probe["recorded_late"])

    final = h["final"]
    assert final["uploaded"] == uploaded, final
    assert set(final["statuses"]) <= {"scanned", "failed"}, final  # none pending, none lost
    assert sum(final["statuses"].values()) == uploaded, final
    assert final["statuses"].get("scanned", 0) > 0, final
    accuracy = h["accuracy"]
    assert accuracy["clean"]["scanned"] + accuracy["degraded"]["scanned"] == final["statuses"].get(
        "scanned"
    ), (accuracy, final)

    memory = h["memory_peak_mb"]
    for name in STACK_PROCESSES:
        assert isinstance(memory.get(name), float), f"no memory figure for {name}: {memory}"
        assert memory[name] > 0
    assert h["memory_peak_saturated_mb"]["actor:ocr"] > 0
