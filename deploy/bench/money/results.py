"""The figures of ``ledgerbus bench money``, typed."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Timed:
    """Calls of one money function: throughput, and per-call p50/p99 in microseconds (each
    sample a batch's mean; empty without calls)."""

    name: str
    calls: int
    per_s: int
    latency_us: dict[str, float]


@dataclass(frozen=True)
class InProcess:
    """The rate book's size, and the in-process conversions."""

    book_days: int
    book_mib: float
    results: list[Timed]
    missing: int


@dataclass(frozen=True)
class Endpoint:
    """Clients in a closed loop on one endpoint, in the measured window."""

    requests: int
    per_s: float
    errors: int
    first_error: str | None
    latency_ms: dict[str, float] | None


@dataclass(frozen=True)
class Endpoints:
    """The rates and convert endpoints, and where the stack's output went."""

    rates_endpoint: Endpoint
    convert_endpoint: Endpoint
    log: str


@dataclass(frozen=True)
class MoneyResult:
    """One run of ``ledgerbus bench money`` (``http`` unless ``--no-http``)."""

    in_process: InProcess
    http: Endpoints | None
