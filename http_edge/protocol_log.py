"""aiohttp's own log of requests it cannot even parse, told as what they are: client errors.

A request line over 8190 bytes, a NUL in a header or a broken chunk is answered 400 by aiohttp
before any route runs, and logged by ``aiohttp.server`` at error with a traceback. That is a
client's fault, not the service's: an operator watching errors should not see it, so it is
logged at info as ``malformed_request``, without the traceback.
"""

from __future__ import annotations

import logging

from aiohttp.http_exceptions import HttpProcessingError

PROTOCOL_LOGGER = "aiohttp.server"


class MalformedRequestsAreClientErrors(logging.Filter):
    """Rewrites a record of an :class:`HttpProcessingError` to info, reason kept, no traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, HttpProcessingError):
            reason = (exc.message or "").strip().splitlines()
            record.levelno, record.levelname = logging.INFO, "INFO"
            record.msg = "malformed_request status=%s reason=%s"
            record.args = (exc.code, reason[0] if reason else "")
            record.exc_info, record.exc_text = None, None
        return True


_FILTER = MalformedRequestsAreClientErrors()


def quiet_malformed_requests() -> None:
    """Install the filter on aiohttp's server logger (once, however often it is called)."""
    logging.getLogger(PROTOCOL_LOGGER).addFilter(_FILTER)
