"""The knobs of ``ledgerbus bench drain``, each with its flag (``--quick`` shrinks them)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from deploy.bench.optionflags import Quick, flag

MAX_PROCESSES = 8


@dataclass(frozen=True)
class DrainBenchOptions(Quick):
    """Every figure the benchmark can be told; defaults are the full run, and ``--quick`` is a
    backlog of 1,000 commands drained by 1 and by 2 processes, from 4 users (flags given win)."""

    backlog: int = flag(10_000, "expense.create commands in each round's backlog", quick=1_000)
    processes: str = flag("1,2,3", "expenses processes of each round, in order", quick="1,2")
    users: int = flag(20, "users the commands are dealt to", quick=4)
    stack_log_level: str = "WARNING"
    json_path: Path | None = None
    log_path: Path | None = None
    quick: bool = False


def process_counts(text: str) -> list[int]:
    """``"1,2,3"`` as ``[1, 2, 3]``; each count 1..MAX_PROCESSES (ValueError otherwise)."""
    wanted = f"--processes wants counts of 1..{MAX_PROCESSES}, comma separated, got {text!r}"
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not parts or not all(part.isdigit() for part in parts):
        raise ValueError(wanted)
    counts = [int(part) for part in parts]
    if any(not 1 <= c <= MAX_PROCESSES for c in counts):
        raise ValueError(wanted)
    return counts


def settle(o: DrainBenchOptions) -> DrainBenchOptions:
    """At least one command and one user; the process counts checked and written plainly."""
    counts = ",".join(str(c) for c in process_counts(o.processes))
    return replace(o, backlog=max(1, o.backlog), users=max(1, o.users), processes=counts)
