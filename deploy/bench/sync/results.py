"""The figures of ``ledgerbus bench sync``, typed; their fields are the keys of its JSON."""

from __future__ import annotations

from dataclasses import dataclass

from deploy.bench.figures import Header
from deploy.bench.sync.options import SyncBenchOptions

Latency = dict[str, float] | None
"""p50, p95, p99, max and mean in milliseconds (see :func:`deploy.bench.stats.latency_summary`);
None without samples."""

JsonObject = dict[str, object]
"""A piece of a server's answer, kept as it came."""


@dataclass(frozen=True)
class StatusCounts:
    """Commands by the status of their result."""

    accepted: int
    rejected: int
    pending: int
    deferred: int


@dataclass(frozen=True)
class BatchFigures:
    """Batches of commands sent by some clients: the first pass, and the batches sent again."""

    clients: int
    batches: int
    batch_size: int
    commands: int
    duration_s: float
    commands_per_s: float
    batches_per_s: float
    latency_ms: Latency
    per_command_ms_p50: float | None
    accepted: int
    rejected: int
    pending: int
    deferred: int
    other_statuses: dict[str, int]
    http_errors: int
    http_error_statuses: dict[str, int]
    first_error: str | None
    first_rejection: JsonObject | None
    resent_batches: int
    resend_rounds: int
    unsettled_batches: int
    settled_s: float
    final: StatusCounts
    accepted_total: int


@dataclass(frozen=True)
class FeedFigures:
    """Change feeds read from 0 by some readers."""

    readers: int
    head: int
    reads: int
    reads_each: int
    events: int
    pages: int
    page_limit: int
    duration_s: float
    events_per_s: float
    page_latency_ms: Latency
    bytes_per_page: int
    errors: int
    first_error: str | None
    gapless: bool


@dataclass(frozen=True)
class HeadsFigures:
    """``GET /v1/sync/heads`` in a row."""

    requests: int
    latency_ms: Latency
    scopes: int
    errors: int
    first_error: str | None


@dataclass(frozen=True)
class CatchUp:
    """A device resuming its scope from 0 over Socket.IO."""

    head: int
    ack_status: object
    ack: object  # the whole ack, when it was not ``done``
    ack_last_seq: object
    received: int
    connect_ms: float
    first_event_ms: float
    ack_s: float
    last_event_s: float
    events_per_s: float
    gapless: bool
    in_order: bool
    duplicates: int
    missing: int
    unexpected: int


@dataclass(frozen=True)
class HttpFigures:
    """Every figure taken on the stack."""

    users: int
    sign_up_s: float
    write_limits: dict[str, str]
    batches_concurrent: BatchFigures
    batches_single: BatchFigures
    feed_single: FeedFigures
    feed_concurrent: FeedFigures
    heads: HeadsFigures
    catch_up: CatchUp
    memory_peak_mb: dict[str, float]
    memory_peak_under_load_mb: dict[str, float]


@dataclass(frozen=True)
class SyncResult:
    """One run of ``ledgerbus bench sync``."""

    header: Header[SyncBenchOptions]
    http: HttpFigures
    process_peak_rss_mb: float
    gapless: bool
    log_file: str
    elapsed_s: float
