"""The knobs of ``ledgerbus bench notifications``, each with its flag (``--quick`` shrinks them)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from deploy.bench.optionflags import Quick, flag

THRESHOLDS = list(range(10, 101, 10))
"""Each budget's thresholds: every expense of a tenth of it crosses the next one."""
MAX_BUDGETS_EACH = 8


@dataclass(frozen=True)
class NotificationsBenchOptions(Quick):
    """Every figure the benchmark can be told; defaults are the full run."""

    users: int = flag(20, "people writing expenses, each with a device connected", quick=3)
    budgets: int = flag(3, "budgets of each person (10 crossings each), 1 to 8", quick=1)
    rate: float = flag(50.0, "expenses per second, each crossing a threshold", quick=10.0)
    samples: int = flag(600, "expenses timed to their inbox item and their mail", quick=20)
    group: int = flag(50, "members of the group a bill is added to", quick=5)
    bills: int = flag(5, "bills added to that group, each timed to every member", quick=2)
    seed: int = 20261207
    stack_log_level: str = "WARNING"
    json_path: Path | None = None
    log_path: Path | None = None
    quick: bool = False


def settle(o: NotificationsBenchOptions) -> NotificationsBenchOptions:
    """At least one of everything; no more samples than the budgets can make."""
    users = max(1, o.users)
    budgets = min(MAX_BUDGETS_EACH, max(1, o.budgets))
    return replace(
        o,
        users=users,
        budgets=budgets,
        rate=max(0.1, o.rate),
        samples=min(max(1, o.samples), users * budgets * len(THRESHOLDS)),
        group=max(2, o.group),
        bills=max(1, o.bills),
    )
