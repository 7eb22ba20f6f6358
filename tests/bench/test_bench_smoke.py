"""``python -m deploy.bench expenses --quick`` end to end: every figure is there, with sane types.

No speed is asserted: the benchmark reports, it does not judge. The run starts its own stack
(NATS, SecantusDB, edge, actors), so this test needs no fixtures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration

STACK_PROCESSES = ("nats", "mongo", "edge", "actor:accounts", "actor:expenses")
HELPER_PROCESSES = ("loadgen", "raw-db", "naive-rest")
PERCENTILES = ("p50", "p95", "p99")


def _check_phase(name: str, phase: dict[str, Any]) -> None:
    assert isinstance(phase["commands_per_s"], float), name
    assert phase["commands_per_s"] > 0, f"{name}: no command succeeded ({phase})"
    assert phase["created_201"] > 0, name
    assert isinstance(phase["pending_202"], int), name
    assert isinstance(phase["errors"], int), name
    latency = phase["latency_ms"]
    for key in PERCENTILES:
        assert isinstance(latency[key], float), f"{name}: {key}"
        assert latency[key] > 0, f"{name}: {key}"
    assert latency["p50"] <= latency["p95"] <= latency["p99"] <= latency["max"], name


@pytest.mark.timeout(240)
def test_quick_benchmark_reports_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "figures.json"
    log = tmp_path / "children.log"
    command = [sys.executable, "-m", "deploy.bench", "expenses", "--quick"]
    run = subprocess.run(
        [*command, "--json", str(out), "--log-file", str(log)],
        capture_output=True,
        text=True,
        timeout=200,
        check=False,
    )
    assert run.returncode == 0, f"{run.stdout}\n{run.stderr}\nlog:\n{log.read_text()[-3000:]}"
    assert "bus / naive REST" in run.stdout
    figures = json.loads(out.read_text())

    for phase in ("closed", "rate", "hot"):
        _check_phase(f"bus {phase}", figures["bus"][phase])
    _check_phase("raw database", figures["raw_db"])
    _check_phase("naive REST", figures["naive_rest"])
    assert figures["bus"]["rate"]["target_rate"] > 0
    assert figures["bus"]["hot"]["users"] == 1

    events = figures["bus"]["closed"]["events"]
    assert events is not None, f"no Socket.IO device connected: {figures['devices']}"
    assert events["received"] > 0
    for key in ("p50", "p99"):
        assert isinstance(events["latency_ms"][key], float)

    for key in ("bus_over_naive_rest", "bus_over_raw_db"):
        assert isinstance(figures["ratios"][key], float)
        assert figures["ratios"][key] > 0

    memory = figures["memory_peak_mb"]
    for name in (*STACK_PROCESSES, *HELPER_PROCESSES):
        assert isinstance(memory.get(name), float), f"no memory figure for {name}: {memory}"
        assert memory[name] > 0

    under_load = figures["memory_peak_under_load_mb"]
    for name in STACK_PROCESSES:
        assert isinstance(under_load.get(name), float), f"{name}: {under_load}"
    assert "(whole machine)" in figures["cpu_percent"]["bus_closed"]

    machine = figures["machine"]
    assert machine["cores_logical"] >= 1
    assert machine["ram_gib"] > 0
    assert figures["database"].startswith("SecantusDB")


@pytest.mark.timeout(240)
def test_money_benchmark_prints_in_process_and_endpoint_figures(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "deploy.cli",
            "bench",
            "money",
            "--conversions",
            "5000",
            "--clients",
            "2",
            "--duration",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=230,
        env={**os.environ, "LEDGERBUS_DATA_DIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "days of ECB history" in out
    for line in ("convert (multiply", "quote + convert", "rates endpoint", "convert endpoint"):
        assert line in out, out
    assert "errors 0" in out.rsplit("rates endpoint", 1)[1].splitlines()[0], out
