"""A per-key token bucket: how many writes one person may send to one node, in memory, bounded."""

from __future__ import annotations

import time
from collections.abc import Callable


class RateLimiter:
    """``rate`` tokens per second up to ``burst`` per key; ``take`` says how long to wait if empty.

    Kept per process (each edge or socket node limits what reaches it), for at most ``max_keys``
    keys: when full, the idlest half is forgotten (a forgotten key starts with a full bucket).
    """

    def __init__(
        self,
        rate: float,
        burst: float,
        *,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rate = rate
        self._burst = burst
        self._max = max_keys
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last refill)

    def take(self, key: str, cost: float = 1.0) -> float:
        """Spend ``cost`` tokens of ``key``: 0.0 if allowed, else the seconds until it would be."""
        now = self._clock()
        tokens, last = self._buckets.get(key, (self._burst, now))
        tokens = min(self._burst, tokens + (now - last) * self._rate)
        if tokens < cost:
            self._buckets[key] = (tokens, now)
            return (cost - tokens) / self._rate
        if len(self._buckets) >= self._max and key not in self._buckets:
            self._forget_idlest()
        self._buckets[key] = (tokens - cost, now)
        return 0.0

    def _forget_idlest(self) -> None:
        by_age = sorted(self._buckets.items(), key=lambda item: item[1][1])
        for key, _ in by_age[: len(by_age) // 2]:
            del self._buckets[key]
