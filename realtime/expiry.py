"""One timer per socket that closes it when its access token expires (reset by ``auth.refresh``)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import structlog

log = structlog.get_logger(__name__)

Expire = Callable[[str], Awaitable[None]]


class ExpiryTimers:
    """Calls ``on_expired(sid)`` at each socket's deadline unless rescheduled or cancelled."""

    def __init__(self, on_expired: Expire, clock: Callable[[], float] = time.time) -> None:
        self._on_expired = on_expired
        self._clock = clock
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def schedule(self, sid: str, expires_at: float) -> None:
        """Close ``sid`` at ``expires_at`` (epoch seconds), replacing any earlier deadline."""
        self.cancel(sid)
        self._tasks[sid] = asyncio.create_task(self._wait(sid, expires_at), name=f"expiry-{sid}")

    def cancel(self, sid: str) -> None:
        """Forget the deadline of ``sid`` (it disconnected)."""
        task = self._tasks.pop(sid, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    async def close(self) -> None:
        """Cancel every timer and wait for them to finish."""
        tasks, self._tasks = list(self._tasks.values()), {}
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _wait(self, sid: str, expires_at: float) -> None:
        await asyncio.sleep(max(0.0, expires_at - self._clock()))
        self._tasks.pop(sid, None)
        try:
            await self._on_expired(sid)
        except Exception:
            log.exception("socket_expiry_failed", sid=sid)
