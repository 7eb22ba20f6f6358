"""``python -m deploy.bench drain --quick`` end to end: every figure is there, with sane values.

No speed is asserted, and neither is any speed-up: the benchmark reports, it does not judge. The
run starts its own stack (NATS, SecantusDB, edge, accounts actor) and the rounds' expenses
processes, so this test needs no fixtures. What is checked beyond the types: each round applied
exactly its backlog (one processed record for each of its commands, all accepted, no dead
letter, no duplicate publish), its lag was read down to zero, each of its processes was
measured, its rate is its backlog over its drain time, and the speed-up is over the 1-process
round.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from tests.support.bench_smoke import check_rate, run_quick_bench

pytestmark = pytest.mark.integration

BACKLOG = 1_000
PROCESSES = (1, 2)
STACK_PROCESSES = ("nats", "mongo", "edge", "actor:accounts", "actor:expenses#1")


def _positive(where: str, figures: dict[str, Any], *keys: str) -> None:
    for key in keys:
        assert isinstance(figures[key], float), f"{where}: {key}"
        assert figures[key] > 0, f"{where}: {key}"


def _round(r: dict[str, Any], processes: int, one_per_s: float) -> None:
    where = f"{processes} process(es)"
    assert r["processes"] == processes, r
    assert r["commands"] == BACKLOG, r
    assert r["waiting"] == BACKLOG, r
    assert r["applied"] == BACKLOG, r
    assert r["accepted"] == BACKLOG, r
    assert r["dead_letters_added"] == 0, r
    assert r["publish_duplicates"] == 0, r
    assert r["exact"] is True, r
    _positive(where, r, "publish_s", "startup_s", "to_zero_lag_s", "drain_s", "drain_per_s")
    check_rate(where, r["drain_per_s"], BACKLOG, r["drain_s"])
    assert 0 <= r["first_applied_s"] <= r["drain_s"], r
    assert r["speed_up"] == pytest.approx(r["drain_per_s"] / one_per_s, abs=0.001), r
    lag = r["lag_samples"]
    assert lag[0][1] > 0, lag
    assert lag[-1] == [r["to_zero_lag_s"], 0], lag
    assert all(later[0] > earlier[0] for earlier, later in itertools.pairwise(lag)), lag
    names = [f"actor:expenses#{i}" for i in range(1, processes + 1)]
    assert sorted(r["peak_rss_mb"]) == names, r["peak_rss_mb"]
    for name in names:
        assert r["peak_rss_mb"][name] > 0, r
        assert isinstance(r["cpu_percent"][name], float), r["cpu_percent"]


@pytest.mark.timeout(300)
def test_quick_drain_benchmark_reports_every_round_exact(tmp_path: Path) -> None:
    stdout, figures = run_quick_bench("drain", tmp_path, 280)
    assert "exact: true" in stdout, stdout
    assert "NOT EXACT" not in stdout, stdout
    assert "speed-up is bounded by the machine" in stdout, stdout
    for processes in PROCESSES:
        assert f"{processes} process(es): applied {BACKLOG:,} distinct of {BACKLOG:,}" in stdout

    assert figures["benchmark"] == "drain"
    assert figures["options"]["quick"] is True
    assert figures["options"]["backlog"] == BACKLOG
    assert figures["options"]["processes"] == "1,2"
    assert figures["database"].startswith("SecantusDB")
    assert figures["exact"] is True
    assert figures["users"] == figures["options"]["users"]
    rounds = figures["rounds"]
    assert [r["processes"] for r in rounds] == list(PROCESSES)
    assert rounds[0]["speed_up"] == 1.0
    for r, processes in zip(rounds, PROCESSES, strict=True):
        _round(r, processes, rounds[0]["drain_per_s"])

    memory = figures["memory_peak_mb"]
    for name in STACK_PROCESSES:
        assert isinstance(memory.get(name), float), f"no memory figure for {name}: {memory}"
        assert memory[name] > 0
