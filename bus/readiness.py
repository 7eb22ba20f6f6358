"""Readiness, part by part: can this node serve a write end to end right now?

Every actor process answers a core NATS ping on ``health.actor.<name>`` once its subscribers are
bound to their durable consumers and its runtime (request-reply responders, rate books) is up;
the answer names the consumers it pulls from. A node asks every actor it expects (the setting
``expect_actors``) at once, checks that the consumers each names still exist, and checks the
streams. Nothing is cached: each answer is asked for when the question is asked, bounded by a
timeout per part.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Sequence

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.errors import Error as NatsError
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bus.settings import Settings
from bus.subjects import COMMANDS_STREAM, EVENTS_STREAM, actor_health_subject

READY = "ok"
"""The value of a check that holds; any other value says why it does not."""


class ConsumerRef(BaseModel):
    """A durable JetStream consumer an actor process pulls from."""

    model_config = ConfigDict(frozen=True)

    stream: str = Field(description="Stream name.", examples=["COMMANDS"])
    durable: str = Field(description="Durable consumer name.", examples=["expenses"])


class ActorHealth(BaseModel):
    """An actor process's answer to a readiness ping."""

    model_config = ConfigDict(frozen=True)

    actor: str = Field(description="The actor's name.", examples=["currency"])
    node: str = Field(description="The answering process's node id.")
    consumers: tuple[ConsumerRef, ...] = Field(description="The durables it is bound to.")


def expected_actors(settings: Settings) -> list[str]:
    """The actors a node's readiness requires, from ``expect_actors`` (comma separated)."""
    return sorted({name.strip() for name in settings.expect_actors.split(",") if name.strip()})


async def serve_health(nc: NATS, health: ActorHealth) -> Subscription:
    """Answer readiness pings for ``health.actor`` with ``health`` (call once bound)."""
    body = health.model_dump_json().encode()

    async def respond(msg: Msg) -> None:
        if msg.reply:
            with contextlib.suppress(Exception):  # the asker gave up or the connection closes
                await msg.respond(body)

    return await nc.subscribe(actor_health_subject(health.actor), cb=respond)


async def actor_check(nc: NATS, js: JetStreamContext, actor: str, timeout_s: float) -> str:
    """``READY`` if a process of ``actor`` answers its ping and every consumer it names exists;
    else why not."""
    try:
        msg = await nc.request(actor_health_subject(actor), b"", timeout=timeout_s)
    except NoRespondersError:
        return "no process answers"
    except (NatsTimeout, TimeoutError):
        return f"no answer within {timeout_s:g} s"
    except NatsError as exc:
        return f"unreachable: {type(exc).__name__}"
    try:
        health = ActorHealth.model_validate_json(msg.data)
    except ValidationError:
        return "unreadable answer"
    missing = await _missing_consumers(js, health.consumers)
    return f"consumer missing: {', '.join(missing)}" if missing else READY


async def _missing_consumers(js: JetStreamContext, consumers: Sequence[ConsumerRef]) -> list[str]:
    async def missing(ref: ConsumerRef) -> str | None:
        try:
            await js.consumer_info(ref.stream, ref.durable)
        except NotFoundError:
            return f"{ref.stream}/{ref.durable}"
        except (NatsError, TimeoutError) as exc:
            return f"{ref.stream}/{ref.durable} ({type(exc).__name__})"
        return None

    found = await asyncio.gather(*(missing(ref) for ref in consumers))
    return [name for name in found if name is not None]


async def streams_check(js: JetStreamContext) -> str:
    """``READY`` if the COMMANDS and EVENTS streams exist; else which do not."""

    async def missing(name: str) -> str | None:
        try:
            await js.stream_info(name)
        except NotFoundError:
            return name
        except (NatsError, TimeoutError) as exc:
            return f"{name} ({type(exc).__name__})"
        return None

    found = await asyncio.gather(*(missing(s) for s in (COMMANDS_STREAM, EVENTS_STREAM)))
    gone = [name for name in found if name is not None]
    return f"missing: {', '.join(gone)}" if gone else READY


async def bus_checks(nc: NATS, actors: Sequence[str], timeout_s: float) -> dict[str, str]:
    """``nats``, ``streams`` and ``actor:<name>`` for each of ``actors``, asked concurrently."""
    names = [f"actor:{a}" for a in actors]
    if not nc.is_connected:
        unknown = "unknown: NATS is not connected"
        return {"nats": "disconnected", "streams": unknown, **dict.fromkeys(names, unknown)}
    js = nc.jetstream(timeout=timeout_s)
    checks: list[Awaitable[str]] = [streams_check(js)]
    checks += [actor_check(nc, js, actor, timeout_s) for actor in actors]
    streams, *answers = await asyncio.gather(*checks)
    return {"nats": READY, "streams": streams, **dict(zip(names, answers, strict=True))}


def missing_parts(checks: dict[str, str]) -> dict[str, str]:
    """The checks that do not hold, with why."""
    return {part: why for part, why in checks.items() if why != READY}
