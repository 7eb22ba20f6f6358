"""Writes: build the command, send it through the node's :class:`bus.gateway.CommandGateway`
(rate limit → send → outcome) and answer in HTTP terms."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, get_args

import structlog
from aiohttp import web
from nats.errors import Error as NatsError

from bus.client import build_command
from bus.commands import spec_of
from bus.envelopes import IDEMPOTENCY_MISMATCH, Outcome, StateConflictCode
from bus.gateway import CommandGateway, TooManyWrites
from bus.limits import device_id_or_none
from bus.payload import Payload
from http_edge.context import principal_of
from http_edge.problems import Problem
from storage.outcomes import processed_command

log = structlog.get_logger(__name__)

STATE_CONFLICTS: tuple[str, ...] = get_args(StateConflictCode)
"""See :data:`bus.envelopes.StateConflictCode`: each is a 409."""
STATUS_OF_CODE = {
    "validation": 422,
    "idempotency_mismatch": 422,
    "conflict": 409,
    **dict.fromkeys(STATE_CONFLICTS, 409),
    "not_found": 404,
    "not_member": 404,
    "forbidden": 403,
    "internal": 500,
}
MAX_KEY_LENGTH = 200


COMMAND_GATEWAY = web.AppKey("command_gateway", CommandGateway)
"""The node's gateway for writes (its rate limiter may be shared with realtime)."""


def device_of(request: web.Request) -> str | None:
    """The `X-Device-Id` a client sent, if it is a plain token (it ends up in logs and events)."""
    return device_id_or_none(request.headers.get("X-Device-Id"))


def check_idempotency_key(key: str | None) -> None:
    """400 unless an Idempotency-Key (when sent) is 1..MAX_KEY_LENGTH characters."""
    if key is not None and not 0 < len(key) <= MAX_KEY_LENGTH:
        raise Problem(
            400, "bad_idempotency_key", f"Idempotency-Key must be 1..{MAX_KEY_LENGTH} characters"
        )


def outcome_response(outcome: Outcome, created: bool, location: str | None = None) -> web.Response:
    """An outcome in HTTP terms: the entity with 201/200, or a problem document."""
    if outcome.accepted:
        headers = {"X-Command-Id": outcome.command_id}
        if outcome.version is not None:
            headers["ETag"] = f'"{outcome.version}"'
        if created and location and outcome.entity and "id" in outcome.entity:
            headers["Location"] = f"{location}/{outcome.entity['id']}"
        return web.json_response(
            outcome.entity or {}, status=201 if created else 200, headers=headers
        )
    raise refusal(outcome)


def refusal(outcome: Outcome) -> Problem:
    """A refused command's outcome as the problem document that answers it (403, 409 ...)."""
    code = outcome.code or "internal"
    extra: dict[str, Any] = {"command_id": outcome.command_id}
    if STATUS_OF_CODE.get(code) == 409 and outcome.entity is not None:
        extra["current"] = outcome.entity
    errors = [{"loc": ["body", *e.loc], "msg": e.msg, "type": code} for e in outcome.errors]
    return Problem(
        STATUS_OF_CODE.get(code, 400), code, outcome.message or code, errors=errors, **extra
    )


def spend_write_allowance(request: web.Request, issuer: str, cost: float = 1.0) -> None:
    """Draw ``cost`` writes from the person's allowance on this node; 429 when it is spent."""
    try:
        request.app[COMMAND_GATEWAY].spend(issuer, cost)
    except TooManyWrites as exc:
        raise too_many_writes(exc) from None


def too_many_writes(exc: TooManyWrites) -> Problem:
    """The 429 of a spent write allowance, with when to try again."""
    return Problem(
        429,
        "too_many_writes",
        "too many changes too fast; slow down",
        headers={"Retry-After": str(max(1, round(exc.retry_after_s)))},
    )


def pending_response(command_id: str) -> web.Response:
    return web.json_response(
        {"command_id": command_id, "status": "pending", "href": f"/v1/commands/{command_id}"},
        status=202,
        headers={"Location": f"/v1/commands/{command_id}"},
    )


def send_as_caller(
    request: web.Request,
    payload: Payload,
    version: int | None = None,
    location: str | None = None,
) -> Awaitable[web.Response]:
    """:func:`dispatch` a command issued by the signed-in caller."""
    return dispatch(
        request,
        payload,
        issuer=principal_of(request).user_id,
        expected_version=version,
        location=location,
    )


async def dispatch(
    request: web.Request,
    payload: Payload,
    *,
    issuer: str | None,
    expected_version: int | None = None,
    location: str | None = None,
    issuer_scope: str | None = None,
) -> web.Response:
    """Send the command whose payload this is (its class names the command) for this request,
    and answer with its outcome (or 202 if it is slow)."""
    gateway = request.app[COMMAND_GATEWAY]
    spec = spec_of(payload)
    data = payload.model_dump(mode="json", exclude_unset=True)
    key = request.headers.get("Idempotency-Key")
    check_idempotency_key(key)
    if issuer is not None:
        spend_write_allowance(request, issuer)
    command = build_command(
        spec.type,
        data,
        issuer=issuer,
        device_id=device_of(request),
        idempotency_key=key,
        issuer_scope=issuer_scope,
        expected_version=expected_version,
    )
    created = spec.creates
    if key is not None:
        prior = await processed_command(command.command_id)
        if prior is not None:
            if prior.body_hash != command.body_hash:
                raise Problem(422, "idempotency_mismatch", IDEMPOTENCY_MISMATCH)
            return outcome_response(prior.outcome, created, location)
    structlog.contextvars.bind_contextvars(command_id=command.command_id, user_id=issuer)
    try:
        if "respond-async" in request.headers.get("Prefer", ""):
            await gateway.publish(command)
            return pending_response(command.command_id)
        outcome = await gateway.send(command)
    except (NatsError, TimeoutError) as exc:
        log.warning("command_publish_failed", error=str(exc) or type(exc).__name__)
        raise Problem(
            503,
            "unavailable",
            "the message bus is unreachable; retry shortly",
            headers={"Retry-After": "2"},
        ) from exc
    if outcome is None:
        return pending_response(command.command_id)
    return outcome_response(outcome, created, location)
