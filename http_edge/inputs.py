"""Reading request input strictly: JSON bodies, query strings and version preconditions."""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, TypeAdapter, ValidationError

from bus.limits import EntityId
from http_edge.problems import Problem, invalid

M = TypeVar("M", bound=BaseModel)
_VERSION = re.compile(r"[0-9]{1,18}")
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
    """The version a write expects: `If-Match: "3"` (or `W/"3"`), or `expected_version` in the body."""
    header = request.headers.get("If-Match")
    from_body = data.pop("expected_version", None) if data is not None else None
    if header:
        text = header.strip().removeprefix("W/").strip('"')
        if not _VERSION.fullmatch(text):
            raise Problem(400, "bad_precondition", 'If-Match must be an entity version such as "3"')
        return int(text)
    if from_body is None and request.query.get("expected_version"):
        from_body = request.query["expected_version"]
    if from_body is None:
        return None
    if isinstance(from_body, bool) or not _VERSION.fullmatch(str(from_body)):
        raise Problem(
            422,
            "validation",
            "expected_version must be a non-negative integer",
            errors=[
                {
                    "loc": ["body", "expected_version"],
                    "msg": "must be an integer",
                    "type": "int_type",
                }
            ],
        )
    return int(from_body)


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
