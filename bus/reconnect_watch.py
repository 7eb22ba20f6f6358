"""Noticing a NATS client that has stopped trying to reconnect, and ending its process.

nats-py reconnects forever while a server is down, hearing an error for each failed attempt
(a refused connection, a timeout) every few seconds. But a reconnect can also stall for good:
waiting for a dead socket to finish closing (nats-io/nats.py#671), it makes no attempt and no
error, and the process looks healthy while it takes no work (seen here when a cluster's server
was killed: an actor's client sat in RECONNECTING with its socket in CLOSE-WAIT). A process
whose client has been reconnecting for ``limit_s`` with no sign of an attempt is ended, so its
supervisor (``up``, Kubernetes) starts it again; nothing is lost: its unacknowledged commands
are delivered again, and applying one twice changes nothing.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from typing import Protocol

import structlog

log = structlog.get_logger(__name__)

EXIT_STALLED = 75
"""The exit code of a process ended for a stalled reconnect (EX_TEMPFAIL: start it again)."""
EVERY_S = 1.0


class Watched(Protocol):
    """What the watch reads of a NATS client."""

    @property
    def is_reconnecting(self) -> bool: ...

    @property
    def is_closed(self) -> bool: ...


def end_process(reason: str) -> None:
    """Log why and end the process at once with :data:`EXIT_STALLED`."""
    log.error("nats_reconnect_stalled", reason=reason)
    os._exit(EXIT_STALLED)


class ReconnectWatch:
    """Hears the client's callbacks (each is a sign of life) and, once :meth:`run` is watching
    a client, calls ``on_stall`` when it has been reconnecting for ``limit_s`` without one."""

    def __init__(self, limit_s: float, on_stall: Callable[[str], None] = end_process) -> None:
        self.limit_s = limit_s
        self._on_stall = on_stall
        self._last_sign = time.monotonic()

    def sign(self) -> None:
        """The client did something: an attempt failed, it disconnected, it reconnected."""
        self._last_sign = time.monotonic()

    def stalled_for(self, client: Watched, now: float) -> float | None:
        """How long ``client`` has been reconnecting with no sign, if longer than the limit."""
        if not client.is_reconnecting or client.is_closed:
            return None
        quiet = now - self._last_sign
        return quiet if quiet > self.limit_s else None

    async def run(self, client: Watched, every_s: float = EVERY_S) -> None:
        """Watch ``client`` until it is closed or the task cancelled (or it stalls:
        ``on_stall``)."""
        while not client.is_closed:
            await asyncio.sleep(every_s)
            quiet = self.stalled_for(client, time.monotonic())
            if quiet is not None:
                self._on_stall(f"reconnecting for {quiet:.0f} s without an attempt")
                return


_watching: set[asyncio.Task[None]] = set()


def watch_in_background(watch: ReconnectWatch, client: Watched) -> None:
    """Run ``watch`` over ``client`` on the running loop until the client is closed."""
    task = asyncio.get_running_loop().create_task(watch.run(client), name="nats-reconnect-watch")
    _watching.add(task)
    task.add_done_callback(_watching.discard)
