"""Readiness probes of the stack's own processes: each actor's ping, and the edge's /readyz.

An actor is ready when one of its processes answers ``health.actor.<name>`` (it does once its
consumers are bound and its runtime is up, see :mod:`bus.readiness`). The stack is ready when
its edge's ``/readyz`` is 200; until then the 503 body names the parts still missing.
"""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request
from collections.abc import Mapping

from bus.readiness import READY, actor_check, missing_parts
from deploy.children import ReadyProbe
from deploy.lazy_nats import LazyNats

PING_TIMEOUT_S = 1.0


class ActorPings:
    """Pings actors over one NATS connection, made on first use (NATS is up by then) and closed
    by :meth:`close` before NATS stops (a later probe connects again)."""

    def __init__(
        self, nats_url: str, timeout_s: float = PING_TIMEOUT_S, tls: ssl.SSLContext | None = None
    ) -> None:
        self.nats = LazyNats(nats_url, "ledgerbus-up", tls)
        self._timeout_s = timeout_s

    async def answers(self, actor: str) -> bool:
        """Whether a process of ``actor`` answers its ping, bound to every consumer it names."""
        nc = await self.nats.connection()
        js = nc.jetstream(timeout=self._timeout_s)
        return await actor_check(nc, js, actor, self._timeout_s) == READY

    def probe(self, actor: str) -> ReadyProbe:
        """The supervisor's readiness probe of one actor's process."""

        async def ready() -> bool:
            return await self.answers(actor)

        return ready

    async def close(self) -> None:
        """Close the connection (idempotent)."""
        await self.nats.close()


def readyz_missing(url: str, timeout_s: float = 5.0) -> dict[str, str]:
    """The parts ``url`` (an edge's ``/readyz``) reports missing, each with why; empty once it
    answers 200. Blocking: run it in a thread."""
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            if response.status == 200:
                return {}
            body = response.read()
    except urllib.error.HTTPError as exc:
        body = exc.read()
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return {"edge": f"not answering /readyz ({type(exc).__name__})"}
    try:
        checks = json.loads(body)["checks"]
    except (ValueError, KeyError, TypeError):
        return {"edge": "an unreadable /readyz answer"}
    if not isinstance(checks, Mapping):
        return {"edge": "/readyz is not 200"}
    return missing_parts({str(part): str(why) for part, why in checks.items()}) or {
        "edge": "/readyz is not 200"
    }
