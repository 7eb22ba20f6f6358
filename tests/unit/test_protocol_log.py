"""aiohttp's record of a request it could not parse is a client error at info, not an error."""

from __future__ import annotations

import logging
import sys

from aiohttp.http_exceptions import BadHttpMessage

from http_edge.protocol_log import PROTOCOL_LOGGER, MalformedRequestsAreClientErrors


def record_of(exc: BaseException) -> logging.LogRecord:
    try:
        raise exc
    except BaseException:
        info = sys.exc_info()
    return logging.LogRecord(
        PROTOCOL_LOGGER, logging.ERROR, __file__, 1, "Error handling request from %s", ("x",), info
    )


def test_a_request_aiohttp_cannot_parse_is_logged_at_info_without_a_traceback() -> None:
    record = record_of(BadHttpMessage("Invalid header value char:\n\n    b'X: \\x00'"))
    assert MalformedRequestsAreClientErrors().filter(record) is True
    assert (record.levelno, record.exc_info) == (logging.INFO, None)
    assert record.getMessage() == "malformed_request status=400 reason=Invalid header value char:"


def test_any_other_failure_stays_an_error_with_its_traceback() -> None:
    record = record_of(RuntimeError("a handler broke"))
    assert MalformedRequestsAreClientErrors().filter(record) is True
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None
