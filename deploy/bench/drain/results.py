"""The figures of ``ledgerbus bench drain``, typed; their fields are the keys of its JSON."""

from __future__ import annotations

from dataclasses import dataclass

from deploy.bench.drain.options import DrainBenchOptions
from deploy.bench.figures import Header


@dataclass(frozen=True)
class RoundFigures:
    """One round: a fresh backlog of ``commands`` drained by ``processes`` expenses processes.

    Times are from the resume of the command consumer, once every process pulled:
    ``to_zero_lag_s`` until its lag (pending plus unacknowledged) first read 0 (read every
    0.5 s), ``drain_s`` until the last command's processed record (the applier's clock).
    ``first_applied_s`` until the first command's record. ``waiting`` counts the last command,
    published just after the resume (see :mod:`deploy.bench.drain.rounds`).
    ``drain_per_s`` is ``commands / drain_s``; ``lag_per_s`` is ``commands / to_zero_lag_s``.
    ``speed_up`` is ``drain_per_s`` over the 1-process round's. ``exact``: every command of the
    round has a processed record, each accepted, and no dead letter was added.
    """

    processes: int
    commands: int
    publish_s: float
    published_per_s: float
    publish_duplicates: int
    waiting: int
    startup_s: float
    first_applied_s: float
    to_zero_lag_s: float
    drain_s: float
    drain_per_s: float
    lag_per_s: float
    speed_up: float | None
    cpu_percent: dict[str, float]
    peak_rss_mb: dict[str, float]
    applied: int
    accepted: int
    dead_letters_added: int
    exact: bool
    lag_samples: list[tuple[float, int]]


@dataclass(frozen=True)
class DrainResult:
    """One run of ``ledgerbus bench drain``."""

    header: Header[DrainBenchOptions]
    users: int
    sign_up_s: float
    rounds: list[RoundFigures]
    exact: bool
    memory_peak_mb: dict[str, float]
    log_file: str
    elapsed_s: float
