"""The edge's request spans: one server span per HTTP request, named by its route template.

The span is current while the request is handled, so a command it publishes (``bus.client``)
is a child of it and the trace goes on through the bus. A request that carries a
``traceparent`` (a device tracing its own calls) continues that trace. With traces off the
middleware only calls the handler.
"""

from __future__ import annotations

from aiohttp import web
from opentelemetry.trace import SpanKind, StatusCode

from bus import tracing
from http_edge.api import Handler
from http_edge.metrics import SOCKETS_ROUTE, route_template


@web.middleware
async def request_tracing(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A server span around the request (after the metrics middleware, before CORS)."""
    route = route_template(request) if tracing.enabled() else SOCKETS_ROUTE
    if route == SOCKETS_ROUTE:  # off, or a socket's lifetime (its events are traced instead)
        return await handler(request)
    with tracing.tracer().start_as_current_span(
        f"{request.method} {route}",
        tracing.extract(request.headers),
        SpanKind.SERVER,
        {"http.request.method": request.method, "http.route": route, "url.path": request.path},
        record_exception=False,  # answered (problems middleware) or aiohttp's own HTTPException
        set_status_on_exception=False,
    ) as span:
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            span.set_attribute("http.response.status_code", status)
            if status >= 500:
                span.set_status(StatusCode.ERROR)
