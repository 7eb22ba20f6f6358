"""Opening the NATS connection every process needs (never at import time)."""

from __future__ import annotations

import ssl
from typing import Any
from urllib.parse import unquote, urlsplit

import structlog
from nats.aio.client import Client as NATS

from bus.reconnect_watch import ReconnectWatch, watch_in_background
from bus.settings import Settings

log = structlog.get_logger(__name__)


def nats_servers(url: str) -> list[str]:
    """The servers of a NATS URL: one, or a cluster's comma separated (``nats://u:p@h1:4222,
    nats://u:p@h2:4222``), each kept whole with its own login; blanks around commas are dropped."""
    servers = [server.strip() for server in url.split(",") if server.strip()]
    if not servers:
        raise ValueError(f"no NATS server in {url!r}")
    return servers


def nats_login(url: str) -> dict[str, Any]:
    """``servers`` (without logins) and the ``user``/``password`` (or ``token``) of a NATS URL,
    as ``Client.connect`` takes them.

    The login must not stay in the server URLs: a cluster tells its clients of its other servers
    (``connect_urls``), and nats-py connects to those as URLs of their own, without a login, so
    a reconnect to one is refused ("Authorization Violation"). A login given as options is used
    on every server. Every server of the URL must carry the same login, or none.
    """
    parsed = [urlsplit(server) for server in nats_servers(url)]
    logins = {(p.username, p.password) for p in parsed if p.username is not None}
    if len(logins) > 1:
        raise ValueError("the servers of a NATS URL must share one login")
    servers = [p._replace(netloc=p.netloc.rpartition("@")[2]).geturl() for p in parsed]
    if not logins:
        return {"servers": servers}
    user, password = logins.pop()
    if password is None:  # nats://token@host
        return {"servers": servers, "token": unquote(user or "")}
    return {"servers": servers, "user": unquote(user or ""), "password": unquote(password)}


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
    """Connect with unlimited reconnects, so an outage turns into 503s, not a dead process; a
    reconnect that stalls ends the process (:mod:`bus.reconnect_watch`)."""
    nc = NATS()
    watch = ReconnectWatch(settings.nats_reconnect_stall_s)

    async def on_disconnect() -> None:
        watch.sign()
        if nc.is_closed:  # our own close (shutdown, a finished command): nothing went wrong
            log.debug("nats_closed", name=name)
            return
        log.warning("nats_disconnected", name=name)

    async def on_reconnect() -> None:
        watch.sign()
        log.info("nats_reconnected", name=name)

    async def on_error(exc: Exception) -> None:
        watch.sign()
        log.warning("nats_error", name=name, error=str(exc)[:200])

    # A user and password in the URL (nats://user:password@host:4222) log in as that user.
    tls = tls_context(settings)  # None: plain, or the default context for a tls:// URL
    await nc.connect(
        **nats_login(settings.nats_url),
        tls=tls,
        name=f"{name}-{settings.node_id}",
        max_reconnect_attempts=-1,
        reconnect_time_wait=1,
        connect_timeout=5,
        disconnected_cb=on_disconnect,
        reconnected_cb=on_reconnect,
        error_cb=on_error,
    )
    watch_in_background(watch, nc)
    return nc
