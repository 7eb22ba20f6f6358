"""Publish a command on JetStream and await its outcome: the edge's and realtime's side of the bus."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js import JetStreamContext

from bus import tracing
from bus.commands import spec_for
from bus.envelopes import ActorRef, Command, Outcome, utcnow
from bus.ids import new_id, scoped_command_id
from bus.subjects import reply_inbox, reply_subject

log = structlog.get_logger(__name__)

OutcomeLookup = Callable[[str], Awaitable[Outcome | None]]


def body_hash(command_type: str, payload: dict[str, Any], expected_version: int | None) -> str:
    """A stable fingerprint of what was asked, to detect a key reused for another request."""
    canonical = json.dumps(
        {"type": command_type, "payload": payload, "expected_version": expected_version},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def build_command(
    command_type: str,
    payload: dict[str, Any],
    *,
    issuer: str | None,
    device_id: str | None = None,
    idempotency_key: str | None = None,
    issuer_scope: str | None = None,
    expected_version: int | None = None,
    reply_to: str | None = None,
    made_at: Any = None,
) -> Command:
    """A command with an id scoped to its issuer (or to ``issuer_scope`` before sign-up)."""
    owner = issuer or issuer_scope or "anonymous"
    command_id = scoped_command_id(owner, idempotency_key) if idempotency_key else new_id()
    return Command(
        command_id=command_id,
        type=command_type,
        actor=ActorRef(user_id=issuer, device_id=device_id),
        issued_at=utcnow(),
        expected_version=expected_version,
        reply_to=reply_to,
        body_hash=body_hash(command_type, payload, expected_version),
        made_at=made_at,
        payload=payload,
    )


def message_id(command: Command) -> str:
    """JetStream's dedup id of a command: its id plus a body fingerprint, so a key reused for
    another body is not dropped as a duplicate but reaches the actor (and is refused there)."""
    return f"{command.command_id}:{command.body_hash[:16]}"


class CommandSender:
    """Publishes commands with ``Nats-Msg-Id`` and waits (bounded) for their outcomes.

    One core-NATS subscription per node receives every outcome addressed to it; waiters are
    keyed by command id. A node that times out, or whose publish was a JetStream duplicate,
    re-reads the stored outcome (``lookup``) before giving up.
    """

    def __init__(self, nc: NATS, node_id: str, lookup: OutcomeLookup) -> None:
        self._nc = nc
        self._js: JetStreamContext = nc.jetstream()
        self._node_id = node_id
        self._lookup = lookup
        self._waiters: dict[str, list[asyncio.Future[Outcome]]] = {}
        self._sub: Subscription | None = None

    async def start(self) -> None:
        self._sub = await self._nc.subscribe(reply_inbox(self._node_id), cb=self._on_outcome)

    async def stop(self) -> None:
        if self._sub is not None:
            await self._sub.unsubscribe()
            self._sub = None
        for futures in self._waiters.values():
            for fut in futures:
                fut.cancel()
        self._waiters.clear()

    def reply_to(self, command_id: str) -> str:
        return reply_subject(self._node_id, command_id)

    async def _on_outcome(self, msg: Msg) -> None:
        try:
            outcome = Outcome.model_validate_json(msg.data)
        except ValueError:
            log.warning("outcome_undecodable", subject=msg.subject)
            return
        for fut in self._waiters.pop(outcome.command_id, []):
            if not fut.done():
                fut.set_result(outcome)

    async def publish(self, command: Command) -> bool:
        """Publish and await JetStream's ack; True if JetStream saw it as a duplicate.

        The message carries the current trace (the HTTP request's, say) under a producer span."""
        subject, headers = spec_for(command.type).subject, {"Nats-Msg-Id": message_id(command)}
        with tracing.sending(f"send {command.type}", headers, subject, command.command_id):
            ack = await self._js.publish(
                subject, command.model_dump_json().encode(), timeout=5.0, headers=headers
            )
        return bool(ack.duplicate)

    async def send(self, command: Command, wait_s: float) -> Outcome | None:
        """Publish ``command`` (its ``reply_to`` set to this node's inbox) and return its outcome,
        or None if it did not come within ``wait_s``."""
        command = command.model_copy(update={"reply_to": self.reply_to(command.command_id)})
        fut: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(command.command_id, []).append(fut)
        try:
            duplicate = await self.publish(command)
            if duplicate:
                return await self._poll_stored(command.command_id, fut, wait_s)
            try:
                return await asyncio.wait_for(asyncio.shield(fut), wait_s)
            except TimeoutError:
                return await self._lookup(command.command_id)
        finally:
            self._forget(command.command_id, fut)

    async def _poll_stored(
        self, command_id: str, fut: asyncio.Future[Outcome], wait_s: float
    ) -> Outcome | None:
        """A duplicate publish gets no reply of its own: read the stored outcome until it exists."""
        deadline = asyncio.get_running_loop().time() + wait_s
        delay = 0.02
        while True:
            stored = await self._lookup(command_id)
            if stored is not None:
                return stored
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                return None
            try:
                return await asyncio.wait_for(asyncio.shield(fut), min(delay, remaining))
            except TimeoutError:
                delay = min(delay * 2, 0.25)

    def _forget(self, command_id: str, fut: asyncio.Future[Outcome]) -> None:
        futures = self._waiters.get(command_id)
        if futures and fut in futures:
            futures.remove(fut)
            if not futures:
                del self._waiters[command_id]
