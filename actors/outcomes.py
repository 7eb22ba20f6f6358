"""Applying one command (or reaction) of a batch and turning the decision into its Outcome."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from pydantic import ValidationError
from pymongo.errors import PyMongoError

from actors.inbound import Inbound
from actors.kernel import ActorDefinition, Decision, reject
from actors.reads import Wanted, wanted
from bus.envelopes import IDEMPOTENCY_MISMATCH, Command, FieldError, Outcome, causing_device
from bus.payload import Payload
from storage.command_work import CommandWork
from storage.transactions import StaleWrite
from storage.unit_of_work import BatchWork

log = structlog.get_logger(__name__)


def to_outcome(command: Command, decision: Decision, work: CommandWork, now: datetime) -> Outcome:
    return Outcome(
        command_id=command.command_id,
        type=command.type,
        issuer=command.actor.user_id,
        status="accepted" if decision.accepted else "rejected",
        code=decision.code,
        message=decision.message,
        errors=list(decision.errors),
        entity=decision.entity,
        version=decision.version,
        event_ids=[e.event_id for e in work.events] if decision.accepted else [],
        completed_at=now,
    )


def validation_errors(exc: ValidationError) -> tuple[FieldError, ...]:
    return tuple(
        FieldError(
            loc=[str(p) if not isinstance(p, int) else p for p in err["loc"]], msg=err["msg"]
        )
        for err in exc.errors()
    )


def decode_payload(actor: ActorDefinition, command: Command) -> Payload | Decision:
    """The command's payload as its handler takes it (decoded once, for the batch's reads and
    the handler), or the rejection of a command the actor cannot take."""
    handles = actor.handlers.get(command.type)
    if handles is None:
        return reject("validation", f"{actor.name} has no command {command.type!r}")
    try:
        payload: Payload = handles.payload.model_validate(command.payload)
    except ValidationError as exc:
        return Decision(
            False, code="validation", message="invalid payload", errors=validation_errors(exc)
        )
    return payload


def declared_reads(actor: ActorDefinition, decoded: Iterable[tuple[Command, Payload]]) -> Wanted:
    """What a batch of decoded commands loads before its handlers run: what each command's
    handler declares it reads (``actors.reads``)."""
    return wanted((c, p, actor.handlers[c.type].reads) for c, p in decoded)


async def _decide(
    actor: ActorDefinition, item: Inbound, work: CommandWork, payload: Payload | Decision | None
) -> Decision:
    command = item.command
    if item.event is not None:
        reaction = actor.reactions.get(command.type)
        if reaction is not None:
            await reaction(item.event, work)
        return Decision(True)
    if payload is None:
        payload = decode_payload(actor, command)
    if isinstance(payload, Decision):
        return payload
    return await actor.handlers[command.type].handler(command, payload, work)


@dataclass(slots=True)
class Applied:
    """What applying one item gave: its outcome (None if it failed), the error, and whether it was
    a duplicate whose stored outcome is replayed."""

    outcome: Outcome | None
    error: BaseException | None = None
    replayed: bool = False


async def apply_one(
    actor: ActorDefinition,
    batch: BatchWork,
    item: Inbound,
    done: dict[str, Any],
    now: datetime,
    payload: Payload | Decision | None = None,
) -> Applied:
    """Apply one item to ``batch``; a duplicate replays its stored outcome and changes nothing.
    ``payload`` is the command's, decoded (:func:`decode_payload`; decoded here if not given)."""
    command = item.command
    prior = done.get(command.command_id)
    if prior is not None:
        if prior["body_hash"] != command.body_hash:
            mismatch = Outcome(
                command_id=command.command_id,
                type=command.type,
                issuer=command.actor.user_id,
                status="rejected",
                code="idempotency_mismatch",
                message=IDEMPOTENCY_MISMATCH,
                completed_at=now,
            )
            return Applied(mismatch, replayed=True)
        return Applied(Outcome.model_validate(prior["outcome"]), replayed=True)
    work = CommandWork(
        batch,
        command.command_id,
        command.type,
        command.actor.user_id,
        command.body_hash,
        now,
        device_id=causing_device(command.actor),
    )
    with structlog.contextvars.bound_contextvars(
        command_id=command.command_id, user_id=command.actor.user_id, actor=actor.name
    ):
        try:
            decision = await _decide(actor, item, work, payload)
        except (PyMongoError, StaleWrite):
            raise  # the whole transaction is retried
        except Exception as exc:
            log.exception("command_failed", type=command.type)
            return Applied(None, exc)
        outcome = to_outcome(command, decision, work, now)
        work.outcome = outcome
        if decision.accepted:
            batch.merge(work)
        else:
            batch.processed.append(work.processed_record())
        done[command.command_id] = {
            "body_hash": command.body_hash,
            "outcome": outcome.model_dump(mode="json"),
        }
        return Applied(outcome)
