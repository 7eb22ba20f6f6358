"""The figures of ``ledgerbus bench fraud``, typed; their fields are the keys of its JSON, in
its order."""

from __future__ import annotations

from dataclasses import dataclass, field

from deploy.bench.figures import ABSENT_WHEN_NONE, Header
from deploy.bench.fraud.options import FraudBenchOptions
from deploy.bench.stats import Window

Latency = dict[str, float] | None
"""p50, p95, p99, mean and max in milliseconds (see :func:`deploy.bench.stats.latency_summary`);
None without samples."""

Cpu = dict[str, float]
"""CPU % of one core of every process in a window, the whole machine's and the rest's."""


@dataclass(frozen=True)
class WriteFigures(Window):
    """The POSTs of a phase: their :class:`Window`, how long the phase wrote, the expenses
    accepted (201 or 202) and the first error (None without one)."""

    duration_s: float
    accepted: int
    first_error: str | None


@dataclass(frozen=True)
class HistoryFigures:
    """The history every user wrote before anything was timed, and how much of it was scored."""

    expenses: int
    created: int
    scored: int
    seconds: float
    writes: WriteFigures


@dataclass(frozen=True)
class Stages:
    """Each expense's delay split by wall clock, from the POST sent to the commit seen."""

    post_to_applied_ms: Latency
    applied_to_event_ms: Latency
    event_to_scoring_ms: Latency
    scoring_to_commit_ms: Latency


@dataclass(frozen=True)
class Slow:
    """One of the expenses slowest from event to commit, with its stages (ms), when its event
    came (s into the phase), and its score and signals."""

    expense_id: str
    event_to_commit_ms: float | None
    event_to_scoring_ms: float | None
    scoring_to_commit_ms: float | None
    event_seen_s: float
    score: int | None
    signals: list[str]


@dataclass(frozen=True)
class Target:
    """The issue's target: p95 from an expense event to its risk record under
    ``p95_ms_under``, met only when none was missing."""

    p95_ms_under: float
    p95_ms: float | None
    met: bool


@dataclass(frozen=True)
class SteadyFigures:
    """Expenses arriving at a fixed rate: each one's delay from its event on NATS to its risk
    record's commit, flagged and not, in stages, the slowest, and the CPU use meanwhile."""

    rate: float
    duration_s: float
    late_sends: int
    writes: WriteFigures
    created: int
    scored: int
    missing: int
    event_to_commit_ms: Latency
    flagged: int
    flagged_ms: Latency
    not_flagged_ms: Latency
    records_scored_again: int
    post_to_commit_ms: Latency
    stages: Stages
    slowest: list[Slow]
    target: Target
    cpu_percent: Cpu


@dataclass(frozen=True)
class Applying:
    """A round's backlog applied by the expenses actor: the commands that waited, the
    expenses whose event was seen, how long from the resume to the last one, and the CPU use."""

    commands_waiting: int
    applied: int
    duration_s: float
    expenses_per_s: float
    cpu_percent: Cpu


@dataclass(frozen=True)
class RoundCheck:
    """After a round: its risk records scored at least once, all risk records, dead letters."""

    risk_records: int
    risk_records_in_all: int
    dead_letters: int


@dataclass(frozen=True)
class RoundFigures:
    """One round: the backlog written with the consumers paused, applied, then scored by
    ``processes`` fraud processes; the ratio of the two rates, the check, and the fraud
    processes' memory and the CPU use while scoring."""

    processes: int
    writes: WriteFigures
    applying: Applying
    created: int
    stream_wait_s: float
    events_waiting: int
    scored: int
    missing: int
    duration_s: float
    events_per_s: float
    scoring_to_applying: float | None
    check: RoundCheck
    exact: bool
    fraud_peak_rss_mb: dict[str, float]
    cpu_percent: Cpu


@dataclass(frozen=True)
class ProfileFigures:
    """The largest ``fraud_profiles`` document: how many profiles, its size in bytes of BSON,
    and how many recent expenses it holds."""

    profiles: int
    largest_bytes: int
    its_recent_expenses: int


@dataclass(frozen=True)
class ScoringFigures:
    """What the scorer found over the whole run: risk records, those at or over the threshold,
    the flags raised and the signals fired (most fired first)."""

    risk_records: int
    at_or_over_threshold: int
    threshold: int
    flags: int
    signals: dict[str, int]


@dataclass(frozen=True, kw_only=True)
class HttpFigures:
    """Every figure taken on the stack (``second_pulling``, the pull requests waiting on every
    consumer once the second fraud process started, only when it ran; ``profiles`` by when
    they were measured)."""

    users: int
    sign_up_s: float
    timezone: str
    commits_seen_by: str
    write_limits: dict[str, str]
    threshold: int
    history: HistoryFigures
    steady: SteadyFigures
    memory_steady_mb: dict[str, float]
    rounds: list[RoundFigures]
    second_pulling: int | None = field(default=None, metadata=ABSENT_WHEN_NONE)
    profiles: dict[str, ProfileFigures]
    scoring: ScoringFigures
    change_stream_error: str | None
    memory_peak_mb: dict[str, float]


@dataclass(frozen=True)
class FraudResult:
    """One run of ``ledgerbus bench fraud``."""

    header: Header[FraudBenchOptions]
    http: HttpFigures
    process_peak_rss_mb: float
    log_file: str
    elapsed_s: float
