"""The figures of ``ledgerbus bench groups``, typed; their fields are the keys of its JSON."""

from __future__ import annotations

from dataclasses import dataclass, field

from deploy.bench.figures import ABSENT_WHEN_NONE, Header
from deploy.bench.groups.options import GroupsBenchOptions
from deploy.bench.stats import Window

Latency = dict[str, float] | None
"""p50, p95, p99, mean and max in milliseconds; None without samples."""


@dataclass(frozen=True)
class InProcess:
    """Splitting, folding, planning, storing and replaying a big group's bills in process."""

    members: int
    bills: int
    methods: dict[str, int]
    split_ms: float
    split_per_s: float
    fold_ms: float
    fold_per_bill_us: float
    debts_ms: float
    debts: int
    plan_ms: float
    plan_transfers: int
    plan_method: str
    plan_members: int
    plan_exact_members: int
    plan_exact_ms: float
    plan_exact_transfers: int
    to_data_ms: float
    from_data_ms: float
    round_trip_ms: float
    round_trip_equal: bool
    tally_json_bytes: int
    adds: int
    add_us: dict[str, float]
    update_cycles: int
    update_cycle_ms: Latency
    replay_events: int
    replay_ms: float
    replay_matches: bool
    process_peak_rss_mb: float


@dataclass(frozen=True)
class LoadFigures(Window):
    """The group expenses added over HTTP (the requests' :class:`Window`), and when all of them
    were applied."""

    requested: int
    duration_s: float
    pending_accepted: int
    pending_rejected: int
    first_error: str | None
    expenses_created: int
    applied_s: float
    applied_per_s: float


@dataclass(frozen=True)
class Balances:
    """Reads of the group's running balances, checked against a local fold."""

    requests: int
    latency_ms: Latency
    errors: int
    first_error: str | None
    bytes: int
    members: int
    debts: int
    plan: int
    version: int
    zero_sum: bool
    matches_local: bool


@dataclass(frozen=True, kw_only=True)
class AsOf:
    """Reads of the balances at a past moment, folded from the event log (``fraction``: of the
    load answered by then; absent for the balances as of now)."""

    fraction: float | None = field(default=None, metadata=ABSENT_WHEN_NONE)
    as_of: str
    requests: int
    latency_ms: Latency
    errors: int
    first_error: str | None
    bytes: int
    events_folded: int | None
    zero_sum: bool | None
    matches_current: bool | None


@dataclass(frozen=True)
class Explain:
    """One member's balance explained, once."""

    ms: float
    status: int
    items: int
    error: str | None


@dataclass(frozen=True)
class HttpFigures:
    """Every end-to-end figure."""

    members: int
    clients: int
    group_id: str
    sign_up_s: float
    group_setup_s: float
    load: LoadFigures
    expenses_requested: int
    expenses_created: int
    expenses_in_group: int
    balances: Balances
    balances_as_of: AsOf
    balances_as_of_earlier: list[AsOf]
    explain: Explain
    memory_peak_mb: dict[str, float]
    memory_peak_under_load_mb: dict[str, float]


@dataclass(frozen=True, kw_only=True)
class GroupsResult:
    """One run of ``ledgerbus bench groups`` (``http``, ``zero_sum`` and ``log_file`` only when
    the end-to-end figures were taken)."""

    header: Header[GroupsBenchOptions]
    in_process: InProcess
    http: HttpFigures | None = field(default=None, metadata=ABSENT_WHEN_NONE)
    zero_sum: bool | None = field(default=None, metadata=ABSENT_WHEN_NONE)
    log_file: str | None = field(default=None, metadata=ABSENT_WHEN_NONE)
    elapsed_s: float
