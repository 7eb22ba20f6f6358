"""GET /v1/commands/{id} gives every id a final answer: 404 for ids that are not UUIDs, were
never sent or are someone else's; 202 only while commands are genuinely on their way."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import nats
import pytest
from nats.js import JetStreamContext

from bus.subjects import COMMANDS_STREAM
from tests.support.helpers import Account, Stack, eventually

pytestmark = pytest.mark.integration
EXPENSE = {"amount": "3.10", "currency": "EUR", "date": "2026-11-20", "description": "tea"}
SETTLE_S = 60.0  # commands of earlier tests may still be in flight: an unknown id waits for them


@pytest.fixture
async def js(stack: Stack) -> AsyncIterator[JetStreamContext]:
    client = await nats.connect(stack.settings.nats_url)
    yield client.jetstream()
    await client.close()


async def _status(stack: Stack, account: Account, command_id: str) -> tuple[int, Any]:
    return await stack.call("GET", f"/v1/commands/{command_id}", account)


async def _final_404(stack: Stack, account: Account, command_id: str) -> dict[str, Any]:
    """The answer once nothing is in flight: never 200 here, 202 only until then."""

    async def settled() -> dict[str, Any] | None:
        status, body = await _status(stack, account, command_id)
        assert status in (202, 404), body
        return body if status == 404 else None  # type: ignore[no-any-return]

    return await eventually(settled, timeout_s=SETTLE_S, every_s=0.2)


@pytest.mark.parametrize("bad", ["not-a-uuid", "123", "x" * 80, "g" * 32])
async def test_a_malformed_id_is_404_problem(stack: Stack, bad: str) -> None:
    ada = await stack.signup("Ada")
    async with stack.http.get(f"/v1/commands/{bad}", headers=ada.headers) as resp:
        assert resp.status == 404
        assert resp.content_type == "application/problem+json"
        assert (await resp.json())["code"] == "not_found"


async def test_an_id_never_sent_is_404_once_nothing_is_in_flight(stack: Stack) -> None:
    ada = await stack.signup("Ada")

    problem = await _final_404(stack, ada, str(uuid.uuid4()))

    assert problem["code"] == "not_found"


async def test_your_command_has_its_outcome_and_someone_elses_is_404(stack: Stack) -> None:
    ada, bob = await stack.signup("Ada"), await stack.signup("Bob")
    async with stack.http.post(
        "/v1/expenses",
        json=EXPENSE,
        headers={**ada.headers, "Idempotency-Key": str(uuid.uuid4())},
    ) as resp:
        assert resp.status == 201, await resp.text()
        command_id = resp.headers["X-Command-Id"]
        created = await resp.json()

    status, body = await _status(stack, ada, command_id)
    assert (status, body["status"]) == (200, "accepted")
    assert body["outcome"]["entity"]["id"] == created["id"]
    assert (await _status(stack, ada, command_id.upper()))[0] == 200  # any spelling of it
    assert (await _final_404(stack, bob, command_id))["code"] == "not_found"


async def test_a_command_on_its_way_is_202_then_its_outcome(
    stack: Stack, js: JetStreamContext
) -> None:
    """The expenses actor's command consumer paused: the command waits in the stream."""
    ada, bob = await stack.signup("Ada"), await stack.signup("Bob")
    until = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert (await js.pause_consumer(COMMANDS_STREAM, "expenses", until)).paused
    try:
        async with stack.http.post(
            "/v1/expenses", json=EXPENSE, headers={**ada.headers, "Prefer": "respond-async"}
        ) as resp:
            assert resp.status == 202, await resp.text()
            command_id = (await resp.json())["command_id"]

        status, body = await _status(stack, ada, command_id)
        assert (status, body["status"]) == (202, "pending")
        assert (await _status(stack, bob, command_id))[0] == 202  # nobody learns whose it is
    finally:
        await js.resume_consumer(COMMANDS_STREAM, "expenses")

    async def applied() -> dict[str, Any] | None:
        status, body = await _status(stack, ada, command_id)
        assert status in (200, 202), body
        return body if status == 200 else None  # type: ignore[no-any-return]

    assert (await eventually(applied, timeout_s=SETTLE_S))["status"] == "accepted"
