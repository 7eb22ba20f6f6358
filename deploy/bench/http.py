"""A benchmark user's HTTP requests: a session holding the user's token, one JSON call, and the
error a run stops with when an answer is not the one it needs."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

JSON_HEADERS = {"Content-Type": "application/json"}
"""The headers of a body sent as bytes of JSON."""


class RequestFailedError(RuntimeError):
    """A request the benchmark cannot go on without answered something else than expected."""


def session(base_url: str, token: str, timeout_s: float) -> aiohttp.ClientSession:
    """A keep-alive session of one user: bearer ``token``, no cookies, ``timeout_s`` a request."""
    return aiohttp.ClientSession(
        base_url,
        timeout=aiohttp.ClientTimeout(total=timeout_s),
        cookie_jar=aiohttp.DummyCookieJar(),
        headers={"Authorization": f"Bearer {token}"},
    )


async def call(
    http: aiohttp.ClientSession, method: str, path: str, body: Any = None
) -> tuple[int, Any]:
    """Send ``body`` as JSON; the status and the answer (parsed JSON, the raw text when it is
    not JSON, None when empty)."""
    async with http.request(method, path, json=body) as resp:
        text = await resp.text()
        try:
            return resp.status, json.loads(text) if text else None
        except ValueError:
            return resp.status, text
