"""Request-reply responders: an actor answering reads that need its rules (bus.rpc envelopes)."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable

import structlog
from nats.aio.msg import Msg
from pydantic import BaseModel, ValidationError

from bus.rpc import INTERNAL, QueryFailed, actor_of, error_reply, ok_reply

log = structlog.get_logger(__name__)

Answer = Callable[[bytes], Awaitable[BaseModel]]


def responder(answer: Answer) -> Callable[[Msg], Awaitable[None]]:
    """A NATS callback that answers each request with ``answer``'s result, a ``validation``
    error for a request it cannot read, the code of a :class:`QueryFailed`, or ``internal``
    (logged here with the traceback; the asker reports it as the actor's failure)."""

    async def respond(msg: Msg) -> None:
        if not msg.reply:
            return
        try:
            reply = ok_reply(await answer(msg.data))
        except ValidationError as exc:
            reply = error_reply("validation", str(exc.errors(include_url=False))[:2000])
        except QueryFailed as exc:
            reply = error_reply(exc.code, exc.message)
        except Exception as exc:
            log.exception("rpc_failed", subject=msg.subject, actor=actor_of(msg.subject))
            reply = error_reply(INTERNAL, type(exc).__name__)
        with contextlib.suppress(Exception):
            await msg.respond(reply)

    return respond
