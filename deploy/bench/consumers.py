"""An actor's durable consumers of events, watched and paused over JetStream's API: how a
benchmark builds a backlog (pause, write, resume) and times working it off."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from nats.js.errors import NotFoundError

from bus.subjects import EVENTS_STREAM

POLL_S = 0.05
PULLING_WAIT_S = 60.0  # for a starting process's consumers to exist and pull


@dataclass(frozen=True)
class Backlog:
    """The consumers, added up."""

    pending: int  # not yet delivered
    unacked: int  # delivered, not yet acknowledged (not yet committed)
    waiting: int  # the fewest outstanding pull requests of any one consumer

    @property
    def left(self) -> int:
        return self.pending + self.unacked


class Consumers:
    """The named durable consumers of the EVENTS stream."""

    def __init__(self, js: Any, durables: Sequence[str]) -> None:
        self._js = js
        self._durables = list(durables)

    async def backlog(self) -> Backlog:
        infos = await asyncio.gather(
            *(self._js.consumer_info(EVENTS_STREAM, d) for d in self._durables)
        )
        return Backlog(
            pending=sum(int(i.num_pending or 0) for i in infos),
            unacked=sum(int(i.num_ack_pending or 0) for i in infos),
            waiting=min(int(i.num_waiting or 0) for i in infos),
        )

    async def pause(self) -> None:
        until = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        for durable in self._durables:
            if not (await self._js.pause_consumer(EVENTS_STREAM, durable, until)).paused:
                raise RuntimeError(f"the consumer {durable} did not pause")

    async def resume(self) -> None:
        await asyncio.gather(*(self._js.resume_consumer(EVENTS_STREAM, d) for d in self._durables))

    async def wait(self, done: Callable[[Backlog], bool], timeout_s: float, what: str) -> Backlog:
        deadline = time.perf_counter() + timeout_s
        while not done(backlog := await self.backlog()):
            if time.perf_counter() > deadline:
                raise RuntimeError(f"{what}: still {backlog} after {timeout_s:g} s")
            await asyncio.sleep(POLL_S)
        return backlog

    async def wait_pulling(self, processes: int, what: str) -> Backlog:
        """Until every consumer exists (an actor process makes them as it starts) and has a
        pull request waiting from each of ``processes`` processes."""
        deadline = time.perf_counter() + PULLING_WAIT_S
        while True:
            try:
                return await self.wait(lambda b: b.waiting >= processes, PULLING_WAIT_S, what)
            except NotFoundError:
                if time.perf_counter() > deadline:
                    raise
                await asyncio.sleep(0.2)
