"""What every phase of the fraud benchmark uses: the users, the plan, what this process sees
(events on NATS, risk records committed), the consumers it pauses, and the stack."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from deploy.bench.command_consumer import CommandConsumer
from deploy.bench.consumers import Consumers
from deploy.bench.fraud.names import STALL_S
from deploy.bench.fraud.plan import Planned, Planner
from deploy.bench.fraud.watch import Commits, CreatedEvents
from deploy.bench.fraud.writes import Owner, Writes
from deploy.bench.memory import ProcessSampler


@dataclass
class Run:
    """What every phase uses: the users, the plan, what this process sees, and the stack."""

    owners: list[Owner]
    planner: Planner
    events: CreatedEvents
    commits: Commits
    consumers: Consumers
    commands: CommandConsumer  # the expenses actor's
    sampler: ProcessSampler
    db: AsyncDatabase[dict[str, Any]]
    say: Callable[[str], None]
    threshold: int
    fraud_pids: Callable[[], dict[str, int]]
    phase_start: float = 0.0  # time.perf_counter when the phase being timed began

    def plan(self, count: int) -> list[Planned]:
        """``count`` expenses dealt to the users in turn, their risk records awaited."""
        planned = self.planner.round_robin(count, len(self.owners))
        self.commits.expect([p.id for p in planned])
        return planned

    async def created(self, writes: Writes) -> list[str]:
        """The accepted expenses whose event was seen on NATS (waiting for the late ones)."""
        return await self.created_after(writes.accepted)

    async def created_after(self, accepted: Sequence[str]) -> list[str]:
        """Those of ``accepted`` whose event was seen on NATS (waiting for the late ones)."""
        await self.events.settle(accepted, STALL_S)
        return [k for k in accepted if k in self.events.at]
