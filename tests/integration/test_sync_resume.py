"""Resume over Socket.IO: after a reconnect a device gets every event it missed, then the live
ones, in order, with no gap and no duplicate between them — also when the socket dies in the
middle of its catch-up while another client writes as fast as it can."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from tests.support.helpers import Account, Stack, eventually
from tests.support.sockets import Device, open_device

pytestmark = pytest.mark.integration


def _create(amount: str = "1.00") -> dict[str, Any]:
    return {
        "command_id": str(uuid.uuid4()),
        "type": "expense.create",
        "payload": {
            "id": str(uuid.uuid4()),
            "amount": amount,
            "currency": "EUR",
            "date": "2026-11-21",
        },
    }


async def _fill(stack: Stack, who: Account, count: int) -> None:
    for start in range(0, count, 100):
        batch = [_create() for _ in range(min(100, count - start))]
        status, body = await stack.call("POST", "/v1/sync/commands", who, json={"commands": batch})
        assert status == 200, body


async def _head(stack: Stack, who: Account) -> int:
    _, heads = await stack.call("GET", "/v1/sync/heads", who)
    return int(heads["scopes"][f"user:{who.id}"])


def _seqs(device: Device, scope: str) -> list[int]:
    return [
        data["seq"]
        for _name, data in device.events
        if isinstance(data, dict) and data.get("scope") == scope and "seq" in data
    ]


async def _resume(device: Device, scope: str, after: int) -> dict[str, Any]:
    ack: dict[str, Any] = await device.client.call(
        "sync.resume", {"scopes": {scope: after}}, timeout=60
    )
    return ack


async def test_resume_sends_what_was_missed_then_live_events(stack: Stack) -> None:
    ada = await stack.signup()
    scope = f"user:{ada.id}"
    await _fill(stack, ada, 20)
    device = await open_device(stack.base_url, ada.access_token, resume=True)
    try:
        ack = await _resume(device, scope, 5)
        assert ack["status"] == "done", ack
        head = ack["scopes"][scope]
        assert _seqs(device, scope) == list(range(6, head + 1))
        await _fill(stack, ada, 3)

        async def live() -> bool:
            return _seqs(device, scope)[-1:] == [head + 3]

        await eventually(live)
        assert _seqs(device, scope) == list(range(6, head + 4))
        refused = await device.client.call(
            "sync.resume", {"scopes": {f"user:{uuid.uuid4()}": 0}}, timeout=20
        )
        assert refused["errors"]  # someone else's scope is not followed
        bad = await device.client.call("sync.resume", {"scopes": {scope: -1}}, timeout=20)
        assert bad["status"] == "rejected"
        ahead = await open_device(stack.base_url, ada.access_token, resume=True)
        try:
            ack = await _resume(ahead, scope, head + 1000)  # a device ahead of the log
            assert ack["scopes"][scope] == head + 3
            await _fill(stack, ada, 1)

            async def still_live() -> bool:
                return _seqs(ahead, scope) == [head + 4]

            await eventually(still_live)
        finally:
            await ahead.close()
    finally:
        await device.close()


async def test_a_socket_killed_mid_catch_up_resumes_without_gaps_or_duplicates(
    stack: Stack,
) -> None:
    ada = await stack.signup()
    scope = f"user:{ada.id}"
    await _fill(stack, ada, 300)
    stop = asyncio.Event()
    written: list[dict[str, Any]] = []

    async def writer() -> None:
        """Another client writing meanwhile, as fast as the write allowance lets one person: a
        command at most every 1/``writes_per_user_s`` seconds never finds the bucket empty (the
        fill left ``writes_burst - 300`` tokens), however slow or fast this machine is."""
        pace = 1 / stack.settings.writes_per_user_s
        while not stop.is_set():
            status, body = await stack.call(
                "POST", "/v1/sync/commands", ada, json={"commands": [_create("2.00")]}
            )
            assert status == 200, body
            written.extend(body["results"])
            await asyncio.sleep(pace)

    writing = asyncio.create_task(writer())
    try:
        first = await open_device(stack.base_url, ada.access_token, resume=True)
        resumed = asyncio.create_task(_resume(first, scope, 0))

        async def some() -> bool:
            return len(_seqs(first, scope)) >= 100

        await eventually(some)
        await first.client.disconnect()  # dies in the middle of its catch-up
        resumed.cancel()  # its answer will never come: the socket is gone
        await asyncio.gather(resumed, return_exceptions=True)
        got = _seqs(first, scope)
        assert got == list(range(1, len(got) + 1))  # what arrived did so in order
        second = await open_device(stack.base_url, ada.access_token, resume=True)
        ack = await _resume(second, scope, got[-1])
        assert ack["status"] == "done", ack
        at_ack = len(written)
        await eventually(lambda: _more_written(written, at_ack + 10), timeout_s=60)
    finally:
        stop.set()
        await writing
    try:
        for result in written:  # every write committed before the head is read
            if result["status"] == "pending":
                await eventually(lambda r=result: _settled(stack, ada, r), timeout_s=60)
        head = await _head(stack, ada)

        async def caught_up() -> bool:  # up to the head or past it (a flag may come later)
            return bool(_seqs(second, scope)) and _seqs(second, scope)[-1] >= head

        await eventually(caught_up, timeout_s=60)
        seqs = _seqs(second, scope)
        assert seqs == list(range(got[-1] + 1, seqs[-1] + 1))  # no gap, no duplicate
    finally:
        await second.close()


async def _more_written(written: list[dict[str, Any]], at_least: int) -> bool:
    return len(written) >= at_least


async def _settled(stack: Stack, who: Account, result: dict[str, Any]) -> bool:
    status, _ = await stack.call("GET", f"/v1/commands/{result['command_id']}", who)
    return status != 202
