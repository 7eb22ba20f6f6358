"""The NATS broker of an actor process: its login and TLS from the settings, and FastStream's
broker except that a connection error heard while reconnecting never ends the reconnecting.

FastStream re-raises some NATS errors from the client's error callback to fail fast on a bad
configuration ("authorization violation", but also "authorization timeout" and "stale
connection"). Raised while nats-py reconnects, the error escapes its reconnect loop, and the
client stays RECONNECTING forever with no attempt: a cluster server killed under load left an
actor so, holding its work, after another server timed out its slow CONNECT. Before the first
connection such an error still fails the start; after it, the error is logged and nats-py tries
the next server.
"""

from __future__ import annotations

import logging

import structlog
from faststream.nats import NatsBroker, NatsSecurity, NatsToken, NatsUserPassword
from nats.aio.client import Callback, ErrorCallback
from nats.errors import Error as NatsError

from bus.nats_conn import nats_login, tls_context
from bus.settings import Settings

log = structlog.get_logger(__name__)


class ActorBroker(NatsBroker):
    """See the module docstring; :meth:`connected` marks the end of the start."""

    _started = False

    def connected(self) -> None:
        """The first connection is made: from now on every error is a reconnect's."""
        self._started = True

    def _log_connection_broken(self, error_cb: ErrorCallback | None = None) -> ErrorCallback:
        strict = super()._log_connection_broken(error_cb)

        async def tolerant(err: Exception) -> None:
            try:
                await strict(err)
            except NatsError:
                if not self._started:
                    raise
                log.warning("nats_reconnect_error", error=str(err)[:200])

        return tolerant


def security_of(settings: Settings) -> NatsSecurity | None:
    """The login of ``nats_url`` (as options, see :func:`bus.nats_conn.nats_login`) and the
    TLS context of ``nats_tls_*``, as FastStream takes them."""
    login, tls = nats_login(settings.nats_url), tls_context(settings)
    if "user" in login:
        return NatsUserPassword(login["user"], login["password"], ssl_context=tls)
    if "token" in login:
        return NatsToken(login["token"], ssl_context=tls)
    return NatsSecurity(ssl_context=tls) if tls is not None else None


def actor_broker(settings: Settings, *, on_sign: Callback) -> ActorBroker:
    """The broker of an actor process, reconnecting for ever; ``on_sign`` hears each sign of
    the client's life (an error, a disconnect, a reconnect: :mod:`bus.reconnect_watch`)."""

    async def on_error(_: Exception) -> None:
        await on_sign()

    return ActorBroker(
        nats_login(settings.nats_url)["servers"],
        security=security_of(settings),
        max_reconnect_attempts=-1,
        connect_timeout=5,
        error_cb=on_error,
        disconnected_cb=on_sign,
        reconnected_cb=on_sign,
        # Rendered like every other line (see bus.logging); per-message lines are DEBUG.
        logger=logging.getLogger("faststream"),
        log_level=logging.DEBUG,  # per-message lines off by default; failures still logged
    )
