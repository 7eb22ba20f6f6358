"""The expenses actor's command consumer watched while a backlog drains: its lag (commands not
yet delivered plus delivered and not yet acknowledged) read every half second."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from nats.js.errors import NotFoundError

from bus.subjects import COMMANDS_STREAM
from deploy.bench.command_consumer import CommandConsumer

EVERY_S = 0.5
STALL_S = 120.0
"""How long the lag may stay the same before the round is given up."""
PULLING_WAIT_S = 120.0


@dataclass(frozen=True)
class LagSeries:
    """Lag samples from the resume (seconds since it, lag) and when the lag first read zero."""

    samples: list[tuple[float, int]]
    zero_after_s: float


class DrainWatch:
    """The actor's command consumer: paused between rounds, watched while it drains."""

    def __init__(self, js: Any, durable: str) -> None:
        self._js = js
        self.consumer = CommandConsumer(js, durable)

    async def info(self) -> Any:
        """The consumer's state on the server."""
        return await self._js.consumer_info(COMMANDS_STREAM, self.consumer.durable)

    async def wait_pulling(self, processes: int) -> float:
        """Until ``processes`` pull requests wait on the (paused) consumer: every process is
        up and asking for work. How long that took."""
        t0 = time.perf_counter()
        while await self._waiting() < processes:
            if time.perf_counter() - t0 > PULLING_WAIT_S:
                raise RuntimeError(f"{processes} expenses processes never all pulled")
            await asyncio.sleep(0.1)
        return time.perf_counter() - t0

    async def _waiting(self) -> int:
        """Pull requests waiting (0 while the first process has not made the consumer)."""
        try:
            return int((await self.info()).num_waiting or 0)
        except NotFoundError:
            return 0

    async def until_zero(self, began: float) -> LagSeries:
        """Lag every :data:`EVERY_S` from ``began`` (``time.perf_counter``) until it is 0."""
        samples: list[tuple[float, int]] = []
        changed = began
        while True:
            lag = await self.consumer.pending()
            now = time.perf_counter()
            if samples and samples[-1][1] != lag:
                changed = now
            samples.append((round(now - began, 3), lag))
            if lag == 0:
                return LagSeries(samples, round(now - began, 3))
            if now - changed > STALL_S:
                raise RuntimeError(f"the lag stayed at {lag} for {STALL_S:g} s")
            await asyncio.sleep(EVERY_S)
