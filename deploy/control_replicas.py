"""How many processes an actor may run under ``ledgerbus up``, and when an added one is ready.

An actor's processes are the children ``actor:<name>``, ``actor:<name>#2`` ... A process added
by ``ledgerbus scale`` is ready when as many distinct processes of the actor answer its
readiness ping (each answers only once bound to its durables, see :mod:`bus.readiness`) as the
supervisor runs, so the new one is bound before ``scale`` answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Callable, Collection, Iterable, Mapping

from nats.aio.msg import Msg
from pydantic import ValidationError

from bus.metrics_server import METRICS_PORT_ENV, metrics_host_in
from bus.readiness import ActorHealth
from bus.subjects import actor_health_subject
from deploy.children import ChildSpec, ReadyProbe
from deploy.embedded import find_free_port, free_port_except
from deploy.lazy_nats import LazyNats

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


def replica_env(
    first: Mapping[str, str] | None,
    children: Iterable[ChildSpec],
    find_port: Callable[[str], int] = find_free_port,
) -> dict[str, str] | None:
    """The environment of an added process: its first's, with a metrics port of its own when
    the first has one, free now on the metrics host the first binds and none of ``children``'s
    (their processes may be down, restarting, on the port they were given)."""
    if first is None:
        return None
    env = dict(first)
    if METRICS_PORT_ENV in env:
        taken = {
            int(child.env[METRICS_PORT_ENV])
            for child in children
            if child.env is not None and METRICS_PORT_ENV in child.env
        }
        env[METRICS_PORT_ENV] = str(free_port_except(taken, metrics_host_in(env), find_port))
    return env


class ActorCensus:
    """Counts the processes of an actor that answer its ping, over one NATS connection made
    on first use and closed by :meth:`close`."""

    def __init__(
        self,
        nats_url: str,
        window_s: float = ANSWER_WINDOW_S,
        *,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.nats = LazyNats(nats_url, "ledgerbus-up-census", tls)
        self._window_s = window_s

    async def answering(self, actor: str) -> int:
        """How many distinct processes of ``actor`` answer one ping within the window."""
        nc = await self.nats.connection()
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

    async def close(self) -> None:
        """Close the connection (idempotent)."""
        await self.nats.close()
