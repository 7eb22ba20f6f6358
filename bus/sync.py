"""A device's batch of offline commands: applied one after another in the device's order, one
result per command, and the same batch sent again answered from the stored outcomes.

Each command is sent and its outcome awaited before the next is sent, so a later command
always sees what an earlier one did (a create and then an edit of the same expense), whatever
actor owns each. A rejected command does not stop the others. If an outcome takes longer than
the wait, that command is ``pending`` and the rest are ``deferred`` (not sent, so the order
holds): sending the batch again answers the applied ones from their stored outcomes and applies
the rest. Command ids are scoped to the issuer, so the device's own ids are safe to reuse.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from bus.client import CommandSender
from bus.client_commands import Rejection, parse_command
from bus.envelopes import Command, FieldError, Outcome

MAX_BATCH = 100
"""Commands in one sync batch."""

Prior = Callable[[list[str]], Awaitable[dict[str, tuple[str | None, Outcome]]]]
"""``command ids -> {id: (body hash, stored outcome)}`` for those already applied, and for
those that could not be applied (dead letters: ``rejected``/``internal``, no body hash)."""


class BatchTooLarge(ValueError):
    def __init__(self, size: int) -> None:
        super().__init__(f"a sync batch holds at most {MAX_BATCH} commands; got {size}")


def _result(index: int, outcome: Outcome) -> dict[str, Any]:
    shown = outcome.model_dump(mode="json", exclude={"issuer", "event_ids"})
    return {"index": index, **shown}


def _refused(index: int, rejection: Rejection, command_id: object) -> dict[str, Any]:
    shown = command_id if isinstance(command_id, str) else None
    return {"index": index, "command_id": shown, **rejection.ack()}


def check_batch_size(items: Sequence[object]) -> None:
    """BatchTooLarge if ``items`` is over the limit (checked before anything is spent on it)."""
    if len(items) > MAX_BATCH:
        raise BatchTooLarge(len(items))


async def apply_batch(
    items: Sequence[object],
    *,
    issuer: str,
    device_id: str | None,
    sender: CommandSender,
    prior: Prior,
    wait_s: float,
) -> list[dict[str, Any]]:
    """One result per item, in order (see the module docstring)."""
    check_batch_size(items)
    parsed: list[Command | Rejection] = [
        Rejection("a command is an object {command_id, type, payload, ...}")
        if not isinstance(item, dict)
        else parse_command(item, issuer=issuer, device_id=device_id)
        if _client_id(item) is not None
        else Rejection(
            "every command of a sync batch carries the device's own command_id",
            [FieldError(loc=["command_id"], msg="required in a sync batch")],
        )
        for item in items
    ]
    done = await prior([c.command_id for c in parsed if isinstance(c, Command)])
    results: list[dict[str, Any]] = []
    waiting = False
    for n, command in enumerate(parsed):
        if isinstance(command, Rejection):
            results.append(_refused(n, command, _client_id(items[n])))
            continue
        stored = done.get(command.command_id)
        if stored is not None:
            body_hash, outcome = stored
            if body_hash is not None and body_hash != command.body_hash:
                refusal = Rejection(
                    "this command_id was already used for a different command",
                    code="idempotency_mismatch",
                )
                results.append(_refused(n, refusal, command.command_id))
            else:
                results.append(_result(n, outcome))
            continue
        if waiting:
            results.append(
                {
                    "index": n,
                    "command_id": command.command_id,
                    "status": "deferred",
                    "message": "an earlier command is still being applied; send the batch again",
                }
            )
            continue
        outcome_or_none = await sender.send(command, wait_s)
        if outcome_or_none is None:
            waiting = True
            results.append({"index": n, "command_id": command.command_id, "status": "pending"})
        else:
            results.append(_result(n, outcome_or_none))
    return results


def _client_id(item: object) -> object:
    return item.get("command_id") if isinstance(item, dict) else None
