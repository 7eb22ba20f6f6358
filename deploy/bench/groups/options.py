"""The knobs of ``ledgerbus bench groups``, each with its flag (``--quick`` shrinks them)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from deploy.bench.optionflags import Quick, flag, knob


@dataclass(frozen=True)
class GroupsBenchOptions(Quick):
    """Every figure the benchmark can be told; defaults are the full run, and ``--quick`` is 10
    members, 300 expenses and a few reads."""

    members: int = flag(50, "members of the group", quick=10)
    expenses: int = flag(10_000, "bills, in process and over HTTP", quick=300)
    clients: int = flag(50, "concurrent clients adding expenses", quick=10)
    balance_reads: int = flag(200, "GET .../balances requests", quick=30)
    as_of_reads: int = flag(5, "GET .../balances?as_of= requests", quick=3)
    adds: int = knob(1_000, quick=200)
    update_cycles: int = knob(200, quick=30)
    seed: int = 20261122
    http: bool = flag(True, "only the in-process figures", name="--no-http")
    stack_log_level: str = "WARNING"
    json_path: Path | None = None
    log_path: Path | None = None
    quick: bool = False


def settle(o: GroupsBenchOptions) -> GroupsBenchOptions:
    """At least two members, and at least one of everything else."""
    return replace(
        o,
        members=max(2, o.members),
        expenses=max(1, o.expenses),
        clients=max(1, o.clients),
        balance_reads=max(1, o.balance_reads),
        as_of_reads=max(1, o.as_of_reads),
    )
