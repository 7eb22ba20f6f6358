"""One node's path for a person's writes: rate limit, send the command, return its outcome.

The HTTP edge and the Socket.IO server both take commands from people; both go through a
:class:`CommandGateway`, so a person's allowance, the wait for an outcome and the order of a
sync batch are the same whichever way a command arrives. What a refusal looks like (a 429
problem document, a socket ack) stays with each front end: the gateway raises, they answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from bus.client import CommandSender
from bus.envelopes import Command, Outcome
from bus.ratelimit import RateLimiter
from bus.sync import Prior, apply_batch, check_batch_size


class TooManyWrites(Exception):
    """The person's write allowance on this node is spent; ``retry_after_s`` until it is not."""

    def __init__(self, retry_after_s: float) -> None:
        super().__init__(f"too many changes too fast; retry in {retry_after_s:.1f}s")
        self.retry_after_s = retry_after_s


class SenderSource(Protocol):
    """Whatever holds the node's :class:`CommandSender` once it has started."""

    @property
    def sender(self) -> CommandSender: ...


class CommandGateway:
    """Rate limit → send → outcome for one node.

    ``limiter`` may be shared by several gateways of one process (one allowance per person
    whichever way they write); ``prior`` reads the stored outcomes of a sync batch's commands.
    The sender is looked up on each use, since it exists only once the node has started.
    """

    def __init__(
        self, source: SenderSource, limiter: RateLimiter, prior: Prior, wait_s: float
    ) -> None:
        self._source = source
        self._limiter = limiter
        self._prior = prior
        self._wait_s = wait_s

    def spend(self, issuer: str, cost: float = 1.0) -> None:
        """Draw ``cost`` writes from ``issuer``'s allowance; :class:`TooManyWrites` when spent."""
        wait = self._limiter.take(issuer, cost)
        if wait > 0:
            raise TooManyWrites(wait)

    async def send(self, command: Command) -> Outcome | None:
        """Publish ``command`` and return its outcome, or None if it did not come in time."""
        return await self._source.sender.send(command, self._wait_s)

    async def publish(self, command: Command) -> None:
        """Publish ``command`` without waiting for its outcome (the client asked for 202)."""
        await self._source.sender.publish(command)

    async def send_batch(
        self, items: Sequence[object], *, issuer: str, device_id: str | None
    ) -> list[dict[str, Any]]:
        """A device's batch of offline commands (see :mod:`bus.sync`): its size checked
        (:class:`bus.sync.BatchTooLarge`), one write spent per command, then applied in order."""
        check_batch_size(items)
        self.spend(issuer, cost=max(1, len(items)))
        return await apply_batch(
            items,
            issuer=issuer,
            device_id=device_id,
            sender=self._source.sender,
            prior=self._prior,
            wait_s=self._wait_s,
        )
