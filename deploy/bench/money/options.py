"""The knobs of ``ledgerbus bench money``, each with its flag (it has no ``--quick``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from deploy.bench.optionflags import Quick, flag


@dataclass(frozen=True)
class MoneyBenchOptions(Quick):
    """Every figure the benchmark can be told; defaults are the full run."""

    conversions: int = flag(300_000, None)
    clients: int = flag(16, None)
    duration_s: float = flag(15.0, "seconds per endpoint", name="--duration", shown="")
    http: bool = flag(True, "only the in-process figures", name="--no-http")
    warmup_s: float = 2.0
    stack_log_level: str = "WARNING"
    json_path: Path | None = None
    log_path: Path | None = None
    quick: bool = False
