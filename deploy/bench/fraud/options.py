"""The knobs of ``ledgerbus bench fraud``, each with its flag (``--quick`` shrinks them)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from deploy.bench.optionflags import Quick, flag


@dataclass(frozen=True)
class FraudBenchOptions(Quick):
    """Every figure the benchmark can be told; defaults are the full run, and ``--quick`` is 4
    users with 8 expenses of history, 5 a second for 4 s, a backlog of 100 (flags given win).

    ``second_process`` is told by ``--one-process`` (one round only, with 1 fraud process)."""

    users: int = flag(20, "users writing expenses", quick=4)
    history: int = flag(30, "expenses of each user before timing", quick=8)
    rate: float = flag(10.0, "expenses a second arriving", shown="10", quick=5.0)
    duration_s: float = flag(30.0, "of arrivals, s", name="--duration", shown="30", quick=4.0)
    backlog: int = flag(2_000, "expenses scored in each round", quick=100)
    second_process: bool = flag(True, "one round only, with 1 fraud process", name="--one-process")
    seed: int = 20261123
    stack_log_level: str = "WARNING"
    json_path: Path | None = None
    log_path: Path | None = None
    quick: bool = False


def settle(o: FraudBenchOptions) -> FraudBenchOptions:
    """At least one user and one expense in the backlog, no negative history, a rate of at
    least 0.1 a second and arrivals of at least 1 s."""
    return replace(
        o,
        users=max(1, o.users),
        history=max(0, o.history),
        rate=max(0.1, o.rate),
        duration_s=max(1.0, o.duration_s),
        backlog=max(1, o.backlog),
    )
