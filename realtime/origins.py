"""Which browser origins may open a socket: engine.io's origin check, from the allow-list
(:func:`bus.origins.allowed_origins`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


def socket_origin_check(origins: frozenset[str]) -> Callable[[str | None, Mapping[str, Any]], bool]:
    """engine.io's ``cors_allowed_origins`` callable: an allowed origin, or the server's own.

    engine.io refuses (400) a handshake whose ``Origin`` this rejects, and echoes an accepted
    one. A client without ``Origin`` (not a browser) is not subject to it. Not ``[]``: to
    engine.io that turns the check off and lets every origin in; not ``None``: that trusts
    ``X-Forwarded-Host`` from anyone.
    """

    def allowed(origin: str | None, environ: Mapping[str, Any]) -> bool:
        if origin is None:
            return True
        own = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        return origin.lower() in origins or origin.lower() == own.lower()

    return allowed
