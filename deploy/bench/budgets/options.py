"""The knobs of ``ledgerbus bench budgets``, each with its flag (``--quick`` shrinks them)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from actors.expenses.rules import DEFAULT_CATEGORIES
from deploy.bench.optionflags import Quick, flag

CATEGORY_NAMES = [name for name, _, _ in DEFAULT_CATEGORIES]
"""The default categories every user gets; budget ``b > 0`` counts ``CATEGORY_NAMES[b - 1]``."""

MAX_BUDGETS_EACH = len(CATEGORY_NAMES) - 1
"""One budget of all spending, and one for each default category but the last."""


@dataclass(frozen=True)
class BudgetsBenchOptions(Quick):
    """Every figure the benchmark can be told; defaults are the full run, and ``--quick`` is 4
    users, 120 expenses a round and 12 alert samples."""

    users: int = flag(20, "users writing expenses", quick=4)
    budgets: int = flag(3, "budgets of each user, 1 to 10")
    expenses: int = flag(2_000, "expenses written in each round", quick=120)
    samples: int = flag(100, "expenses timed to their alert", quick=12)
    second_process: bool = flag(
        True,
        "one round only, with 1 budgets process",
        name="--one-process",
    )
    seed: int = 20261123
    stack_log_level: str = "WARNING"
    json_path: Path | None = None
    log_path: Path | None = None
    quick: bool = False


def settle(o: BudgetsBenchOptions) -> BudgetsBenchOptions:
    """At least one of everything, and no more budgets than there are to make."""
    return replace(
        o,
        users=max(1, o.users),
        budgets=min(MAX_BUDGETS_EACH, max(1, o.budgets)),
        expenses=max(1, o.expenses),
        samples=max(1, o.samples),
    )
