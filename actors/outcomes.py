"""Applying one command (or reaction) of a batch and turning the decision into its Outcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from pydantic import ValidationError
from pymongo.errors import PyMongoError

from actors.inbound import Inbound
from actors.kernel import ActorDefinition, Decision, reject
from bus.commands import COMMANDS
from bus.envelopes import IDEMPOTENCY_MISMATCH, Command, FieldError, Outcome
from storage.transactions import StaleWrite
from storage.unit_of_work import BatchWork, CommandWork

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


async def _decide(actor: ActorDefinition, item: Inbound, work: CommandWork) -> Decision:
    command = item.command
    if item.event is not None:
        reaction = actor.reactions.get(command.type)
        if reaction is not None:
            await reaction(item.event, work)
        return Decision(True)
    handler = actor.handlers.get(command.type)
    spec = COMMANDS.get(command.type)
    if handler is None or spec is None:
        return reject("validation", f"{actor.name} has no command {command.type!r}")
    try:
        payload = spec.payload.model_validate(command.payload)
    except ValidationError as exc:
        return Decision(
            False, code="validation", message="invalid payload", errors=validation_errors(exc)
        )
    return await handler(command, payload, work)


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
) -> Applied:
    """Apply one item to ``batch``; a duplicate replays its stored outcome and changes nothing."""
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
        batch, command.command_id, command.type, command.actor.user_id, command.body_hash, now
    )
    with structlog.contextvars.bound_contextvars(
        command_id=command.command_id, user_id=command.actor.user_id, actor=actor.name
    ):
        try:
            decision = await _decide(actor, item, work)
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
