"""Command handlers registered by their payload class, so mypy checks each handler against
the payload it is given, with what each reads declared beside it.

``on(CreateExpense, create_expense, reads=(own(ExpenseDoc, "expense"), caller()))`` is a
registration: the command type comes from the payload class (``CreateExpense.COMMAND``),
``create_expense`` must accept a ``CreateExpense`` (or a class it derives from) as its payload,
and the reads (:mod:`actors.reads`) say what a batch loads for it before any handler runs.
:func:`handlers` turns an actor's registrations into the table its
:class:`actors.kernel.ActorDefinition` holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from actors.kernel import Handler, Handles
from actors.reads import Read
from bus.payload import Payload

P = TypeVar("P", bound=Payload)


def on(payload: type[P], handler: Handler[P], reads: Sequence[Read] = ()) -> Handles[P]:
    """Register ``handler`` for the command whose payload class is ``payload``; ``reads`` are
    what it reads by id (each checked against the payload's fields here)."""
    if not payload.COMMAND:
        raise ValueError(f"{payload.__name__} is not the payload of a command")
    for read in reads:
        read.check(payload)
    return Handles(payload, handler, tuple(reads))


def handlers(*registrations: Handles[Any]) -> dict[str, Handles[Any]]:
    """An actor's handler table by command type; one handler per command."""
    table: dict[str, Handles[Any]] = {}
    for registration in registrations:
        command_type = registration.payload.COMMAND
        if command_type in table:
            raise ValueError(f"two handlers for {command_type}")
        table[command_type] = registration
    return table
