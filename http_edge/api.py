"""Routes declared once, with their models: aiohttp routing and the OpenAPI document both come from here."""

from __future__ import annotations

import copy
import html
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from bus.limits import MAX_SEQ
from http_edge.openapi_parts import (
    CURSOR_DESCRIPTION,
    ERRORS,
    PENDING,
    header_parameter,
    links,
    path_parameter,
    query_schema,
    receipt_upload_body,
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
COMMAND_HEADERS = ("Idempotency-Key", "Prefer", "X-Device-Id")
"""What every route that sends a command honours (see ``http_edge.dispatch``)."""
PRINCIPAL: web.RequestKey[Any] = web.RequestKey("principal", object)


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    handler: Handler
    summary: str
    tag: str
    body: type[BaseModel] | None = None
    body_omit: tuple[str, ...] = ()
    versioned: bool = False  # the body may carry `expected_version` (or send If-Match)
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    auth: bool = True
    errors: tuple[int, ...] = ()
    headers: tuple[str, ...] = ()
    command: bool = False  # sends a command: COMMAND_HEADERS, and 202 / 429 / 503 answers
    pending: bool = False  # may answer 202 while something is not done yet
    description: str = ""  # what the summary cannot say (behaviour a client must know)
    upload: bool = False  # the body is the receipt upload form (multipart/form-data)


@dataclass
class Api:
    """A collection of operations; :meth:`route` is the decorator handlers use."""

    operations: list[Operation] = field(default_factory=list)

    def route(
        self, method: str, path: str, summary: str, tag: str, **meta: Any
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            if meta.get("command"):
                meta["headers"] = (*meta.get("headers", ()), *COMMAND_HEADERS)
            self.operations.append(Operation(method, path, handler, summary, tag, **meta))
            return handler

        return register


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def openapi_document(operations: list[Operation], title: str, version: str) -> dict[str, Any]:
    """OpenAPI 3.1 from the same pydantic models that validate requests."""
    models = {m for op in operations for m in (op.body, op.query, op.response) if m is not None}
    _, defs = models_json_schema(
        [(m, "validation") for m in sorted(models, key=lambda m: m.__name__)],
        ref_template="#/components/schemas/{model}",
    )
    schemas: dict[str, Any] = dict(defs.get("$defs", {}))
    schemas["Problem"] = {
        "type": "object",
        "description": "RFC 9457 problem details with a stable `code`.",
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "code": {"type": "string"},
            "detail": {"type": "string"},
            "errors": {"type": "array", "items": {"type": "object"}},
            "current": {"type": "object", "description": "With `conflict`: the current entity."},
        },
        "required": ["type", "title", "status", "code", "detail"],
    }
    schemas["Pending"] = PENDING
    paths: dict[str, dict[str, Any]] = {}
    targets = [(op.handler.__name__, op.path) for op in operations]
    for op in operations:
        entry: dict[str, Any] = {
            "summary": op.summary,
            "tags": [op.tag],
            "operationId": op.handler.__name__,
        }
        if op.description:
            entry["description"] = op.description
        params = _parameters(op)
        if params:
            entry["parameters"] = params
        if op.body is not None:
            entry["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": _body_schema(op, op.body, schemas)}},
            }
        elif op.upload:
            entry["requestBody"] = receipt_upload_body()
        if op.auth:
            entry["security"] = [{"bearer": []}]
        entry["responses"] = _responses(op, params)
        if op.status == 201 and op.method == "POST":  # created: its id leads to what it made
            made = links(op.path, targets)
            if made:
                entry["responses"]["201"]["links"] = made
        paths.setdefault(op.path, {})[op.method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }


def _parameters(op: Operation) -> list[dict[str, Any]]:
    params = [path_parameter(name) for name in _path_params(op.path)]
    if op.query is not None:
        query_schema_ = op.query.model_json_schema(
            by_alias=True, ref_template="#/components/schemas/{model}"
        )
        required = set(query_schema_.get("required", []))
        for name, prop in query_schema_["properties"].items():
            params.append(
                {
                    "name": name,
                    "in": "query",
                    "required": name in required,
                    "description": prop.pop("description", "")
                    or (CURSOR_DESCRIPTION if name == "cursor" else ""),
                    "schema": query_schema(name, prop),
                }
            )
    return params + [header_parameter(h) for h in op.headers]


def _responses(op: Operation, params: list[dict[str, Any]]) -> dict[str, Any]:
    """Every answer the edge can give this operation: its own, and those of what it reads."""
    ok: dict[str, Any] = {"description": "OK" if op.status != 204 else "No Content"}
    if op.response is not None:
        ok["content"] = {"application/json": {"schema": _ref(op.response.__name__)}}
    responses: dict[str, Any] = {str(op.status): ok}
    if op.upload:
        responses["200"] = {
            "description": "This file was uploaded before: its receipt",
            "content": ok.get("content", {}),
        }
    if (op.command or op.pending) and op.status != 202:
        responses["202"] = {
            "description": "Accepted; the outcome is at /v1/commands/{command_id}",
            "content": {"application/json": {"schema": _ref("Pending")}},
        }
    where = {p["in"] for p in params}
    has_body = op.body is not None or op.upload
    codes = {
        *op.errors,
        *((401,) if op.auth else ()),
        *((400,) if has_body or where else ()),  # bad JSON or header; a request line too long
        *((404,) if "path" in where else ()),  # a path id that is malformed or unknown
        *((409,) if "If-Match" in op.headers else ()),
        *((422,) if "Idempotency-Key" in op.headers else ()),  # a key reused for another body
        *((413, 415, 422) if has_body else ()),
        *((422,) if "query" in where else ()),
        *((429, 503) if op.command else ()),
        *((503,) if op.auth or has_body else ()),  # MongoDB or NATS unreachable
    }
    problem = {"application/problem+json": {"schema": _ref("Problem")}}
    for code in sorted(codes):
        responses[str(code)] = {"description": ERRORS.get(code, "Problem"), "content": problem}
    if "400" in responses:  # aiohttp's own answer to a request line it will not read
        responses["400"]["content"] = {**problem, "text/plain": {"schema": {"type": "string"}}}
    return responses


def _body_schema(op: Operation, model: type[BaseModel], schemas: dict[str, Any]) -> dict[str, Any]:
    """The body as sent: without fields taken from the path, with `expected_version` if versioned."""
    name = model.__name__
    if not op.body_omit and not op.versioned:
        return _ref(name)
    body = copy.deepcopy(schemas[name])
    for field_name in op.body_omit:
        body["properties"].pop(field_name, None)
        body["required"] = [r for r in body.get("required", []) if r != field_name]
    if not body.get("required"):
        body.pop("required", None)
    if op.versioned:
        body["properties"]["expected_version"] = {
            "anyOf": [{"type": "integer", "minimum": 0, "maximum": MAX_SEQ}, {"type": "null"}],
            "description": 'The version this change expects (null: none); or send `If-Match: "<version>"`.',
        }
    body["title"] = f"{name}Body"
    schemas[f"{name}Body"] = body
    return _ref(f"{name}Body")


def _path_params(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")]


def docs_page(document: dict[str, Any]) -> str:
    """A self-contained HTML rendering of the OpenAPI document (works offline)."""
    rows = []
    for path, methods in document["paths"].items():
        for method, op in methods.items():
            body = (
                op.get("requestBody", {})
                .get("content", {})
                .get("application/json", {})
                .get("schema", {})
            )
            ref = body.get("$ref", "")
            codes = ", ".join(op["responses"])
            rows.append(
                f"<tr><td><code>{method.upper()}</code></td><td><code>{html.escape(path)}</code></td>"
                f"<td>{html.escape(op['summary'])}</td><td>{html.escape(ref.rsplit('/', 1)[-1])}</td>"
                f"<td>{codes}</td><td>{'yes' if op.get('security') else ''}</td></tr>"
            )
    schemas = "".join(
        f"<details><summary><code>{html.escape(name)}</code></summary><pre>{html.escape(_pretty(s))}</pre></details>"
        for name, s in sorted(document["components"]["schemas"].items())
    )
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>ledgerbus API</title>"
        "<style>body{font:14px system-ui;margin:2em}td,th{padding:4px 8px;border-bottom:1px solid #ddd;text-align:left}"
        "pre{background:#f6f6f6;padding:8px}</style></head><body>"
        f"<h1>{html.escape(document['info']['title'])} {html.escape(document['info']['version'])}</h1>"
        "<p>Machine-readable: <a href='/v1/openapi.json'>/v1/openapi.json</a> · bus: "
        "<a href='/v1/asyncapi.json'>/v1/asyncapi.json</a></p>"
        "<table><tr><th>method</th><th>path</th><th>summary</th><th>body</th><th>responses</th><th>auth</th></tr>"
        + "".join(rows)
        + f"</table><h2>Schemas</h2>{schemas}</body></html>"
    )


def _pretty(schema: Any) -> str:
    return json.dumps(schema, indent=2)
