"""Wiring tests: the actors' FastStream routers on the in-memory TestNatsBroker, and AsyncAPI.

TestNatsBroker routes a publish to every subscriber whose subject (and stream, when the publish
names one) matches, pull subscribers included: a non-batch pull subscriber gets the message
itself, as if it had fetched it. It does not model consumers, acks or redelivery, which the
integration tests cover on a real nats-server.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from faststream import AckPolicy
from faststream.nats import NatsBroker, NatsMessage, TestNatsBroker

from actors.app import actor_router
from actors.registry import ACTORS
from bus.client import build_command
from bus.settings import Settings
from bus.subjects import COMMANDS_STREAM, EVENTS_STREAM, command_subject, event_subject
from deploy.asyncapi import asyncapi_document


@dataclass
class RecordingSubmit:
    """A hand-written stand-in for the applier's submit: keeps every message it is given."""

    messages: list[NatsMessage] = field(default_factory=list)

    async def __call__(self, msg: NatsMessage) -> None:
        self.messages.append(msg)

    @property
    def received(self) -> list[tuple[str, bytes]]:
        return [(m.raw_message.subject, bytes(m.raw_message.data)) for m in self.messages]


@dataclass
class Wired:
    broker: NatsBroker
    submit: RecordingSubmit


@pytest.fixture
async def expenses() -> AsyncIterator[Wired]:
    submit = RecordingSubmit()
    broker = NatsBroker()
    broker.include_router(actor_router(ACTORS["expenses"], Settings(), submit))
    async with TestNatsBroker(broker) as test_broker:
        yield Wired(test_broker, submit)


def _command_bytes() -> bytes:
    command = build_command(
        "expense.create",
        {"amount": "12.30", "currency": "EUR", "date": "2026-11-20"},
        issuer="u1",
    )
    return command.model_dump_json().encode()


async def test_command_for_the_actor_reaches_submit_with_its_raw_body(expenses: Wired) -> None:
    body = _command_bytes()
    subject = command_subject("expenses", "expense.create")
    await expenses.broker.publish(body, subject)
    assert [("cmd.expenses.expense_create", body)] == expenses.submit.received


async def test_undecodable_command_still_reaches_submit_so_it_can_be_dead_lettered(
    expenses: Wired,
) -> None:
    poison = b"\xff{ not json"
    await expenses.broker.publish(poison, "cmd.expenses.expense_create")
    assert [("cmd.expenses.expense_create", poison)] == expenses.submit.received


async def test_command_of_another_actor_does_not_reach_the_expenses_actor(
    expenses: Wired,
) -> None:
    await expenses.broker.publish(b"{}", command_subject("accounts", "user.register"))
    await expenses.broker.publish(b"{}", "cmd.expenses.expense_create.extra")
    assert expenses.submit.received == []


async def test_command_published_on_the_commands_stream_reaches_submit_and_on_events_does_not(
    expenses: Wired,
) -> None:
    await expenses.broker.publish(b"a", "cmd.expenses.trip_create", stream=COMMANDS_STREAM)
    await expenses.broker.publish(b"b", "cmd.expenses.trip_create", stream=EVENTS_STREAM)
    assert expenses.submit.received == [("cmd.expenses.trip_create", b"a")]


async def test_user_registered_event_reaches_the_expenses_reaction(expenses: Wired) -> None:
    subject = event_subject("user:u1", "user.registered")
    await expenses.broker.publish(b'{"event": 1}', subject, stream=EVENTS_STREAM)
    assert expenses.submit.received == [("evt.user.u1.user.registered", b'{"event": 1}')]


async def test_events_the_actor_does_not_react_to_do_not_reach_it(expenses: Wired) -> None:
    await expenses.broker.publish(b"{}", event_subject("user:u1", "expense.created"))
    await expenses.broker.publish(b"{}", event_subject("user:u1", "user.updated"))
    assert expenses.submit.received == []


async def test_subscribers_leave_the_ack_to_the_applier(expenses: Wired) -> None:
    await expenses.broker.publish(_command_bytes(), "cmd.expenses.expense_create")
    await expenses.broker.publish(b"{}", "evt.user.u1.user.registered")
    assert [m.committed for m in expenses.submit.messages] == [None, None]


def test_expenses_router_declares_one_durable_consumer_per_subscription() -> None:
    async def submit(msg: NatsMessage) -> None:
        raise AssertionError("never called")

    router = actor_router(ACTORS["expenses"], Settings(), submit)
    declared: set[tuple[Any, ...]] = {
        (
            sub.stream.name,
            sub.config.filter_subject,
            sub.config.durable_name,
            sub.ack_policy,
        )
        for sub in router.subscribers
    }
    assert {
        (COMMANDS_STREAM, "cmd.expenses.*", "expenses", AckPolicy.MANUAL),
        (EVENTS_STREAM, "evt.*.*.user.registered", "expenses--user-registered", AckPolicy.MANUAL),
        (EVENTS_STREAM, "evt.*.*.rates.updated", "expenses--rates-updated", AckPolicy.MANUAL),
        (EVENTS_STREAM, "evt.*.*.receipt.scanned", "expenses--receipt-scanned", AckPolicy.MANUAL),
        (EVENTS_STREAM, "evt.*.*.user.deleted", "expenses--user-deleted", AckPolicy.MANUAL),
    } == declared


# ---- AsyncAPI -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def asyncapi() -> dict[str, Any]:
    return asyncapi_document(Settings())


def test_asyncapi_names_every_actors_command_channel(asyncapi: dict[str, Any]) -> None:
    addresses = {channel["address"] for channel in asyncapi["channels"].values()}
    assert {f"cmd.{name}.*" for name in ACTORS} <= addresses


def test_asyncapi_names_every_reaction_channel(asyncapi: dict[str, Any]) -> None:
    addresses = {channel["address"] for channel in asyncapi["channels"].values()}
    reactions = {
        f"evt.*.*.{event_type}" for actor in ACTORS.values() for event_type in actor.reactions
    }
    assert reactions <= addresses


def test_asyncapi_carries_the_command_and_event_schemas(asyncapi: dict[str, Any]) -> None:
    schemas = asyncapi["components"]["schemas"]
    assert {"Command", "Event"} <= set(schemas)
    assert {"command_id", "type", "actor", "payload", "body_hash"} <= set(
        schemas["Command"]["properties"]
    )
    assert {"event_id", "type", "scope", "seq", "data"} <= set(schemas["Event"]["properties"])


def test_asyncapi_command_channels_carry_commands_and_reaction_channels_events(
    asyncapi: dict[str, Any],
) -> None:
    payload_of_address: dict[str, str] = {}
    messages = asyncapi["components"]["messages"]
    for name, channel in asyncapi["channels"].items():
        (message_name,) = [m for m in messages if m.startswith(f"{name}:")]
        payload_of_address[channel["address"]] = messages[message_name]["payload"]["$ref"]
    assert payload_of_address["cmd.expenses.*"] == "#/components/schemas/Command"
    assert payload_of_address["cmd.accounts.*"] == "#/components/schemas/Command"
    assert payload_of_address["evt.*.*.user.registered"] == "#/components/schemas/Event"
