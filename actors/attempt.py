"""One attempt at a batch inside its transaction: which commands are new, what their handlers
declare they read (loaded in one query per collection), each command or reaction applied in
order on the batch's unit of work, and everything written in one flush. The transaction may run
it again (a write conflict): each attempt starts from a fresh unit of work."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from actors.inbound import Inbound
from actors.kernel import ActorDefinition, Decision, PreloadsEvents
from actors.outcomes import Applied, apply_one, declared_reads
from bus.envelopes import Event
from bus.payload import Payload
from storage.outcomes import processed_in
from storage.unit_of_work import BatchWork

Decoded = dict[str, Payload | Decision]
"""A batch's commands' payloads (or their rejections) by command id, decoded once."""


@dataclass(slots=True)
class Result:
    """What became of one inbound message in a committed batch."""

    item: Inbound
    applied: Applied


Attempted = tuple[list[Result], list[Event], str | None]
"""Each item's result, the events written, and the batch's outbox entry (if it wrote events)."""


async def _load(
    actor: ActorDefinition, batch: BatchWork, items: list[Inbound], decoded: Decoded, done: set[str]
) -> None:
    """What the new commands' handlers declare they read, and what the reactions prefetch."""
    fresh = [
        (i.command, payload)
        for i in items
        if i.command.command_id not in done
        and isinstance(payload := decoded.get(i.command.command_id), Payload)
    ]
    for model, ids in declared_reads(actor, fresh).items():
        await batch.load(model, ids)
    if actor.prefetch_events is None:
        return
    reacting = [i.event for i in items if i.event is not None and i.command.command_id not in done]
    for model, ids in actor.prefetch_events(reacting).items():
        await batch.load(model, ids)
    if isinstance(batch.runtime, PreloadsEvents):
        await batch.runtime.preload(batch, reacting)


async def attempt(
    actor: ActorDefinition,
    batch: BatchWork,
    items: list[Inbound],
    decoded: Decoded,
    clock: Callable[[], datetime],
) -> Attempted:
    """Apply ``items`` to ``batch`` in order (a duplicate replays its stored outcome; each
    command is applied at ``clock()``'s moment) and flush it."""
    done = await processed_in([item.command.command_id for item in items], batch.session)
    await _load(actor, batch, items, decoded, set(done))
    results = []
    for item in items:
        payload = decoded.get(item.command.command_id)
        results.append(Result(item, await apply_one(actor, batch, item, done, clock(), payload)))
    await batch.flush()
    return results, [record.to_event() for record in batch.records], batch.outbox_id
