"""Subject interest: one core-NATS subscription per scope that has sockets on this node.

A node subscribes to ``evt.user.<id>.>`` and ``evt.inbox.<id>.>`` when the first socket of that
person connects (and to a group's when one of them follows it) and unsubscribes when the last
one leaves, so each node receives only the events of the people
connected to it (never ``evt.>``). A JetStream publish is delivered to these core subscribers too.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import structlog
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from bus.subjects import scope_events

log = structlog.get_logger(__name__)

ScopeHandler = Callable[[str, Msg], Awaitable[None]]
FLUSH_TIMEOUT_S = 2


@dataclass
class _Interest:
    subscription: Subscription
    sockets: int


class InterestRegistry:
    """Reference-counted subscriptions on ``scope_events(scope)``, one per scope."""

    def __init__(self, on_message: ScopeHandler) -> None:
        self._on_message = on_message
        self._nc: NATS | None = None
        self._interests: dict[str, _Interest] = {}
        # One lock per scope in use: a connect and a disconnect of one person never race, and
        # sockets of different people never wait on each other's subscribe round trip.
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    def scopes(self) -> int:
        """How many scopes this node is subscribed to (its rooms with sockets)."""
        return len(self._interests)

    def bind(self, nc: NATS) -> None:
        """Use ``nc`` from now on (called once the process's connections are up)."""
        self._nc = nc

    @contextlib.asynccontextmanager
    async def _locked(self, scope: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(scope, (asyncio.Lock(), 0))
        self._locks[scope] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[scope]
            if users == 1:
                del self._locks[scope]
            else:
                self._locks[scope] = (lock, users - 1)

    async def acquire(self, scope: str) -> None:
        """Count one more socket of ``scope``; subscribe if it is the first.

        Returns once the server has the subscription, so nothing published after is missed.
        """
        async with self._locked(scope):
            interest = self._interests.get(scope)
            if interest is not None:
                interest.sockets += 1
                return
            nc = self._require_nc()
            subject = scope_events(scope)

            async def deliver(msg: Msg) -> None:
                await self._on_message(scope, msg)

            subscription = await nc.subscribe(subject, cb=deliver)
            try:
                await nc.flush(timeout=FLUSH_TIMEOUT_S)
            except Exception:
                await subscription.unsubscribe()
                raise
            self._interests[scope] = _Interest(subscription, 1)
            log.info("interest_subscribed", scope=scope, subject=subject)

    async def release(self, scope: str) -> None:
        """Count one socket fewer; unsubscribe when none of ``scope`` is left."""
        async with self._locked(scope):
            interest = self._interests.get(scope)
            if interest is None:
                return
            interest.sockets -= 1
            if interest.sockets > 0:
                return
            del self._interests[scope]
            await self._unsubscribe(scope, interest.subscription)

    async def close(self) -> None:
        """Drop every subscription (at shutdown, before the NATS connection drains)."""
        interests, self._interests = self._interests, {}
        for scope, interest in interests.items():
            await self._unsubscribe(scope, interest.subscription)

    def _require_nc(self) -> NATS:
        if self._nc is None:
            raise RuntimeError("InterestRegistry.bind() has not been called")
        return self._nc

    async def _unsubscribe(self, scope: str, subscription: Subscription) -> None:
        try:
            await subscription.unsubscribe()
        except Exception as exc:  # a closed connection has dropped it already
            log.warning("interest_unsubscribe_failed", scope=scope, error=str(exc)[:200])
            return
        log.info("interest_unsubscribed", scope=scope)
