"""Composition roots of the long-running processes: the web process and an actor process."""

from __future__ import annotations

import asyncio
import functools
import signal
from collections.abc import AsyncIterator, Coroutine
from typing import Any

import structlog
from aiohttp import web

from bus import tracing
from bus.metrics_server import start_metrics, stop_metrics
from bus.ratelimit import RateLimiter
from bus.settings import Settings
from deploy.resources import Resources
from http_edge.app import create_edge
from realtime.server import attach_realtime
from storage.database import Database, connect

log = structlog.get_logger(__name__)


def asyncapi_of(settings: Settings) -> dict[str, Any]:
    """The bus's AsyncAPI document (imports every actor: only when someone asks for it)."""
    from deploy.asyncapi import asyncapi_document

    return asyncapi_document(settings)


def build_web_app(
    settings: Settings,
    *,
    edge: bool = True,
    realtime: bool = True,
    database: Database | None = None,
) -> web.Application:
    """The web process: HTTP edge and/or Socket.IO on one aiohttp app sharing one set of connections."""
    resources = Resources(settings, "edge" if edge else "realtime", database)
    # One write allowance per person on this node, whether they write over HTTP or a socket.
    limiter = RateLimiter(settings.writes_per_user_s, settings.writes_burst)
    app = create_edge(
        settings,
        resources,
        routes=edge,
        asyncapi=functools.partial(asyncapi_of, settings) if edge else None,
        limiter=limiter,
    )

    async def connections(_app: web.Application) -> AsyncIterator[None]:
        await resources.start()
        yield
        await resources.stop()

    app.cleanup_ctx.insert(0, connections)
    if realtime:
        attach_realtime(app, settings, resources, limiter)
    return app


def _stop_requested() -> asyncio.Event:
    """An event set by the first SIGINT/SIGTERM, listening from now on: a signal that arrives
    while the process is still starting stops it cleanly instead of killing it mid-start."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


async def _start_unless_stopped(start: Coroutine[Any, Any, None], stop: asyncio.Event) -> bool:
    """Run ``start`` unless a stop is asked first (then cancel it); whether it finished."""
    starting = asyncio.ensure_future(start)
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if not starting.done():
        starting.cancel()
        await asyncio.gather(starting, return_exceptions=True)
        return False
    starting.result()  # a failed start raises here
    return True


async def run_web(settings: Settings, *, edge: bool, realtime: bool) -> None:
    """Serve until SIGINT/SIGTERM, then stop accepting, finish requests in hand and close."""
    stop = _stop_requested()
    tracing.configure(settings, "ledgerbus-edge" if edge else "ledgerbus-realtime")
    app = build_web_app(settings, edge=edge, realtime=realtime)
    runner = web.AppRunner(
        app, handle_signals=False, access_log=None, shutdown_timeout=settings.drain_timeout_s
    )

    async def start() -> None:
        await runner.setup()
        site = web.TCPSite(runner, settings.http_host, settings.http_port, reuse_address=True)
        await site.start()
        log.info(
            "web_started",
            url=f"http://{settings.http_host}:{settings.http_port}",
            edge=edge,
            realtime=realtime,
        )

    metrics = await start_metrics(settings)
    try:
        if await _start_unless_stopped(start(), stop):
            await stop.wait()
    finally:
        log.info("web_draining")
        await runner.cleanup()
        await stop_metrics(metrics)
        tracing.shutdown()
        log.info("web_stopped")


async def run_actor(settings: Settings, name: str) -> None:
    """Run one actor until SIGINT/SIGTERM, then drain it (finish and ack what is in hand)."""
    from actors.app import ActorProcess
    from actors.registry import ACTORS

    stop = _stop_requested()
    tracing.configure(settings, f"ledgerbus-{name}")
    metrics = await start_metrics(settings)
    database = await connect(settings)
    process = ActorProcess(ACTORS[name], settings, database)
    try:
        if await _start_unless_stopped(process.start(), stop):
            await stop.wait()
    finally:
        await process.stop()
        await database.close()
        await stop_metrics(metrics)
        tracing.shutdown()
