"""Whether a command may still be on its way to an actor: the backlog of the command consumers.

An actor stores a command's outcome before it acknowledges the message, so once no durable
consumer of the COMMANDS stream holds a message not yet delivered or not yet acknowledged, every
command published so far has its outcome stored (or its dead letter): a command id still without
one was never sent. ``GET /v1/commands/{id}`` answers such an id 404 instead of "pending" forever.
"""

from __future__ import annotations

from collections.abc import Sequence

from nats.js import JetStreamContext
from nats.js.api import ConsumerInfo
from nats.js.errors import NotFoundError

from bus.subjects import COMMANDS_STREAM

LIST_PAGE = 256
"""JetStream's page size for consumer lists."""


async def command_consumers(js: JetStreamContext) -> list[ConsumerInfo]:
    """Every durable consumer of the COMMANDS stream (one per actor; ephemeral ones, such as
    a replay's, are left out)."""
    found: list[ConsumerInfo] = []
    while True:
        page = await js.consumers_info(COMMANDS_STREAM, offset=len(found) or None)
        found += page
        if len(page) < LIST_PAGE:
            return [info for info in found if info.config.durable_name]


async def commands_in_flight(js: JetStreamContext, actors: Sequence[str]) -> bool:
    """True while a command consumer has messages not yet delivered or not yet acknowledged, or
    while one of ``actors`` has no command consumer yet (its commands wait in the stream)."""
    try:
        consumers = await command_consumers(js)
    except NotFoundError:  # no COMMANDS stream: no command was ever sent to it
        return False
    durables = {info.config.durable_name for info in consumers}
    if any(actor not in durables for actor in actors):
        return True
    return any((info.num_pending or 0) + (info.num_ack_pending or 0) > 0 for info in consumers)
