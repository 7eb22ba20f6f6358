"""What the supervisor supervises: child specs, restart policy, and one running child."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import sys
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

ReadyProbe = Callable[[], Awaitable[bool]]
"""Answers whether a child is ready; polled until true or the child's ready timeout passes."""

PartsProbe = Callable[[], Awaitable[Mapping[str, str]]]
"""The parts of a whole that are not ready yet, each with why; empty when all are."""

_PR_SET_PDEATHSIG = 1
COLOURS = ("36", "33", "35", "32", "34", "91", "96", "93")
LINE_LIMIT = 1024 * 1024


def die_with_parent() -> None:
    """``preexec_fn``: ask Linux to SIGTERM this child when its parent dies (no-op elsewhere)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


@dataclass(frozen=True)
class ChildSpec:
    """One process to supervise. ``env`` is its whole environment (None inherits ours).

    Children start in order, each stage ready before the next; consecutive children with the
    same non-empty ``stage`` form one stage and start together.
    """

    name: str
    argv: Sequence[str]
    env: Mapping[str, str] | None = None
    ready: ReadyProbe | None = None
    restart: bool = True
    ready_timeout_s: float = 60.0
    stage: str = ""


@dataclass(frozen=True)
class RestartPolicy:
    """Backoff between restarts, and how many crashes within a window end the supervisor."""

    initial_backoff_s: float = 0.5
    max_backoff_s: float = 10.0
    max_crashes: int = 5
    window_s: float = 60.0

    def record_crash(self, crashes: deque[float], now: float) -> bool:
        """Add a crash to ``crashes`` (forgetting old ones); whether it is time to give up."""
        crashes.append(now)
        while crashes and crashes[0] < now - self.window_s:
            crashes.popleft()
        return len(crashes) >= self.max_crashes

    def backoff(self, recent_crashes: int) -> float:
        """Delay before the next start, doubling with each recent crash up to the cap."""
        exponent = max(recent_crashes - 1, 0)
        return float(min(self.initial_backoff_s * 2**exponent, self.max_backoff_s))


class ChildFailedError(RuntimeError):
    """A child did not become ready, or crashed too often; the message says which and why."""


@dataclass
class Child:
    """A supervised child: its current process, output pump and recent crashes."""

    spec: ChildSpec
    prefix: str
    process: asyncio.subprocess.Process | None = None
    pump: asyncio.Task[None] | None = None
    watcher: asyncio.Task[None] | None = None
    tail: deque[str] = field(default_factory=lambda: deque(maxlen=30))
    crashes: deque[float] = field(default_factory=deque)

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.returncode is None

    def output_tail(self) -> str:
        return "\n".join(self.tail)

    def signal(self, signum: int) -> None:
        """Signal the child's whole process group (it leads one), falling back to the child."""
        if not self.alive or self.process is None:
            return
        try:
            os.killpg(self.process.pid, signum)
        except (ProcessLookupError, PermissionError):
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signum)


def prefix_for(name: str, width: int, colour: str | None) -> str:
    padded = name.ljust(width)
    return f"\x1b[{colour}m{padded}|\x1b[0m " if colour else f"{padded}| "
