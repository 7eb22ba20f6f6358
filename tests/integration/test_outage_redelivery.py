"""A database outage longer than `consumer_max_deliver` attempts delays a command; it never drops it.

Runs a real actor (FastStream consumer on the real COMMANDS stream, real MongoDB) whose handler
fails like an unreachable database for more deliveries than the dead-letter threshold.
"""

from __future__ import annotations

import uuid

import pytest
from pymongo.errors import AutoReconnect

from actors.app import ActorProcess
from actors.handling import handlers, on
from actors.kernel import ActorDefinition, Decision
from actors.work import Work
from bus.client import build_command, message_id
from bus.envelopes import Command
from bus.expense_commands import CreateExpense
from bus.settings import Settings
from storage.database import Database
from storage.documents import DeadLetter, ProcessedCommand
from tests.support.helpers import Stack, eventually

pytestmark = pytest.mark.integration


async def test_commands_outlive_an_outage_longer_than_the_dead_letter_threshold(
    settings: Settings, database: Database, stack: Stack
) -> None:
    outage_deliveries = settings.consumer_max_deliver + 2
    calls: list[str] = []

    async def unreachable_then_fine(
        command: Command, payload: CreateExpense, work: Work
    ) -> Decision:
        calls.append(command.command_id)
        if len(calls) <= outage_deliveries:
            raise AutoReconnect("connection refused")  # how an unreachable database surfaces
        return Decision(True)

    name = f"outage{uuid.uuid4().hex[:6]}"
    actor = ActorProcess(
        ActorDefinition(name, handlers(on(CreateExpense, unreachable_then_fine))),
        settings,
        database,
    )
    await actor.start()
    try:
        command = build_command(
            "expense.create",
            {"amount": "1.00", "currency": "EUR", "date": "2026-11-20"},
            issuer=str(uuid.uuid4()),
        )
        js = actor.broker.connection.jetstream()
        await js.publish(
            f"cmd.{name}.expense_create",
            command.model_dump_json().encode(),
            headers={"Nats-Msg-Id": message_id(command)},
        )
        applied = await eventually(lambda: ProcessedCommand.get(command.command_id), timeout_s=90)
        assert applied.outcome["status"] == "accepted"
        assert len(calls) == outage_deliveries + 1
        assert await DeadLetter.find_one(DeadLetter.command_id == command.command_id) is None
        assert (await js.consumer_info("COMMANDS", name)).config.max_deliver == -1
    finally:
        await actor.stop()
