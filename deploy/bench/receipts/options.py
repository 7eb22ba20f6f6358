"""The knobs of ``ledgerbus bench receipts``, each with its flag (``--quick`` shrinks them)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from deploy.bench.optionflags import Quick, flag


@dataclass(frozen=True)
class ReceiptsBenchOptions(Quick):
    """Every figure the benchmark can be told; defaults are the full run, and ``--quick`` is 2
    users, a backlog of 8, 5 s of arrivals and 2 of each else (flags given win).

    ``ocr_workers`` is None for the setting (``LEDGERBUS_OCR_WORKERS``): its flag's default is
    0, which :func:`settle` turns into None, so the JSON says ``null`` when it was not told."""

    users: int = flag(8, "users uploading the backlog at once", quick=2)
    backlog: int = flag(120, "receipts they upload flat out", quick=8)
    probe: int = flag(40, "most uploads while saturated", quick=4)
    probe_rate: float = flag(2.0, "uploads a second while saturated", shown="2")
    rate: float = flag(1.0, "receipts a second arriving", shown="1")
    duration_s: float = flag(60.0, "of arrivals, s", name="--duration", shown="60", quick=5.0)
    idle: int = flag(10, "receipts uploaded one at a time", quick=2)
    reads: int = flag(5, "receipts of each kind read in process", quick=2)
    degraded: float = flag(0.1, "share of degraded photos, 0-1")
    ocr_workers: int | None = flag(0, "LEDGERBUS_OCR_WORKERS", shown="the setting, 2")
    seed: int = 20261123
    stack_log_level: str = "WARNING"
    json_path: Path | None = None
    log_path: Path | None = None
    quick: bool = False

    @property
    def receipts(self) -> int:
        """Every receipt the run uploads: one at a time, the arrivals, the backlog, the probe."""
        return self.idle + round(self.rate * self.duration_s) + self.backlog + self.probe


def settle(o: ReceiptsBenchOptions) -> ReceiptsBenchOptions:
    """At least one of each count that needs one, rates of at least 0.1 a second, a share
    between 0 and 1, and the ocr workers of the setting unless told (0 or none)."""
    return replace(
        o,
        users=max(1, o.users),
        backlog=max(1, o.backlog),
        probe=max(0, o.probe),
        probe_rate=max(0.1, o.probe_rate),
        rate=max(0.1, o.rate),
        duration_s=max(1.0, o.duration_s),
        idle=max(1, o.idle),
        reads=max(0, o.reads),
        degraded=min(1.0, max(0.0, o.degraded)),
        ocr_workers=max(1, o.ocr_workers) if o.ocr_workers else None,
    )
