"""Cross-origin access from an allow-list (``LEDGERBUS_CORS_ORIGINS``), for REST and Socket.IO.

Empty by default: no page on another origin may call the API. Clients authenticate with bearer
tokens, never cookies, so credentials are never allowed cross-origin. REST preflights are
answered by a middleware (the router has no OPTIONS routes); the ``Access-Control-*`` headers of
the actual answer are set when the response is prepared, so every answer gets them (errors too).
Socket.IO is left to engine.io, given :func:`realtime.origins.socket_origin_check`; the
allow-list itself is parsed by :func:`bus.origins.allowed_origins`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

SOCKETIO_PREFIX = "/socket.io"

ALLOWED_HEADERS = "Authorization, Content-Type, Idempotency-Key, If-Match, Prefer, X-Device-Id"
"""Request headers the API reads."""

EXPOSED_HEADERS = "ETag, Location, Retry-After, WWW-Authenticate, X-Command-Id"
"""Response headers a client's script needs (beyond the CORS-safelisted ones)."""

PREFLIGHT_MAX_AGE_S = 600


def preflight_methods(request: web.Request) -> list[str] | None:
    """The methods the requested path answers (``None``: no such path). No route answers
    OPTIONS, so for a path that exists the router has found "method not allowed"."""
    exc = request.match_info.http_exception
    if isinstance(exc, web.HTTPMethodNotAllowed):
        return sorted(exc.allowed_methods)
    return None


def cors_middleware(origins: frozenset[str]) -> Callable[..., Any]:
    """Answer a preflight from an allowed origin for an existing route: 204 with the methods,
    headers and how long to remember them. Any other preflight goes on to the router (405,
    without CORS headers: the browser refuses the cross-origin call)."""

    @web.middleware
    async def cors_preflight(request: web.Request, handler: Handler) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        wanted = request.headers.get("Access-Control-Request-Method", "")
        if (
            request.method != "OPTIONS"
            or not wanted
            or origin is None
            or origin.lower() not in origins
            or request.path.startswith(SOCKETIO_PREFIX)
        ):
            return await handler(request)
        methods = preflight_methods(request)
        if methods is None or wanted.upper() not in methods:
            return await handler(request)
        return web.Response(
            status=204,
            headers={
                "Access-Control-Allow-Methods": ", ".join(methods),
                "Access-Control-Allow-Headers": ALLOWED_HEADERS,
                "Access-Control-Max-Age": str(PREFLIGHT_MAX_AGE_S),
            },
        )

    return cors_preflight


def cors_headers(origins: frozenset[str]) -> Callable[[web.Request, web.StreamResponse], Any]:
    """The response side: ``Access-Control-Allow-Origin`` echoing an allowed origin only, the
    exposed headers, and ``Vary: Origin`` on every REST answer (it depends on the origin, so a
    cache must not hand one origin's answer to another)."""

    async def add(request: web.Request, response: web.StreamResponse) -> None:
        if request.path.startswith(SOCKETIO_PREFIX):
            return  # engine.io answers its own CORS
        vary = response.headers.get("Vary")
        if vary is None:
            response.headers["Vary"] = "Origin"
        elif "origin" not in vary.lower():
            response.headers["Vary"] = f"{vary}, Origin"
        origin = request.headers.get("Origin")
        if origin is None or origin.lower() not in origins:
            return
        response.headers["Access-Control-Allow-Origin"] = origin
        if request.method != "OPTIONS":
            response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS

    return add


def install_cors(app: web.Application, origins: frozenset[str]) -> None:
    """Add the response side of CORS to ``app`` (the preflight middleware goes in its list)."""
    app.on_response_prepare.append(cors_headers(origins))
