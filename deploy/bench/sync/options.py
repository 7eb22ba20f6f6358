"""The knobs of ``ledgerbus bench sync``, each with its flag (``--quick`` shrinks them)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from bus.sync import MAX_BATCH
from deploy.bench.optionflags import Quick, flag, knob


@dataclass(frozen=True)
class SyncBenchOptions(Quick):
    """Every figure the benchmark can be told; defaults are the full run, and ``--quick`` is 5
    users, 500 commands each way and a 500-event catch-up."""

    users: int = flag(20, "users sending batches at once", quick=5)
    commands: int = flag(10_000, "commands they send in all", quick=500)
    batch: int = flag(MAX_BATCH, "commands in a batch", shown=f"{MAX_BATCH}, the most")
    single_commands: int = flag(10_000, "commands of the lone device", quick=500)
    readers: int = flag(8, "concurrent change-feed readers", quick=4)
    feed_reads: int = knob(3, quick=2)
    heads_reads: int = knob(100, quick=20)
    stack_log_level: str = "WARNING"
    json_path: Path | None = None
    log_path: Path | None = None
    quick: bool = False


def settle(o: SyncBenchOptions) -> SyncBenchOptions:
    """At least one of everything, a batch of at most ``MAX_BATCH``, no more readers than users."""
    return replace(
        o,
        users=max(1, o.users),
        commands=max(1, o.commands),
        batch=min(MAX_BATCH, max(1, o.batch)),
        single_commands=max(1, o.single_commands),
        readers=min(max(1, o.readers), max(1, o.users)),
    )
