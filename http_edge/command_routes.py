"""Write routes that only validate, send and answer, made from their payload class.

Most writes are one of three shapes: create (``POST``: the body is the payload, 201 with a
``Location``), change (``PATCH .../{id}``: the body plus the path's id, a version from the body
or ``If-Match``) and delete (``DELETE .../{id}``: the id, a version). The command they send
follows from the payload class (``bus.commands``), so a route of these shapes is declared by
naming it, its path, its payload and what it answers; a route that does more (reads first,
answers something else, takes a file) is written out in its module, which says why.

Each generated handler keeps the name it had when written by hand: it is the operation's
``operationId`` in the OpenAPI document. ``ids`` maps the payload's id fields to the path's
parameters (a group's bill: ``{"group_id": "id", "id": "expense_id"}``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from bus.payload import Payload
from http_edge.api import Api
from http_edge.dispatch import send_as_caller
from http_edge.inputs import body, expected_version, path_id, query, versioned_body
from http_edge.schemas import VersionQuery


def _ids(request: web.Request, ids: Mapping[str, str]) -> dict[str, str]:
    """The payload's id fields, each from its path parameter (a UUID, else 404)."""
    return {field: path_id(request, parameter) for field, parameter in ids.items()}


def _named(handler: Any, name: str) -> Any:
    handler.__name__ = handler.__qualname__ = name
    return handler


def creates(
    api: Api,
    path: str,
    summary: str,
    tag: str,
    payload: type[Payload],
    *,
    name: str,
    location: str,
    ids: Mapping[str, str] | None = None,
    **meta: Any,
) -> None:
    """``POST path``: the body (with ``ids`` from the path) is the payload; 201 with the
    entity and its ``Location`` (``location`` may name the ids: ``/v1/groups/{group_id}/...``)."""

    async def handler(request: web.Request) -> web.StreamResponse:
        found = _ids(request, ids or {})
        sent = await body(request, payload, **found)
        return await send_as_caller(request, sent, location=location.format(**found))

    route = api.route("POST", path, summary, tag, body=payload, status=201, command=True, **meta)
    route(_named(handler, name))


def changes(
    api: Api,
    path: str,
    summary: str,
    tag: str,
    payload: type[Payload],
    *,
    name: str,
    ids: Mapping[str, str] | None = None,
    **meta: Any,
) -> None:
    """``PATCH path``: the body with the path's ids (``{"id": "id"}`` unless given) is the
    payload, the version from the body's ``expected_version`` or ``If-Match``."""
    named = ids if ids is not None else {"id": "id"}

    async def handler(request: web.Request) -> web.StreamResponse:
        sent, version = await versioned_body(request, payload, **_ids(request, named))
        return await send_as_caller(request, sent, version)

    route = api.route(
        "PATCH",
        path,
        summary,
        tag,
        body=payload,
        body_omit=tuple(named),
        versioned=True,
        command=True,
        headers=("If-Match",),
        **meta,
    )
    route(_named(handler, name))


def deletes(
    api: Api,
    path: str,
    summary: str,
    tag: str,
    payload: type[Payload],
    *,
    name: str,
    ids: Mapping[str, str] | None = None,
    **meta: Any,
) -> None:
    """``DELETE path``: the payload is the path's ids (``{"id": "id"}`` unless given), the
    version from ``If-Match`` or ``?expected_version=``."""
    named = ids if ids is not None else {"id": "id"}

    async def handler(request: web.Request) -> web.StreamResponse:
        found = _ids(request, named)  # an id that is no UUID is 404 before a bad query
        query(request, VersionQuery)
        sent = payload.model_validate(found)
        return await send_as_caller(request, sent, expected_version(request))

    route = api.route(
        "DELETE",
        path,
        summary,
        tag,
        query=VersionQuery,
        command=True,
        headers=("If-Match",),
        **meta,
    )
    route(_named(handler, name))
