"""A round's backlog: ``expense.create`` commands published straight to JetStream, as the edge
publishes them (the command envelope of :func:`bus.client.build_command` on its subject, with
its ``Nats-Msg-Id``), while no expenses process consumes them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bus.client import build_command, message_id
from bus.commands import spec_for, spec_of
from bus.envelopes import Command
from bus.expense_commands import CreateExpense

IN_FLIGHT = 256
"""Publishes awaiting JetStream's ack at once."""
PUBLISH_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Published:
    """A backlog on the stream: its command ids, the publishes JetStream took as duplicates,
    and how long publishing took."""

    command_ids: list[str]
    duplicates: int
    seconds: float


def expense_command(issuer: str, round_no: int, index: int) -> Command:
    """The ``index``-th expense of a round, issued by ``issuer``, as the edge builds it."""
    payload = CreateExpense.model_validate(
        {
            "amount": f"{12 + index % 50}.30",
            "currency": "EUR",
            "date": "2026-11-20",
            "description": f"drain round {round_no} expense {index}",
        }
    )
    spec = spec_of(payload)
    data = payload.model_dump(mode="json", exclude_unset=True)
    return build_command(spec.type, data, issuer=issuer)


def backlog_commands(issuers: Sequence[str], round_no: int, count: int) -> list[Command]:
    """``count`` fresh commands, dealt to the issuers in turn."""
    return [expense_command(issuers[i % len(issuers)], round_no, i) for i in range(count)]


async def publish_backlog(js: Any, commands: Sequence[Command]) -> Published:
    """Publish every command (at most :data:`IN_FLIGHT` at once), each acked by JetStream."""
    limit = asyncio.Semaphore(IN_FLIGHT)

    async def one(command: Command) -> bool:
        async with limit:
            ack = await js.publish(
                spec_for(command.type).subject,
                command.model_dump_json().encode(),
                timeout=PUBLISH_TIMEOUT_S,
                headers={"Nats-Msg-Id": message_id(command)},
            )
            return bool(ack.duplicate)

    t0 = time.perf_counter()
    duplicates = sum(await asyncio.gather(*(one(c) for c in commands)))
    return Published([c.command_id for c in commands], duplicates, time.perf_counter() - t0)
