"""What an actor process did, summed up: one INFO line per interval instead of one per command.

Each command's own line (``command_applied``) is DEBUG: at INFO a busy node would write tens of
thousands of lines an hour that nobody reads. The summary says what an operator watches —
applied, rejected, replayed, retried, dead-lettered, and how many batches carried them.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable

import structlog

log = structlog.get_logger(__name__)

KINDS = ("applied", "rejected", "replayed", "retried", "dead_lettered", "batches")


class ActivityLog:
    """Counts an actor's work and logs ``actor_activity`` at INFO every ``interval_s`` seconds
    in which anything happened (a quiet actor writes nothing)."""

    def __init__(
        self, actor: str, interval_s: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._actor = actor
        self._interval_s = interval_s
        self._clock = clock
        self._counts: Counter[str] = Counter()
        self._since = clock()

    def count(self, kind: str, n: int = 1) -> None:
        """Add ``n`` to ``kind`` (one of :data:`KINDS`)."""
        if kind not in KINDS:
            raise ValueError(f"unknown activity {kind!r}")
        self._counts[kind] += n

    def snapshot(self) -> dict[str, int]:
        """The counts since the last summary, every kind present."""
        return {kind: self._counts[kind] for kind in KINDS}

    def flush(self) -> dict[str, int] | None:
        """Log the summary if anything happened since the last one, and start a new window."""
        now = self._clock()
        counts, window = self.snapshot(), round(now - self._since, 1)
        self._counts.clear()
        self._since = now
        if not any(counts.values()):
            return None
        log.info("actor_activity", actor=self._actor, window_s=window, **counts)
        return counts

    async def run(self) -> None:
        """Flush every interval until cancelled (an interval of 0 or less: never)."""
        if self._interval_s <= 0:
            return
        while True:
            await asyncio.sleep(self._interval_s)
            self.flush()
