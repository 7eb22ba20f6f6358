"""Answers the read routes share."""

from __future__ import annotations

from typing import Protocol

from aiohttp import web

from http_edge.problems import Problem


class Versioned(Protocol):
    version: int

    def model_dump(self, *, mode: str) -> dict[str, object]: ...


def entity_or_404(entity: Versioned | None, what: str) -> web.Response:
    """The entity as JSON with its version as `ETag`, or a 404 problem naming ``what``."""
    if entity is None:
        raise Problem(404, "not_found", f"no such {what}")
    return web.json_response(
        entity.model_dump(mode="json"), headers={"ETag": f'"{entity.version}"'}
    )
