"""What the OpenAPI document says about the parts of a request the edge reads itself (path ids,
headers, cursors, multipart uploads) and the answers every route may give: each limit here is
one that code enforces, so a client generated from the document is refused nothing it was told
it could send."""

from __future__ import annotations

from typing import Any

UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
"""A path id: an entity id is a UUID (``http_edge.inputs.path_id``); anything else is 404."""
_UUID_ROUTE = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
INVITE_TOKEN_PATTERN = "^[A-Za-z0-9_-]{16,100}$"
"""An invite link's token (``http_edge.routes.groups``): anything else names no invite (404)."""
SESSION_ID_PATTERN = "^[0-9a-f]{32}$"
"""A sign-in session's id (``http_edge.security.open_session``: 16 random bytes, hex)."""
PATH_PATTERNS = {
    "token": (INVITE_TOKEN_PATTERN, "an invite token"),
    "session_id": (SESSION_ID_PATTERN, "a session id"),
}
"""Path parameters that are not entity ids (their pattern, and what they name); every other one
is a UUID."""
_PATTERN_ROUTES = {"session_id": "[0-9a-f]{32}"}
"""Those the router itself matches, so that a sibling path (`/v1/me/sessions/end-others`) is
never also one of them; the others match any segment and their handler answers 404."""

MAX_IDEMPOTENCY_KEY = 200  # http_edge.dispatch.MAX_KEY_LENGTH
VERSION_HEADER_PATTERN = '^$|^(W/)?"*([0-9]{1,15}|[0-8][0-9]{15})"*$'
"""If-Match as ``http_edge.inputs.expected_version`` reads it: an entity version (0..MAX_SEQ,
stated a little short of it), quoted as an ETag (``"3"``, ``W/"3"``); empty is no precondition."""
CURSOR_PATTERN = "^[A-Za-z0-9_-]*$"
"""A page cursor as the server makes it (``storage.queries.encode_cursor``): base64url."""

HEADERS: dict[str, dict[str, Any]] = {
    "Idempotency-Key": {
        "description": "Makes a retried write safe: the same key and body give the first answer "
        "again; the same key with another body is 422 `idempotency_mismatch`. "
        f"1..{MAX_IDEMPOTENCY_KEY} characters, else 400 `bad_idempotency_key`.",
        "schema": {"type": "string", "minLength": 1, "maxLength": MAX_IDEMPOTENCY_KEY},
    },
    "If-Match": {
        "description": 'The entity version this change expects, as its ETag (`"3"` or `W/"3"`): '
        "409 `conflict` with the current entity if it moved on; anything but a version is 400 "
        "`bad_precondition`. Or send `expected_version`.",
        "schema": {"type": "string", "pattern": VERSION_HEADER_PATTERN},
    },
    "Prefer": {
        "description": "`respond-async`: answer 202 with the command's id at once instead of "
        "waiting for its outcome. Other preferences are ignored.",
        "schema": {"type": "string"},
    },
    "X-Device-Id": {
        "description": "The sending device, echoed in the events this write causes so that the "
        "device can skip its own changes. Up to 64 of `A-Z a-z 0-9 . _ : -`; any other value "
        "is ignored (the write is not refused).",
        "schema": {"type": "string"},
    },
}


def route_path(path: str) -> str:
    """``path`` for aiohttp's router: id segments match UUIDs only (a session id its own
    pattern), so `/v1/expenses/summary` is never also `/v1/expenses/{id}` (and 405 answers list
    only the methods a path has)."""
    parts = []
    for part in path.split("/"):
        name = part[1:-1] if part.startswith("{") and part.endswith("}") else None
        if name and name not in PATH_PATTERNS:
            part = f"{{{name}:{_UUID_ROUTE}}}"
        elif name in _PATTERN_ROUTES:
            part = f"{{{name}:{_PATTERN_ROUTES[name]}}}"
        parts.append(part)
    return "/".join(parts)


def path_parameter(name: str) -> dict[str, Any]:
    pattern, what = PATH_PATTERNS.get(name, (None, "a UUID"))
    schema = {"type": "string", "pattern": pattern} if pattern else _uuid()
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": f"Anything that is not {what} names nothing: 404.",
        "schema": schema,
    }


def _uuid() -> dict[str, Any]:
    return {"type": "string", "format": "uuid", "pattern": UUID_PATTERN}


def header_parameter(name: str) -> dict[str, Any]:
    return {"name": name, "in": "header", "required": False, **HEADERS[name]}


CURSOR_DESCRIPTION = (
    "Where the previous page ended: its `next_cursor`, unchanged. A cursor this server did not "
    "make is 422."
)


def query_schema(name: str, prop: dict[str, Any]) -> dict[str, Any]:
    """A query parameter's schema, with what the edge checks beyond its model."""
    if name == "cursor":
        for option in [prop, *prop.get("anyOf", [])]:
            if option.get("type") == "string":
                option["pattern"] = CURSOR_PATTERN
    return prop


def receipt_upload_body() -> dict[str, Any]:
    """``POST /v1/receipts``: the multipart form ``http_edge.uploads.read_upload`` reads."""
    text_limit = "at most 200 bytes"
    return {
        "required": True,
        "description": "One `file` (JPEG, PNG, WebP or TIFF at least 50 px a side, or a PDF) "
        "judged by its bytes: anything else is 415, an image it cannot read 422, over the size "
        "or pixel limit 413. Each field at most once; an unknown field is 422.",
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "additionalProperties": False,
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "expense_id": {
                            **_uuid(),
                            "description": f"An expense of yours to fill ({text_limit}).",
                        },
                        "group_id": {
                            **_uuid(),
                            "description": f"A group of yours the bill belongs to ({text_limit}).",
                        },
                        "auto_apply": {
                            "type": "boolean",
                            "description": "Make the expense once it is read.",
                        },
                    },
                },
                "encoding": {
                    "file": {
                        "contentType": "image/jpeg, image/png, image/webp, image/tiff, "
                        "application/pdf, application/octet-stream"
                    }
                },
            }
        },
    }


PENDING = {
    "type": "object",
    "description": "Not done yet: poll `href` (`GET /v1/commands/{command_id}`).",
    "properties": {
        "command_id": {"type": "string"},
        "status": {"type": "string", "enum": ["pending"]},
        "href": {"type": "string"},
    },
    "required": ["command_id", "status", "href"],
}

ERRORS = {
    400: "Malformed: a body that cannot be read as its media type, a bad `Idempotency-Key` or "
    "`If-Match`, or a request line over 8190 bytes",
    401: "Not signed in, or the session is over",
    403: "Not allowed to you (a group role)",
    404: "No such resource, or not yours",
    409: "The entity moved on (`conflict`, with `current`) or the change conflicts with its state",
    413: "The body is over the size limit",
    415: "The body is not of a media type this route reads",
    422: "Invalid (`validation`, with `errors`), or a business rule refuses it",
    429: "Too many requests: see `Retry-After`",
    500: "An unexpected error",
    502: "A service behind the edge failed to answer this query",
    503: "A backing service is unreachable: retry after `Retry-After`",
}


def links(path: str, targets: list[tuple[str, str]]) -> dict[str, Any]:
    """OpenAPI links from what a create at ``path`` answers to the operations on what it made:
    the new ``id`` fills the next path parameter; the parameters ``path`` has pass through.
    ``targets`` are ``(operationId, path)`` of every operation."""
    found: dict[str, Any] = {}
    prefix = path.rstrip("/") + "/{"
    for operation_id, target in targets:
        if not target.startswith(prefix):
            continue
        created = target[len(prefix) :].split("}", 1)[0]
        known = {p for p in _names(path)}
        parameters = {
            name: "$response.body#/id" if name == created else f"$request.path.{name}"
            for name in _names(target)
            if name == created or name in known
        }
        if len(parameters) == len(_names(target)):
            found[operation_id] = {"operationId": operation_id, "parameters": parameters}
    return found


def _names(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")]
