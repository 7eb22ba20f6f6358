"""The outside world as an actor's runtime sees it: where events and outcomes go."""

from __future__ import annotations

import asyncio
import os
from typing import Protocol

from nats.aio.client import Client as NATS
from nats.js import JetStreamContext

from bus.envelopes import Event, Outcome
from bus.subjects import event_subject


class Publisher(Protocol):
    """Sends committed events to the EVENTS stream and outcomes to their waiting node."""

    async def publish_events(self, events: list[Event]) -> None: ...

    async def send_outcome(self, reply_to: str, outcome: Outcome) -> None: ...


class NatsPublisher:
    """Events on JetStream with ``Nats-Msg-Id: <event_id>`` (dedup), outcomes on core NATS."""

    def __init__(self, nc: NATS) -> None:
        self._nc = nc
        self._js: JetStreamContext = nc.jetstream()

    async def publish_events(self, events: list[Event]) -> None:
        if not events:
            return
        await asyncio.gather(
            *(
                self._js.publish(
                    event_subject(e.scope, e.type),
                    e.model_dump_json().encode(),
                    timeout=5.0,
                    headers={"Nats-Msg-Id": e.event_id},
                )
                for e in events
            )
        )

    async def send_outcome(self, reply_to: str, outcome: Outcome) -> None:
        await self._nc.publish(reply_to, outcome.model_dump_json().encode())


class CrashAfterCommit:
    """A publisher that kills the process at its first event: the drill for "crash between commit
    and publish" (setting ``failpoint=crash_after_commit``). The outbox relay must recover."""

    EXIT_CODE = 86

    def __init__(self, inner: Publisher) -> None:
        self._inner = inner

    async def publish_events(self, events: list[Event]) -> None:
        if events:
            os._exit(self.EXIT_CODE)

    async def send_outcome(self, reply_to: str, outcome: Outcome) -> None:
        await self._inner.send_outcome(reply_to, outcome)
