"""What the benchmark smoke tests share: running one `--quick` benchmark as its own process, and
checking a latency summary."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any


def run_quick_bench(
    name: str, tmp_path: Path, timeout_s: int = 280, env: dict[str, str] | None = None
) -> tuple[str, dict[str, Any]]:
    """Run ``ledgerbus bench <name> --quick``; its output and its JSON figures (it must pass
    and say its figures are on SecantusDB)."""
    out = tmp_path / "figures.json"
    log = tmp_path / "children.log"
    command = [sys.executable, "-m", "deploy.bench", name, "--quick"]
    run = subprocess.run(
        [*command, "--json", str(out), "--log-file", str(log)],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
        env={**os.environ, **(env or {})},
    )
    children = log.read_text()[-3000:] if log.exists() else ""
    assert run.returncode == 0, f"{run.stdout}\n{run.stderr}\nlog:\n{children}"
    assert "on SecantusDB" in run.stdout
    figures: dict[str, Any] = json.loads(out.read_text())
    return run.stdout, figures


def check_latency(
    where: str, latency: dict[str, Any] | None, keys: tuple[str, ...] = ("p50", "p99", "max")
) -> None:
    """A latency summary with every percentile positive and in order."""
    assert latency is not None, f"{where}: no latency"
    for key in keys:
        assert isinstance(latency[key], float), f"{where}: {key}"
        assert latency[key] > 0, f"{where}: {key}"
    values = [latency[key] for key in keys]
    assert values == sorted(values), where


def check_rate(where: str, rate: float, count: int, seconds: float) -> None:
    """``rate`` is ``count`` per second over ``seconds`` as a benchmark reports both: the rate
    rounded to 0.1 from the exact duration, the duration rounded to the millisecond. The
    tolerance is what those two roundings allow, so it holds for a run of any speed."""
    assert seconds > 0.0005, (where, seconds)
    rounding = 0.05 + count * 0.0005 / (seconds - 0.0005) ** 2
    assert abs(rate - count / seconds) <= rounding + 1e-9, (where, rate, count, seconds)
