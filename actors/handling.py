"""Command handlers registered by their payload class, so mypy checks each handler against
the payload it is given.

``on(CreateExpense, create_expense)`` is a registration: the command type comes from the
payload class (``CreateExpense.COMMAND``), and ``create_expense`` must accept a
``CreateExpense`` (or a class it derives from) as its payload. :func:`handlers` turns an
actor's registrations into the table its :class:`actors.kernel.ActorDefinition` holds.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from actors.kernel import CommandHandler, Decision
from actors.work import Work
from bus.envelopes import Command
from bus.payload import Payload

P = TypeVar("P", bound=Payload)

Handler = Callable[[Command, P, Work], Awaitable[Decision]]
"""``(command, its decoded payload, work) -> Decision`` for payloads of type ``P``."""


@dataclass(frozen=True, slots=True)
class Handles(Generic[P]):
    """One registration: the payload class and its handler."""

    payload: type[P]
    handler: Handler[P]


def on(payload: type[P], handler: Handler[P]) -> Handles[P]:
    """Register ``handler`` for the command whose payload class is ``payload``."""
    if not payload.COMMAND:
        raise ValueError(f"{payload.__name__} is not the payload of a command")
    return Handles(payload, handler)


def handlers(*registrations: Handles[Any]) -> dict[str, CommandHandler]:
    """An actor's handler table by command type; one handler per command."""
    table: dict[str, CommandHandler] = {}
    for registration in registrations:
        command_type = registration.payload.COMMAND
        if command_type in table:
            raise ValueError(f"two handlers for {command_type}")
        table[command_type] = registration.handler
    return table
