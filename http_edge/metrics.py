"""The edge's request metrics: how many, how they ended and how long they took, per route.

Requests are labelled by their route *template* (``/v1/expenses/{id}``), never by the path
asked for, so an id, a token or a probe of random paths can never grow the label set; a path
that matches no route is ``unmatched``. The status is the final one a client saw, problem+json
answers included: the middleware is outermost. A 202 (outcome still pending), a 429 and a 503
are counted by their status like any other.
"""

from __future__ import annotations

import time

from aiohttp import web
from prometheus_client import Counter, Histogram

from http_edge.api import Handler

UNMATCHED = "unmatched"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUESTS = Counter(
    "ledgerbus_http_requests_total",
    "HTTP requests answered by the edge, by method, route template and status code.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "ledgerbus_http_request_duration_seconds",
    "Time from a request's arrival to its answer, by method and route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)


def route_template(request: web.Request) -> str:
    """The template of the route ``request`` matched (``/v1/expenses/{id}``), or ``unmatched``."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else UNMATCHED


SOCKETS_ROUTE = "/socket.io/"
"""Socket.IO's route: its requests last as long as the socket, so they are counted, never
timed (nor traced): a latency of hours would say nothing about the API."""


def method_label(method: str) -> str:
    """The request's method, or ``other`` for anything outside HTTP's usual few."""
    return method if method in METHODS else "other"


@web.middleware
async def request_metrics(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count every request by its final status and time it (the first middleware of the edge)."""
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:  # a redirect, or anything answered by raising
        status = exc.status
        raise
    finally:
        method, route = method_label(request.method), route_template(request)
        REQUESTS.labels(method, route, str(status)).inc()
        if route != SOCKETS_ROUTE:
            LATENCY.labels(method, route).observe(time.perf_counter() - started)
