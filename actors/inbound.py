"""Decoding what an actor pulls: commands, or events it reacts to (as derived commands)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from nats.aio.msg import Msg

from bus.commands import COMMANDS
from bus.envelopes import ActorRef, Command, Event
from bus.ids import derived_id, group_scope, user_scope


class Undecodable(Exception):
    """A message that can never be applied (not JSON, not an envelope): dead-letter it."""


@dataclass(slots=True)
class Inbound:
    """One pulled message and what it means."""

    msg: Msg
    command: Command
    event: Event | None = None  # set when the command stands for an event reaction

    @property
    def deliveries(self) -> int:
        try:
            return int(self.msg.metadata.num_delivered)
        except Exception:  # not a JetStream message (in-memory tests)
            return 1


def decode(msg: Msg, actor: str) -> Inbound:
    """A command, or an event turned into a command with an id derived from (actor, event)."""
    try:
        if msg.subject.startswith("evt."):
            event = Event.model_validate_json(msg.data)
            command = Command(
                command_id=derived_id(actor, event.event_id),
                type=event.type,
                actor=ActorRef(user_id=None),
                issued_at=event.occurred_at,
                body_hash=event.event_id,
                payload={},
            )
            return Inbound(msg, command, event)
        return Inbound(msg, Command.model_validate_json(msg.data))
    except ValueError as exc:
        raise Undecodable(str(exc)[:500]) from exc


def partition_key(command: Command) -> str:
    """The scope a command's effects are serialised on: the one its spec names, its group,
    else its issuer's own."""
    spec = COMMANDS.get(command.type)
    if spec is not None and spec.writes_to is not None:
        with contextlib.suppress(KeyError, TypeError, ValueError):  # a bad payload: any lane
            return spec.writes_to(command.payload)
    group = command.payload.get("group_id")
    if isinstance(group, str):
        return group_scope(group)
    return user_scope(command.actor.user_id or command.command_id)
