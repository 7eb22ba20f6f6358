"""Errors as RFC 9457 problem documents (`application/problem+json`) with a stable `code`."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from pydantic import ValidationError

PROBLEM_TYPE = "application/problem+json"
TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


class Problem(Exception):
    """Raise anywhere in a handler to answer with a problem document."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}
        self.extra = extra

    def response(self, instance: str | None = None) -> web.Response:
        body: dict[str, Any] = {
            "type": f"https://ledgerbus.dev/problems/{self.code}",
            "title": TITLES.get(self.status, "Error"),
            "status": self.status,
            "code": self.code,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = self.errors
        body.update(self.extra)
        return web.Response(
            status=self.status,
            text=json.dumps(body, default=str),
            content_type=PROBLEM_TYPE,
            headers=self.headers,
        )


def field_errors(exc: ValidationError, prefix: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Pydantic errors as `[{loc, msg, type}]` without echoing the input back."""
    return [
        {
            "loc": [*prefix, *err["loc"]],
            "msg": err["msg"].removeprefix("Value error, "),
            "type": err["type"],
        }
        for err in exc.errors(include_url=False, include_input=False)
    ]


def invalid(exc: ValidationError, where: str = "body") -> Problem:
    return Problem(
        422, "validation", f"the request {where} is invalid", errors=field_errors(exc, (where,))
    )
