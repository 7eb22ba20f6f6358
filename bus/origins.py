"""The cross-origin allow-list (``LEDGERBUS_CORS_ORIGINS``), parsed once for the HTTP edge's
CORS and the Socket.IO server's origin check alike."""

from __future__ import annotations

import functools
from urllib.parse import urlsplit


@functools.lru_cache(maxsize=8)
def allowed_origins(spec: str) -> frozenset[str]:
    """``LEDGERBUS_CORS_ORIGINS`` parsed: exact origins ``scheme://host[:port]``, comma separated.

    A wildcard or anything that is not an origin is refused (ValueError), so a typo stops the
    process at start instead of silently allowing nobody or everybody.
    """
    origins = set()
    for entry in filter(None, (part.strip() for part in spec.split(","))):
        parts = urlsplit(entry)
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or parts.path not in ("", "/")
            or parts.query
            or parts.fragment
            or "@" in parts.netloc
        ):
            raise ValueError(
                f"LEDGERBUS_CORS_ORIGINS: not an origin (scheme://host[:port]): {entry!r}"
            )
        origins.add(f"{parts.scheme}://{parts.netloc}".lower())
    return frozenset(origins)
