"""Security headers on every answer of the web process, Socket.IO's included.

Set in ``on_response_prepare`` (not a middleware) so they reach every response the app prepares:
problem+json errors, the Socket.IO handshake and polling answers, and the websocket upgrade.
"""

from __future__ import annotations

import base64
import hashlib
import re

from aiohttp import web

SERVER_NAME = "ledgerbus"
"""The ``Server`` header: no framework or Python version for a scanner to match against."""

DOCS_PATH = "/v1/docs"

API_POLICY = "default-src 'none'; frame-ancestors 'none'"
"""JSON answers load nothing and are never framed."""

NONE = "'none'"
_STYLE = re.compile(rb"<style>(.*?)</style>", re.DOTALL)

JSON_TYPES = frozenset({"application/json", "application/problem+json"})

PUBLIC_PATHS = frozenset(
    {DOCS_PATH, "/v1/openapi.json", "/v1/asyncapi.json", "/healthz", "/readyz"}
)
"""Answers that carry nobody's data or tokens: the only ones a cache may keep."""


def docs_policy(body: bytes) -> str:
    """The docs page's CSP: its own inline ``<style>`` blocks (by hash) and nothing else —
    no script, image, font, frame, form target or base URL, and no framing by other sites."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(style).digest()).decode()}'"
        for style in _STYLE.findall(body)
    )
    return (
        f"default-src 'none'; style-src {hashes or NONE}; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    )


def cache_policy(path: str) -> str | None:
    """``no-store`` for everything but the public documents and probes.

    Every other answer is either someone's data (every authenticated route), a token (sign-in,
    refresh, an invite link's token) or a command outcome; a shared cache between the client and
    the edge (a company proxy, a CDN) must never keep or serve them to someone else, and a
    browser must not keep them on disk after sign-out. A handler's own ``Cache-Control`` wins
    (the receipt image is ``private``: only the owner's client may keep it)."""
    return None if path in PUBLIC_PATHS else "no-store"


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Add the headers to ``response`` just before they are sent."""
    headers = response.headers
    headers["Server"] = SERVER_NAME
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    if request.path == DOCS_PATH and response.status == 200:
        body = response.body if isinstance(response, web.Response) else None
        raw = body if isinstance(body, bytes) else b""
        headers["Content-Security-Policy"] = docs_policy(raw)
        headers["X-Frame-Options"] = "DENY"
    elif response.content_type in JSON_TYPES:
        headers.setdefault("Content-Security-Policy", API_POLICY)
        headers.setdefault("X-Frame-Options", "DENY")
    cache = cache_policy(request.path)
    if cache is not None:
        headers.setdefault("Cache-Control", cache)


def install_security_headers(app: web.Application) -> None:
    """Hook :func:`security_headers` into ``app`` (before it starts)."""
    app.on_response_prepare.append(security_headers)
