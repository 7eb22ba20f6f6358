"""A process's Prometheus endpoint: ``GET /metrics`` on a small listener of its own.

Every long-running process (edge, realtime, actor) serves its metrics on ``metrics_port``,
apart from the API port, so the public API (and its OpenAPI document) never shows them and a
scraper never competes with devices. The metrics are the process's default registry: what its
modules define (``http_edge.metrics``, ``actors.metrics``, ``realtime.metrics``, the
transaction retries of ``storage.transactions``) and the library's process collector (RSS, CPU
seconds, open files).
"""

from __future__ import annotations

from collections.abc import Mapping

import structlog
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

from bus.settings import Settings

log = structlog.get_logger(__name__)

METRICS_PATH = "/metrics"
METRICS_PORT_ENV = "LEDGERBUS_METRICS_PORT"
"""The environment variable of ``metrics_port``: what ``ledgerbus up`` sets for each child."""
METRICS_HOST_ENV = "LEDGERBUS_METRICS_HOST"
"""The environment variable of ``metrics_host``."""


def metrics_host_in(env: Mapping[str, str]) -> str:
    """The host a process started with ``env`` binds its metrics listener on."""
    default: str = Settings.model_fields["metrics_host"].default
    return env.get(METRICS_HOST_ENV, default)


def metrics_app(registry: CollectorRegistry = REGISTRY) -> web.Application:
    """An aiohttp app answering ``GET /metrics`` with ``registry`` in the text exposition format."""

    async def metrics(_request: web.Request) -> web.Response:
        body = generate_latest(registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application()
    app.router.add_get(METRICS_PATH, metrics)
    return app


class MetricsServer:
    """The metrics listener of one process, started and stopped by its composition root."""

    def __init__(self, host: str, port: int, registry: CollectorRegistry = REGISTRY) -> None:
        self.host = host
        self.port = port
        self._runner = web.AppRunner(metrics_app(registry), access_log=None, handle_signals=False)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}{METRICS_PATH}"

    async def start(self) -> None:
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await site.start()
        log.info("metrics_started", url=self.url)

    async def stop(self) -> None:
        await self._runner.cleanup()


async def start_metrics(settings: Settings) -> MetricsServer | None:
    """The process's metrics listener, started, when ``metrics_port`` is set; else None.

    A port already taken (a second process started with the first one's environment) costs
    the metrics, not the process: it is logged and the process runs without them."""
    if settings.metrics_port is None:
        return None
    server = MetricsServer(settings.metrics_host, settings.metrics_port)
    try:
        await server.start()
    except OSError as exc:
        log.error("metrics_unavailable", url=server.url, error=str(exc)[:200])
        await server.stop()
        return None
    return server


async def stop_metrics(server: MetricsServer | None) -> None:
    """Stop what :func:`start_metrics` started (nothing if it started nothing)."""
    if server is not None:
        await server.stop()
