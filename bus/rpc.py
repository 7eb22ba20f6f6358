"""Request-reply queries over core NATS: an actor answers reads that need its rules.

The reply is an envelope: ``{ok: true, result}`` or ``{ok: false, code, message}``. Askers get
the result as its model, or :class:`QueryFailed` (the actor said no, or failed: see
:attr:`QueryFailed.internal`) / :class:`QueryUnavailable` (no actor answered in time).
"""

from __future__ import annotations

from typing import Any, TypeVar

from nats.aio.client import Client as NATS
from nats.errors import Error as NatsError
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout
from pydantic import BaseModel, ConfigDict, ValidationError

from bus.subjects import RPC_PREFIX

M = TypeVar("M", bound=BaseModel)

INTERNAL = "internal"
"""The code of a query the actor failed to answer (an exception in it, not a refusal)."""
BAD_REPLY = "bad_reply"
"""The code of a reply the asker could not read: the actor is broken, not the request."""


class RpcReply(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ok: bool
    result: dict[str, Any] | None = None
    code: str | None = None
    message: str | None = None


def actor_of(subject: str) -> str:
    """The actor that answers ``subject`` (``rpc.currency.convert`` -> ``currency``)."""
    parts = subject.split(".")
    return parts[1] if len(parts) > 2 and parts[0] == RPC_PREFIX else subject


class QueryFailed(Exception):
    """The answering actor refused the query (``code``: validation, rate_missing, ...), or
    failed to answer it (``internal``, ``bad_reply``: see :attr:`internal`)."""

    def __init__(self, code: str, message: str, subject: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.subject = subject

    @property
    def internal(self) -> bool:
        """The actor failed (a fault to fix), rather than refused (an answer to the asker)."""
        return self.code in (INTERNAL, BAD_REPLY)


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
        raise QueryFailed(BAD_REPLY, f"{subject} answered something unreadable", subject) from exc
    if not reply.ok:
        raise QueryFailed(reply.code or INTERNAL, reply.message or "query failed", subject)
    try:
        return answer.model_validate(reply.result or {})
    except ValidationError as exc:
        raise QueryFailed(BAD_REPLY, f"{subject} answered an unexpected shape", subject) from exc
