"""Opening the NATS connection every process needs (never at import time)."""

from __future__ import annotations

import structlog
from nats.aio.client import Client as NATS

from bus.settings import Settings

log = structlog.get_logger(__name__)


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

    await nc.connect(
        servers=settings.nats_url.split(","),
        name=f"{name}-{settings.node_id}",
        max_reconnect_attempts=-1,
        reconnect_time_wait=1,
        connect_timeout=5,
        disconnected_cb=on_disconnect,
        reconnected_cb=on_reconnect,
        error_cb=on_error,
    )
    return nc
