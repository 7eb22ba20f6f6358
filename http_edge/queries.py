"""Request-reply queries to actors, and their failures in HTTP terms, in one place.

Three outcomes besides an answer, kept apart so an operator sees actor faults as faults:

- the actor refused (``validation``, ``rate_missing``, ``not_found``...): the caller's 4xx;
- the actor failed (an exception inside it, or a reply nobody can read): 502
  ``upstream_failed``, logged at error with the query's subject and the actor;
- no actor answered in time: 503 ``unavailable`` with ``Retry-After``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

import structlog
from aiohttp import web
from pydantic import BaseModel

from bus.rpc import QueryFailed, QueryUnavailable, actor_of, ask
from http_edge.context import resources_of, settings_of
from http_edge.problems import Problem

log = structlog.get_logger(__name__)

M = TypeVar("M", bound=BaseModel)

REFUSALS: Mapping[str, int] = {"not_found": 404, "forbidden": 403, "conflict": 409}
"""The status of an actor's refusal by its code; any other refusal is 422."""
RETRY_AFTER_S = "2"


def query_problem(exc: QueryFailed | QueryUnavailable, subject: str, what: str) -> Problem:
    """The problem answering a query that did not succeed (see the module docstring); an
    actor's failure is logged here, with the subject it was asked on and the actor."""
    actor = actor_of(subject)
    if isinstance(exc, QueryUnavailable):
        log.warning("query_unavailable", subject=subject, actor=actor, error=str(exc))
        return Problem(
            503,
            "unavailable",
            f"{what} is unavailable right now ({exc}); retry shortly",
            headers={"Retry-After": RETRY_AFTER_S},
        )
    if exc.internal:
        log.error(
            "query_failed", subject=subject, actor=actor, code=exc.code, error=exc.message[:500]
        )
        return Problem(
            502,
            "upstream_failed",
            f"{what} failed: the {actor} actor could not answer ({exc.code}); "
            "this is a fault of the service, reported to its operators",
        )
    return Problem(REFUSALS.get(exc.code, 422), exc.code, exc.message)


async def ask_actor(
    request: web.Request,
    subject: str,
    query: BaseModel,
    answer: type[M],
    *,
    what: str,
    timeout_s: float | None = None,
) -> M:
    """Ask ``query`` on ``subject`` and return the answer as ``answer``; any failure is raised
    as the :func:`query_problem` of it. ``what`` names the answer for the caller."""
    try:
        return await ask(
            resources_of(request).nc,
            subject,
            query,
            answer,
            timeout_s if timeout_s is not None else settings_of(request).rpc_timeout_s,
        )
    except (QueryFailed, QueryUnavailable) as exc:
        raise query_problem(exc, subject, what) from exc
