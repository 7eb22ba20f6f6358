"""``python -m deploy.bench sync --quick`` end to end: every figure is there, with sane types.

No speed is asserted: the benchmark reports, it does not judge. The run starts its own stack
(NATS, SecantusDB, edge with Socket.IO, accounts and expenses actors), so this test needs no
fixtures. What is checked beyond the types: every command sent was accepted in the end, and the
device that resumed over Socket.IO received seqs 1..head, each once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.bench_smoke import check_latency, run_quick_bench

pytestmark = pytest.mark.integration

STACK_PROCESSES = ("nats", "mongo", "edge", "actor:accounts", "actor:expenses")
STATUSES = ("accepted", "rejected", "pending", "deferred")
SENT = 500


def _latency(where: str, latency: dict[str, Any] | None) -> None:
    check_latency(where, latency)


def _positive(where: str, figures: dict[str, Any], *keys: str) -> None:
    for key in keys:
        assert isinstance(figures[key], float), f"{where}: {key}"
        assert figures[key] > 0, f"{where}: {key}"


def _batches(where: str, phase: dict[str, Any], clients: int) -> None:
    assert phase["clients"] == clients, phase
    assert phase["commands"] == SENT, phase
    assert phase["batch_size"] == 100, phase
    assert phase["batches"] == SENT // 100, phase
    _positive(where, phase, "commands_per_s", "batches_per_s", "duration_s", "settled_s")
    _latency(where, phase["latency_ms"])
    assert isinstance(phase["per_command_ms_p50"], float), where
    for key in (*STATUSES, "http_errors", "resent_batches", "resend_rounds", "unsettled_batches"):
        assert isinstance(phase[key], int), f"{where}: {key}"
    assert sum(phase[s] for s in STATUSES) + 100 * phase["http_errors"] == SENT, phase
    assert phase["accepted"] > 0, phase
    assert phase["final"]["accepted"] == SENT, phase  # every command sent was accepted
    assert phase["accepted_total"] == SENT, phase
    assert phase["unsettled_batches"] == 0, phase
    assert phase["first_rejection"] is None, phase


def _feed(where: str, feed: dict[str, Any], readers: int) -> None:
    assert feed["readers"] == readers, feed
    assert isinstance(feed["head"], int), where
    for key in ("events", "pages", "reads", "reads_each", "bytes_per_page", "errors"):
        assert isinstance(feed[key], int), f"{where}: {key}"
    assert feed["errors"] == 0, feed
    assert feed["pages"] >= feed["reads"] >= readers, feed
    if readers == 1:  # the lone device's feed: every command it sent, read whole each time
        assert feed["head"] >= SENT, feed
        assert feed["events"] == feed["head"] * feed["reads_each"], feed
    else:
        assert feed["events"] >= feed["reads"], feed
    assert feed["page_limit"] == 1000
    _positive(where, feed, "events_per_s", "duration_s")
    _latency(where, feed["page_latency_ms"])
    assert feed["gapless"] is True, feed


def _catch_up(resumed: dict[str, Any], device_head: int) -> None:
    assert resumed["ack_status"] == "done", resumed
    assert resumed["head"] == device_head
    assert resumed["head"] >= SENT, resumed
    assert resumed["ack_last_seq"] == resumed["head"], resumed
    assert resumed["received"] == resumed["head"], resumed
    _positive("catch-up", resumed, "ack_s", "last_event_s", "events_per_s", "connect_ms")
    assert isinstance(resumed["first_event_ms"], float)
    assert resumed["gapless"] is True, resumed
    assert resumed["in_order"] is True, resumed
    for key in ("duplicates", "missing", "unexpected"):
        assert resumed[key] == 0, resumed


@pytest.mark.timeout(300)
def test_quick_sync_benchmark_reports_every_figure(tmp_path: Path) -> None:
    stdout, figures = run_quick_bench("sync", tmp_path, 280)
    assert "gapless: true" in stdout, stdout

    assert figures["benchmark"] == "sync"
    assert figures["options"]["quick"] is True
    assert figures["database"].startswith("SecantusDB")
    assert figures["gapless"] is True
    assert isinstance(figures["elapsed_s"], float)
    assert isinstance(figures["process_peak_rss_mb"], float)

    http = figures["http"]
    users = figures["options"]["users"]
    assert http["users"] == users + 1
    assert isinstance(http["sign_up_s"], float)
    assert http["write_limits"] == {
        "LEDGERBUS_WRITES_PER_USER_S": "1000000",
        "LEDGERBUS_WRITES_BURST": "1000000",
    }
    _batches("batches at once", http["batches_concurrent"], users)
    _batches("one device", http["batches_single"], 1)
    _feed("one reader", http["feed_single"], 1)
    _feed("readers at once", http["feed_concurrent"], figures["options"]["readers"])
    heads = http["heads"]
    _latency("heads", heads["latency_ms"])
    assert heads["errors"] == 0, heads
    assert heads["scopes"] == 2, heads  # the reader's own two: user:<id> and inbox:<id>
    _catch_up(http["catch_up"], http["feed_single"]["head"])

    memory = http["memory_peak_mb"]
    for name in STACK_PROCESSES:
        assert isinstance(memory.get(name), float), f"no memory figure for {name}: {memory}"
        assert memory[name] > 0
