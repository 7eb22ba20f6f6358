"""Reading request input strictly: JSON bodies, query strings and version preconditions."""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, TypeAdapter, ValidationError

from bus.limits import MAX_SEQ, EntityId
from http_edge.problems import Problem, invalid

M = TypeVar("M", bound=BaseModel)
_VERSION = re.compile(r"[0-9]{1,16}")
_ENTITY_ID: TypeAdapter[str] = TypeAdapter(EntityId)


def path_id(request: web.Request, name: str = "id") -> str:
    """A path id that must be a UUID; anything else cannot exist (404)."""
    try:
        return _ENTITY_ID.validate_python(request.match_info[name])
    except ValidationError as exc:
        raise Problem(404, "not_found", "no such resource") from exc


async def json_object(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object: 415 if not JSON, 400 if malformed, 413 if too large."""
    if request.content_type != "application/json":
        raise Problem(415, "unsupported_media_type", "send the body as application/json")
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge as exc:
        raise Problem(
            413, "too_large", f"the body is over {request.client_max_size} bytes"
        ) from exc
    try:
        data = json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise Problem(400, "malformed_json", f"the body is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise Problem(
            422,
            "validation",
            "the body must be a JSON object",
            errors=[{"loc": ["body"], "msg": "expected an object", "type": "dict_type"}],
        )
    return data


async def body(request: web.Request, model: type[M], **extra: Any) -> M:
    """Validate the JSON body (plus ``extra`` fields such as a path id) against ``model``."""
    return validate(model, {**await json_object(request), **extra})


def query(request: web.Request, model: type[M]) -> M:
    """Validate the query string against ``model`` (unknown parameters refused)."""
    params: dict[str, Any] = {}
    for key in request.query:
        values = request.query.getall(key)
        params[key] = values if len(values) > 1 else values[0]
    return validate(model, params, "query")


def expected_version(request: web.Request, data: dict[str, Any] | None = None) -> int | None:
    """The version a write expects: `If-Match: "3"` (or `W/"3"`), or `expected_version` in the
    body (a JSON integer) or the query string; 0..MAX_SEQ."""
    header = request.headers.get("If-Match")
    from_body = data.pop("expected_version", None) if data is not None else None
    if header:
        text = header.strip().removeprefix("W/").strip('"')
        if not _VERSION.fullmatch(text) or int(text) > MAX_SEQ:
            raise Problem(
                400,
                "bad_precondition",
                f'If-Match must be an entity version such as "3" (0..{MAX_SEQ})',
            )
        return int(text)
    where = "body"
    if from_body is None and request.query.get("expected_version"):
        from_body, where = request.query["expected_version"], "query"
    if from_body is None:
        return None
    written = from_body if where == "query" else _json_integer(from_body)
    if not isinstance(written, str) or not _VERSION.fullmatch(written) or int(written) > MAX_SEQ:
        raise Problem(
            422,
            "validation",
            f"expected_version must be an integer 0..{MAX_SEQ}",
            errors=[
                {
                    "loc": [where, "expected_version"],
                    "msg": f"must be an integer 0..{MAX_SEQ}",
                    "type": "int_type",
                }
            ],
        )
    return int(written)


def _json_integer(value: object) -> str | None:
    """A JSON integer's digits (``3``, or ``3.0``: JSON Schema's ``integer`` includes it); None
    for anything else (a string, a boolean, a fraction)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else None


def validate(model: type[M], data: dict[str, Any], where: str = "body") -> M:
    """Validate already-parsed data against ``model``, as a 422 problem on failure."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid(exc, where) from exc


async def versioned_body(
    request: web.Request, model: type[M], **extra: Any
) -> tuple[M, int | None]:
    """A JSON body validated against ``model`` and the version the write expects."""
    data = await json_object(request)
    version = expected_version(request, data)
    return validate(model, {**data, **extra}), version
