"""The figures of ``ledgerbus bench budgets``, typed; their fields are the keys of its JSON."""

from __future__ import annotations

from dataclasses import dataclass, field

from deploy.bench.budgets.options import BudgetsBenchOptions
from deploy.bench.figures import ABSENT_WHEN_NONE, Header
from deploy.bench.stats import Window

Latency = dict[str, float] | None
"""p50, p95, p99, mean and max in milliseconds; None without samples."""


@dataclass(frozen=True)
class WriteFigures(Window):
    """The expenses of a round, written while the budgets consumers paused: the requests'
    :class:`Window`, and what became of the 202s."""

    duration_s: float
    pending_accepted: int
    pending_rejected: int
    expenses_created: int
    first_error: str | None


@dataclass(frozen=True)
class Check:
    """Every budget's status against the expenses written so far."""

    budgets: int
    matching: int
    alerts_so_far: int
    first_mismatch: str | None


@dataclass(frozen=True)
class RoundFigures:
    """One round: written while paused, then applied by ``processes`` budgets processes."""

    processes: int
    writes: WriteFigures
    stream_wait_s: float
    events: int
    events_expected: int
    duration_s: float
    events_per_s: float
    budget_updates: int
    budget_updates_per_s: float
    check: Check
    cpu_percent: dict[str, float]
    alerts_raised: int


@dataclass(frozen=True)
class AlertFigures:
    """Expenses one at a time, each timed to its budget alert on the owner's device."""

    samples: int
    received: int
    missing: int
    errors: int
    first_error: str | None
    budgets_used: int
    alerts_on_device: int
    connect_ms: float
    alert_ms: Latency
    write_ms: Latency


@dataclass(frozen=True)
class SetupFigures:
    """The users and budgets made before the rounds."""

    users: int
    sign_up_s: float
    budgets_setup_s: float
    timezone: str
    day: str
    budgets_each: int
    budgets_per_expense: dict[str, int]
    write_limits: dict[str, str]


@dataclass(frozen=True, kw_only=True)
class HttpFigures(SetupFigures):
    """Every figure taken on the stack (``second_pulling`` only with a second process)."""

    rounds: list[RoundFigures]
    second_pulling: int | None = field(default=None, metadata=ABSENT_WHEN_NONE)
    alerts: AlertFigures
    memory_peak_mb: dict[str, float]
    memory_peak_applying_mb: dict[str, float]


@dataclass(frozen=True)
class BudgetsResult:
    """One run of ``ledgerbus bench budgets``."""

    header: Header[BudgetsBenchOptions]
    http: HttpFigures
    process_peak_rss_mb: float
    log_file: str
    elapsed_s: float
