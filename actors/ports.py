"""The outside world as an actor's runtime sees it: where events and outcomes go."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from typing import Protocol

from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from opentelemetry.context import Context

from bus import tracing
from bus.envelopes import Event, Outcome
from bus.subjects import event_subject


class Publisher(Protocol):
    """Sends committed events to the EVENTS stream and outcomes to their waiting node."""

    async def publish_events(
        self, events: list[Event], causes: Mapping[str, Context] | None = None
    ) -> None:
        """Publish ``events``, each in the trace context of its command in ``causes``."""
        ...

    async def send_outcome(self, reply_to: str, outcome: Outcome) -> None: ...


class NatsPublisher:
    """Events on JetStream with ``Nats-Msg-Id: <event_id>`` (dedup), outcomes on core NATS."""

    def __init__(self, nc: NATS) -> None:
        self._nc = nc
        self._js: JetStreamContext = nc.jetstream()

    async def publish_events(
        self, events: list[Event], causes: Mapping[str, Context] | None = None
    ) -> None:
        if not events:
            return
        causes = causes or {}
        await asyncio.gather(*(self._publish(e, causes.get(e.command_id)) for e in events))

    async def _publish(self, event: Event, cause: Context | None) -> None:
        """One event; with traces on, under a producer span that is a child of ``cause``."""
        subject, headers = event_subject(event.scope, event.type), {"Nats-Msg-Id": event.event_id}
        with tracing.sending(f"send {event.type}", headers, subject, event.event_id, cause):
            await self._js.publish(
                subject, event.model_dump_json().encode(), timeout=5.0, headers=headers
            )

    async def send_outcome(self, reply_to: str, outcome: Outcome) -> None:
        await self._nc.publish(reply_to, outcome.model_dump_json().encode())


class CrashAfterCommit:
    """A publisher that kills the process at its first event: the drill for "crash between commit
    and publish" (setting ``failpoint=crash_after_commit``). The outbox relay must recover."""

    EXIT_CODE = 86

    def __init__(self, inner: Publisher) -> None:
        self._inner = inner

    async def publish_events(
        self, events: list[Event], causes: Mapping[str, Context] | None = None
    ) -> None:
        if events:
            os._exit(self.EXIT_CODE)

    async def send_outcome(self, reply_to: str, outcome: Outcome) -> None:
        await self._inner.send_outcome(reply_to, outcome)
