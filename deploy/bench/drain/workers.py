"""The expenses processes of a round, started beside the stack's own children and stopped
before the next round (:meth:`deploy.bench.stackrun.BenchStack.start_actor`)."""

from __future__ import annotations

import asyncio

from deploy.bench.stackrun import BenchStack
from deploy.supervisor import Supervisor

ACTOR = "expenses"


def process_name(index: int) -> str:
    """The ``index``-th (from 1) expenses process, as the figures name it."""
    return f"actor:{ACTOR}#{index}"


class Workers:
    """The expenses processes running now (none between rounds)."""

    def __init__(self, stack: BenchStack) -> None:
        self._stack = stack
        self._running: list[Supervisor] = []

    def pids(self) -> dict[str, int]:
        """Running processes by name."""
        pids: dict[str, int] = {}
        for running in self._running:
            pids.update(running.pids())
        return pids

    async def start(self, count: int) -> None:
        """Start ``count`` processes at once on the actor's consumers."""
        names = [process_name(i) for i in range(1, count + 1)]
        started = await asyncio.gather(
            *(self._stack.start_actor(n, ACTOR) for n in names), return_exceptions=True
        )
        self._running = [s for s in started if isinstance(s, Supervisor)]
        failed = [s for s in started if isinstance(s, BaseException)]
        if failed:
            await self.stop()
            raise failed[0]

    async def stop(self) -> None:
        """Stop every running process (SIGTERM, drained as at any stop)."""
        running, self._running = self._running, []
        await asyncio.gather(*(r.stop() for r in running))
