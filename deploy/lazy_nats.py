"""The NATS connection of the operators' tools (``up``'s probes, ``scale``'s census,
``status``, the one-off commands): quiet, reconnecting, and for the long-lived ones made on
first use.

Quiet: an outage is the children's to report (or the tool's own answer: a look that could not
read NATS), so nothing here logs. Reconnecting: a connection that was made keeps reconnecting
for as long as it lives. Its first connect, though, tries each server of the URL a bounded
number of times and then raises, so a tool facing an unreachable NATS says so instead of
waiting forever; a :class:`LazyNats` tries again on its next use.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Awaitable, Callable
from typing import Any

from nats.aio.client import Client as NATS
from nats.errors import NoServersError

from bus.nats_conn import nats_login

CONNECT_TIMEOUT_S = 2
"""How long one attempt to reach one server may take."""
RECONNECT_WAIT_S = 1
"""The pause before trying a server again."""
FIRST_ATTEMPTS = 1
"""Retries of each server on the first connect (nats-py's count: each is tried one more time)."""
FOREVER = -1


async def _quiet(*_: object) -> None:
    """Outages are the children's to report."""


def connect_options(
    url: str,
    name: str,
    tls: ssl.SSLContext | None,
    on_error: Callable[[Exception], Awaitable[None]] = _quiet,
) -> dict[str, Any]:
    """The options of ``Client.connect`` for ``url`` (servers comma separated, each with its own
    login if any) under the client name ``name``, over ``tls`` when given (None: plain, or the
    default context for a ``tls://`` URL); ``on_error`` hears each failed attempt, silently."""
    return {
        **nats_login(url),
        "name": name,
        "tls": tls,
        "connect_timeout": CONNECT_TIMEOUT_S,
        "reconnect_time_wait": RECONNECT_WAIT_S,
        "max_reconnect_attempts": FIRST_ATTEMPTS,
        "error_cb": on_error,
        "disconnected_cb": _quiet,
        "reconnected_cb": _quiet,
        "closed_cb": _quiet,
    }


async def connect_quiet(
    url: str, name: str, tls: ssl.SSLContext | None = None, *, client: Callable[[], Any] = NATS
) -> NATS:
    """A connection to one of ``url``'s servers that then reconnects for as long as it lives.

    Raise a NATS error, OSError or TimeoutError when no server answers the first connect: the
    last attempt's (a refused connection, a failed login), not nats-py's "no servers".
    """
    failures: list[Exception] = []

    async def failed(exc: Exception) -> None:
        failures.append(exc)

    nc = client()
    try:
        await nc.connect(**connect_options(url, name, tls, failed))
    except NoServersError as exc:
        if failures:
            raise failures[-1] from exc
        raise
    # nats-py reads this on every reconnect; the first connect was bounded by FIRST_ATTEMPTS.
    nc.options["max_reconnect_attempts"] = FOREVER
    connected: NATS = nc
    return connected


class LazyNats:
    """One quiet connection, made on first use (the server is up by then, or that use fails)
    and made again on the use after it was closed; :meth:`close` closes it (idempotent)."""

    def __init__(
        self,
        url: str,
        name: str,
        tls: ssl.SSLContext | None = None,
        *,
        client: Callable[[], Any] = NATS,
    ) -> None:
        """``client`` makes the unconnected client (a fake in tests)."""
        self.url = url
        self._name = name
        self.tls = tls
        self._client = client
        self._nc: NATS | None = None
        self._lock = asyncio.Lock()

    async def connection(self) -> NATS:
        """The open connection, made now if there is none."""
        async with self._lock:
            if self._nc is None or self._nc.is_closed:
                self._nc = None
                self._nc = await connect_quiet(self.url, self._name, self.tls, client=self._client)
            return self._nc

    async def close(self) -> None:
        """Close the connection, if one is open (a later use connects again)."""
        async with self._lock:
            nc, self._nc = self._nc, None
        if nc is not None and not nc.is_closed:
            with contextlib.suppress(Exception):
                await nc.close()
