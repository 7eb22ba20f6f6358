"""Publishing commands to JetStream through a server's death, as the edge does: every command
is published until JetStream acknowledges it, a failed publish repeated with the same
``Nats-Msg-Id`` (so a message the stream kept before the failure is acknowledged as a duplicate
and stored once). When each publish was sent and acknowledged is kept, to time the recovery."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from nats.errors import Error as NatsError

from bus.client import message_id
from bus.commands import spec_for
from bus.envelopes import Command

IN_FLIGHT = 64
PUBLISH_TIMEOUT_S = 2.0
RETRY_AFTER_S = 0.2


@dataclass(frozen=True)
class Ack:
    """One command's successful publish: when its last attempt was sent and acknowledged
    (``time.monotonic``), and whether the stream had it already."""

    sent: float
    acked: float
    duplicate: bool


@dataclass
class SteadyPublisher:
    """Publishes ``commands`` until each is acknowledged (see the module docstring)."""

    js: Any
    acks: dict[str, Ack] = field(default_factory=dict)
    failures: list[tuple[float, str]] = field(default_factory=list)

    async def run(self, commands: Sequence[Command]) -> None:
        limit = asyncio.Semaphore(IN_FLIGHT)

        async def one(command: Command) -> None:
            async with limit:
                self.acks[command.command_id] = await self._until_acked(command)

        await asyncio.gather(*(one(c) for c in commands))

    async def _until_acked(self, command: Command) -> Ack:
        subject = spec_for(command.type).subject
        body = command.model_dump_json().encode()
        headers = {"Nats-Msg-Id": message_id(command)}
        while True:
            sent = time.monotonic()
            try:
                ack = await self.js.publish(
                    subject, body, timeout=PUBLISH_TIMEOUT_S, headers=headers
                )
            except (NatsError, TimeoutError) as exc:
                self.failures.append((sent, type(exc).__name__))
                await asyncio.sleep(RETRY_AFTER_S)
                continue
            return Ack(sent, time.monotonic(), bool(ack.duplicate))

    def recovery_after(self, moment: float) -> float:
        """Seconds from ``moment`` until a publish sent after it was acknowledged."""
        later = [a.acked for a in self.acks.values() if a.sent >= moment]
        assert later, "no publish sent after the moment was acknowledged"
        return min(later) - moment

    def longest_silence(self) -> float:
        """The longest time between two acknowledgements."""
        times = sorted(a.acked for a in self.acks.values())
        return max((b - a for a, b in itertools.pairwise(times)), default=0.0)
