"""Opening the NATS connection every process needs (never at import time)."""

from __future__ import annotations

import ssl

import structlog
from nats.aio.client import Client as NATS

from bus.settings import Settings

log = structlog.get_logger(__name__)


def tls_context(settings: Settings) -> ssl.SSLContext | None:
    """The TLS context of ``nats_tls_*`` (None when none is set: the URL's scheme decides)."""
    ca, cert, key = (
        settings.nats_tls_ca_file,
        settings.nats_tls_cert_file,
        settings.nats_tls_key_file,
    )
    if ca is None and cert is None:
        return None
    context = ssl.create_default_context(cafile=str(ca) if ca is not None else None)
    if cert is not None:
        context.load_cert_chain(str(cert), str(key) if key is not None else None)
    return context


async def connect_nats(settings: Settings, name: str) -> NATS:
    """Connect with unlimited reconnects, so an outage turns into 503s, not a dead process."""
    nc = NATS()

    async def on_disconnect() -> None:
        if nc.is_closed:  # our own close (shutdown, a finished command): nothing went wrong
            log.debug("nats_closed", name=name)
            return
        log.warning("nats_disconnected", name=name)

    async def on_reconnect() -> None:
        log.info("nats_reconnected", name=name)

    async def on_error(exc: Exception) -> None:
        log.warning("nats_error", name=name, error=str(exc)[:200])

    # A user and password in the URL (nats://user:password@host:4222) log in as that user.
    tls = tls_context(settings)  # None: plain, or the default context for a tls:// URL
    await nc.connect(
        servers=settings.nats_url.split(","),
        tls=tls,
        name=f"{name}-{settings.node_id}",
        max_reconnect_attempts=-1,
        reconnect_time_wait=1,
        connect_timeout=5,
        disconnected_cb=on_disconnect,
        reconnected_cb=on_reconnect,
        error_cb=on_error,
    )
    return nc
