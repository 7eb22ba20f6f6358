"""An actor's durable consumer of commands, paused and watched over JetStream's API: how a
benchmark makes a backlog of commands for an actor (pause, write, resume) and times the actor
working it off."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bus.subjects import COMMANDS_STREAM

POLL_S = 0.05


class CommandConsumer:
    """The command consumer of one actor (its durable is the actor's name)."""

    def __init__(self, js: Any, actor: str) -> None:
        self._js = js
        self.durable = actor

    async def pending(self) -> int:
        """Commands not yet delivered, and delivered but not yet acknowledged."""
        info = await self._js.consumer_info(COMMANDS_STREAM, self.durable)
        return int(info.num_pending or 0) + int(info.num_ack_pending or 0)

    async def pause(self) -> None:
        until = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        if not (await self._js.pause_consumer(COMMANDS_STREAM, self.durable, until)).paused:
            raise RuntimeError(f"the command consumer {self.durable} did not pause")

    async def resume(self) -> None:
        await self._js.resume_consumer(COMMANDS_STREAM, self.durable)

    async def wait_pending(self, count: int, timeout_s: float) -> int:
        """Until at least ``count`` commands wait in it; how many do."""
        deadline = time.perf_counter() + timeout_s
        while (waiting := await self.pending()) < count:
            if time.perf_counter() > deadline:
                raise RuntimeError(f"{self.durable}: {waiting} commands of {count} waiting")
            await asyncio.sleep(POLL_S)
        return waiting
