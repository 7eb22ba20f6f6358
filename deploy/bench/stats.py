"""Pure figures from raw samples: percentiles, throughput and status counts of one window."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

PERCENTILES = (50, 95, 99)


class Sample(NamedTuple):
    """One request: when it started (or was due), when it was answered, status, command id."""

    start: float
    end: float
    status: int
    command_id: str | None


def percentile(sorted_values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile of already sorted values (``nan`` when there are none)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def latency_summary(seconds: Iterable[float]) -> dict[str, float] | None:
    """p50/p95/p99, mean and max in milliseconds; None without samples."""
    values = sorted(s * 1000.0 for s in seconds)
    if not values:
        return None
    out = {f"p{p}": round(percentile(values, p), 2) for p in PERCENTILES}
    out["mean"] = round(sum(values) / len(values), 2)
    out["max"] = round(values[-1], 2)
    return out


def in_window(samples: Iterable[Sample], start: float, end: float) -> list[Sample]:
    """The samples that started (or were due) inside ``[start, end)``."""
    return [s for s in samples if start <= s.start < end]


@dataclass(frozen=True)
class Window:
    """Throughput (201s per second), status counts and latency of the requests of one window."""

    commands_per_s: float
    requests: int
    created_201: int
    pending_202: int
    errors: int
    error_statuses: dict[str, int]
    latency_ms: dict[str, float] | None


def window(samples: Sequence[Sample], duration_s: float) -> Window:
    """The :class:`Window` of ``samples`` taken over ``duration_s`` seconds.

    Latency covers 201 and 202 answers (a 202 is the edge giving up waiting, so it belongs in
    the tail); errors (any other status, or 0 for a failed connection) are only counted.
    """
    statuses = Counter(s.status for s in samples)
    answered = [s.end - s.start for s in samples if s.status in (201, 202)]
    ok = statuses.get(201, 0)
    errors = {str(code): n for code, n in sorted(statuses.items()) if code not in (201, 202)}
    return Window(
        commands_per_s=round(ok / duration_s, 2) if duration_s > 0 else 0.0,
        requests=len(samples),
        created_201=ok,
        pending_202=statuses.get(202, 0),
        errors=sum(errors.values()),
        error_statuses=errors,
        latency_ms=latency_summary(answered),
    )


@dataclass(frozen=True)
class Events:
    """Request start → Socket.IO event arrival, for requests whose user had a device."""

    devices: int
    expected: int
    received: int
    missing: int
    latency_ms: dict[str, float] | None


def events(samples: Sequence[Sample], arrivals: Mapping[str, float], watched: int) -> Events:
    """The :class:`Events` of ``samples`` (already only those of users with a device, of whom
    ``watched`` connected); an event is matched by command id."""
    expected = [s for s in samples if s.status in (201, 202) and s.command_id]
    delays = [
        arrivals[s.command_id] - s.start
        for s in expected
        if s.command_id is not None and s.command_id in arrivals
    ]
    return Events(
        devices=watched,
        expected=len(expected),
        received=len(delays),
        missing=len(expected) - len(delays),
        latency_ms=latency_summary(delays),
    )


def rate(count: float, seconds: float) -> float:
    """``count`` per second over ``seconds``, rounded; 0 when no time passed."""
    return round(count / seconds, 1) if seconds > 0 else 0.0


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """``numerator / denominator`` rounded, or None when either is missing or zero."""
    if not numerator or not denominator:
        return None
    return round(numerator / denominator, 3)
