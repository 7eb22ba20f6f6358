"""The edge's aiohttp application factory: middleware, routes, and one error handler."""

from __future__ import annotations

import functools
import re

import structlog
from aiohttp import web
from nats.errors import Error as NatsError
from pymongo.errors import ConnectionFailure

from bus.gateway import CommandGateway
from bus.origins import allowed_origins
from bus.ratelimit import RateLimiter
from bus.settings import Settings
from http_edge.api import PRINCIPAL, Api, Handler, Operation
from http_edge.context import RESOURCES, SESSION_GATE, SETTINGS, EdgeResources
from http_edge.cors import cors_middleware, install_cors
from http_edge.dispatch import COMMAND_GATEWAY
from http_edge.headers import install_security_headers
from http_edge.metrics import request_metrics
from http_edge.openapi_parts import route_path
from http_edge.problems import Problem
from http_edge.protocol_log import quiet_malformed_requests
from http_edge.routes import (
    account_flows,
    auth,
    budgets,
    catalog,
    credentials,
    currency,
    expenses,
    fraud,
    goals,
    group_ledger,
    groups,
    notification_preferences,
    notifications,
    push_devices,
    receipts,
    recurring,
    sessions,
    sync,
    system,
)
from http_edge.routes.system import ASYNCAPI, OPERATIONS, AsyncApiSource
from http_edge.security import SessionGate, authenticate, trusted_networks
from http_edge.tracing import request_tracing
from storage.outcomes import stored_outcomes
from storage.queries import BadCursor, TooMany

log = structlog.get_logger(__name__)

ROUTE_TABLES: tuple[Api, ...] = (
    auth.ROUTES,
    account_flows.ROUTES,
    credentials.ROUTES,
    sessions.ROUTES,
    budgets.ROUTES,
    goals.ROUTES,
    recurring.ROUTES,
    catalog.ROUTES,
    currency.ROUTES,
    expenses.ROUTES,
    fraud.ROUTES,
    notification_preferences.ROUTES,  # before the inbox's /v1/notifications/{id}
    notifications.ROUTES,
    push_devices.ROUTES,
    groups.ROUTES,
    group_ledger.ROUTES,
    receipts.ROUTES,
    sync.ROUTES,
    system.ROUTES,
)
"""The route modules the edge serves, in the order they are routed and documented."""
API = Api([op for table in ROUTE_TABLES for op in table.operations])
"""Every operation of the edge: its route table and its OpenAPI document."""


@web.middleware
async def problems(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every failure becomes an application/problem+json answer; infrastructure outages are 503."""
    structlog.contextvars.clear_contextvars()
    try:
        return await handler(request)
    except Problem as problem:
        return problem.response(request.path)
    except TooMany as exc:  # a summary over more expenses than it reads at once
        return Problem(422, "too_many", str(exc)).response(request.path)
    except BadCursor as exc:  # every paged list: a cursor this server did not make
        return Problem(
            422,
            "validation",
            "invalid cursor",
            errors=[{"loc": ["query", "cursor"], "msg": str(exc), "type": "cursor"}],
        ).response(request.path)
    except web.HTTPRequestEntityTooLarge:
        return Problem(
            413, "too_large", f"the body is over {request.app[SETTINGS].max_body_bytes} bytes"
        ).response(request.path)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status, "http_error")
        return Problem(
            exc.status,
            code,
            exc.reason,
            headers={k: v for k, v in exc.headers.items() if k.lower() in ("allow", "retry-after")},
        ).response(request.path)
    except (ConnectionFailure, NatsError, TimeoutError) as exc:
        log.warning("dependency_unavailable", path=loggable(request.path), error=type(exc).__name__)
        return Problem(
            503,
            "unavailable",
            "a backing service is unreachable; retry shortly",
            headers={"Retry-After": "2"},
        ).response(request.path)
    except Exception:
        log.exception("request_failed", path=loggable(request.path))
        return Problem(500, "internal", "unexpected error").response(request.path)


_SECRET_IN_PATH = re.compile(r"^(/v1/invites/)[^/]+")


def loggable(path: str) -> str:
    """A request path fit for logs: an invite token in it is a secret."""
    return _SECRET_IN_PATH.sub(r"\1<token>", path)


def _protected(op: Operation, settings: Settings) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        principal = authenticate(request, settings)
        await request.app[SESSION_GATE].check(principal)
        request[PRINCIPAL] = principal
        structlog.contextvars.bind_contextvars(user_id=request[PRINCIPAL].user_id)
        return await op.handler(request)

    handler.__name__ = op.handler.__name__
    return handler


def create_edge(
    settings: Settings,
    resources: EdgeResources,
    *,
    routes: bool = True,
    asyncapi: AsyncApiSource | None = None,
    limiter: RateLimiter | None = None,
) -> web.Application:
    """The aiohttp app; with ``routes=False`` only health and readiness (a realtime-only node)."""
    origins = allowed_origins(settings.cors_origins)
    trusted_networks(settings.trusted_proxies)  # a bad entry stops the process here, at start
    quiet_malformed_requests()
    app = web.Application(
        middlewares=[request_metrics, request_tracing, cors_middleware(origins), problems],
        client_max_size=settings.max_body_bytes,
    )
    install_security_headers(app)
    install_cors(app, origins)
    app[SETTINGS] = settings
    app[RESOURCES] = resources
    app[SESSION_GATE] = SessionGate()
    app[COMMAND_GATEWAY] = CommandGateway(
        resources,
        limiter or RateLimiter(settings.writes_per_user_s, settings.writes_burst),
        stored_outcomes,
        settings.outcome_wait_s,
    )
    app[OPERATIONS] = tuple(API.operations)
    if asyncapi is not None:  # built on first request, once: it imports every actor
        cached: AsyncApiSource = functools.cache(asyncapi)
        app[ASYNCAPI] = cached
    for op in API.operations:
        if not routes and op.path not in ("/healthz", "/readyz"):
            continue
        handler = _protected(op, settings) if op.auth else op.handler
        app.router.add_route(op.method, route_path(op.path), handler, name=op.handler.__name__)
    return app
