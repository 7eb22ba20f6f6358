"""Request-reply queries over core NATS: an actor answers reads that need its rules.

The reply is an envelope: ``{ok: true, result}`` or ``{ok: false, code, message}``. Askers get
the result as its model, or :class:`QueryFailed` (the actor said no) / :class:`QueryUnavailable`
(no actor answered in time).
"""

from __future__ import annotations

from typing import Any, TypeVar

from nats.aio.client import Client as NATS
from nats.errors import Error as NatsError
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout
from pydantic import BaseModel, ConfigDict, ValidationError

M = TypeVar("M", bound=BaseModel)


class RpcReply(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ok: bool
    result: dict[str, Any] | None = None
    code: str | None = None
    message: str | None = None


class QueryFailed(Exception):
    """The answering actor refused the query (``code``: validation, rate_missing, ...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class QueryUnavailable(Exception):
    """No actor answered: none running, or too slow."""


def ok_reply(result: BaseModel) -> bytes:
    return RpcReply(ok=True, result=result.model_dump(mode="json")).model_dump_json().encode()


def error_reply(code: str, message: str) -> bytes:
    return RpcReply(ok=False, code=code, message=message).model_dump_json().encode()


async def ask(nc: NATS, subject: str, request: BaseModel, answer: type[M], timeout_s: float) -> M:
    """Send ``request`` on ``subject`` and return the reply's result as ``answer``."""
    try:
        msg = await nc.request(subject, request.model_dump_json().encode(), timeout=timeout_s)
    except NoRespondersError as exc:
        raise QueryUnavailable(f"nothing answers {subject}") from exc
    except (NatsTimeout, TimeoutError) as exc:
        raise QueryUnavailable(f"{subject} did not answer within {timeout_s} s") from exc
    except NatsError as exc:
        raise QueryUnavailable(f"{subject}: {exc}") from exc
    try:
        reply = RpcReply.model_validate_json(msg.data)
    except ValidationError as exc:
        raise QueryUnavailable(f"{subject} answered something unreadable") from exc
    if not reply.ok:
        raise QueryFailed(reply.code or "internal", reply.message or "query failed")
    try:
        return answer.model_validate(reply.result or {})
    except ValidationError as exc:
        raise QueryUnavailable(f"{subject} answered an unexpected shape") from exc
