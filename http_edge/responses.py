"""Answers the read routes share."""

from __future__ import annotations

from typing import Protocol

from aiohttp import web

from http_edge.problems import Problem


class Versioned(Protocol):
    version: int

    def model_dump(self, *, mode: str) -> dict[str, object]: ...


def entity_or_404(
    entity: Versioned | None, what: str, shown: dict[str, object] | None = None
) -> web.Response:
    """The entity as JSON (or ``shown``, a view of it) with its version as `ETag`, or a 404
    problem naming ``what``."""
    if entity is None:
        raise Problem(404, "not_found", f"no such {what}")
    return web.json_response(
        shown if shown is not None else entity.model_dump(mode="json"),
        headers={"ETag": f'"{entity.version}"'},
    )
