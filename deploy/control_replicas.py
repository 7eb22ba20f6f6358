"""How many processes an actor may run under ``ledgerbus up``, and when an added one is ready.

An actor's processes are the children ``actor:<name>``, ``actor:<name>#2`` ... A process added
by ``ledgerbus scale`` is ready when as many distinct processes of the actor answer its
readiness ping (each answers only once bound to its durables, see :mod:`bus.readiness`) as the
supervisor runs, so the new one is bound before ``scale`` answers.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Collection

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from pydantic import ValidationError

from bus.readiness import ActorHealth
from bus.subjects import actor_health_subject
from deploy.children import ReadyProbe

MAX_PROCESSES = 16
"""The most processes ``scale`` runs of one actor (a two-core machine is busy long before)."""

ANSWER_WINDOW_S = 0.5
"""How long a census listens for the answers to one ping."""


def actor_child(actor: str) -> str:
    """The supervisor's name for an actor's first process: ``expenses`` -> ``actor:expenses``."""
    return f"actor:{actor}"


def scale_refusal(actor: str, processes: int, known: Collection[str]) -> str | None:
    """Why ``scale actor processes`` is refused (None: it is not)."""
    if actor not in known:
        return f"unknown actor {actor!r}; the actors are {', '.join(sorted(known))}"
    if processes < 1:
        return f"an actor runs at least 1 process (asked for {processes})"
    if processes > MAX_PROCESSES:
        return f"at most {MAX_PROCESSES} processes of one actor (asked for {processes})"
    return None


class ActorCensus:
    """Counts the processes of an actor that answer its ping, over one NATS connection made
    on first use and closed by :meth:`close`."""

    def __init__(self, nats_url: str, window_s: float = ANSWER_WINDOW_S) -> None:
        self._url = nats_url
        self._window_s = window_s
        self._nc: NATS | None = None
        self._lock = asyncio.Lock()

    async def answering(self, actor: str) -> int:
        """How many distinct processes of ``actor`` answer one ping within the window."""
        nc = await self._connection()
        nodes: set[str] = set()

        async def heard(msg: Msg) -> None:
            with contextlib.suppress(ValidationError):
                nodes.add(ActorHealth.model_validate_json(msg.data).node)

        inbox = nc.new_inbox()
        sub = await nc.subscribe(inbox, cb=heard)
        try:
            await nc.publish(actor_health_subject(actor), b"", reply=inbox)
            await asyncio.sleep(self._window_s)
        finally:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
        return len(nodes)

    def probe(self, actor: str, running: Callable[[], int]) -> ReadyProbe:
        """Ready once at least ``running()`` processes of ``actor`` answer."""

        async def ready() -> bool:
            return await self.answering(actor) >= running()

        return ready

    async def _connection(self) -> NATS:
        async with self._lock:
            if self._nc is None or self._nc.is_closed:
                nc = NATS()

                async def quiet(*_: object) -> None:
                    """Outages are the children's to report."""

                await nc.connect(
                    servers=[self._url],
                    name="ledgerbus-up-census",
                    connect_timeout=2,
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=1,
                    error_cb=quiet,
                    disconnected_cb=quiet,
                    reconnected_cb=quiet,
                    closed_cb=quiet,
                )
                self._nc = nc
            return self._nc

    async def close(self) -> None:
        async with self._lock:
            nc, self._nc = self._nc, None
        if nc is not None and not nc.is_closed:
            with contextlib.suppress(Exception):
                await nc.close()
