"""Offline sync over HTTP and Socket.IO: batches of device commands, the change feed, heads and
snapshots, against the running stack."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from tests.support.group_helpers import equal_bill, make_group
from tests.support.helpers import Account, Stack
from tests.support.sockets import open_device

pytestmark = pytest.mark.integration


def lunch(expense_id: str, amount: str = "12.30") -> dict[str, Any]:
    return {
        "command_id": str(uuid.uuid4()),
        "type": "expense.create",
        "payload": {
            "id": expense_id,
            "amount": amount,
            "currency": "EUR",
            "date": "2026-11-20",
            "description": "lunch",
        },
        "made_at": "2026-11-20T12:00:00+01:00",
    }


async def sync(stack: Stack, who: Account, commands: list[dict[str, Any]]) -> list[dict[str, Any]]:
    status, body = await stack.call("POST", "/v1/sync/commands", who, json={"commands": commands})
    assert status == 200, body
    return body["results"]  # type: ignore[no-any-return]


async def test_a_batch_applies_in_order_and_one_bad_command_stops_nothing(stack: Stack) -> None:
    ada = await stack.signup()
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    batch = [
        lunch(first),
        {
            "command_id": str(uuid.uuid4()),
            "type": "expense.update",
            "expected_version": 1,
            "payload": {"id": first, "description": "late lunch"},
        },
        {"command_id": str(uuid.uuid4()), "type": "expense.teleport", "payload": {}},
        {"command_id": str(uuid.uuid4()), "type": "expense.create", "payload": {"amount": -1}},
        {
            "command_id": str(uuid.uuid4()),
            "type": "expense.update",
            "expected_version": 7,
            "payload": {"id": first, "description": "stale"},
        },
        lunch(second, "3.00"),
        {"type": "expense.delete", "payload": {"id": second}},
    ]
    results = await sync(stack, ada, batch)
    assert [r["status"] for r in results] == [
        "accepted",
        "accepted",
        "rejected",
        "rejected",
        "rejected",
        "accepted",
        "rejected",
    ]
    assert [r["index"] for r in results] == list(range(7))
    assert results[1]["entity"]["description"] == "late lunch"
    assert results[1]["version"] == 2
    assert results[4]["code"] == "conflict"
    assert results[4]["entity"]["description"] == "late lunch"  # the current expense
    assert results[6]["errors"][0]["loc"] == ["command_id"]
    assert results[0]["entity"]["made_at"] == "2026-11-20T12:00:00+01:00"  # shown as sent
    again = await sync(stack, ada, batch)
    assert again == results  # the same batch: the same results, nothing applied twice
    _status, listed = await stack.call("GET", "/v1/expenses", ada)
    assert sorted(e["id"] for e in listed["items"]) == sorted([first, second])


async def test_batch_limits_and_reused_ids(stack: Stack) -> None:
    ada = await stack.signup()
    too_many = [lunch(str(uuid.uuid4())) for _ in range(101)]
    status, body = await stack.call("POST", "/v1/sync/commands", ada, json={"commands": too_many})
    assert status == 422
    assert "at most 100" in body["detail"]
    command = lunch(str(uuid.uuid4()))
    await sync(stack, ada, [command])
    changed = {**command, "payload": {**command["payload"], "amount": "99.00"}}
    [result] = await sync(stack, ada, [changed])
    assert (result["status"], result["code"]) == ("rejected", "idempotency_mismatch")


async def test_a_removed_members_queued_group_edits_are_refused(stack: Stack) -> None:
    ada, bob = await stack.signup("Ada"), await stack.signup("Bob")
    group = await make_group(stack, ada, bob)
    gid = group["id"]
    status, _ = await stack.call("DELETE", f"/v1/groups/{gid}/members/{bob.id}", ada)
    assert status == 200
    queued = {
        "command_id": str(uuid.uuid4()),
        "type": "group_expense.create",
        "payload": {"group_id": gid, **equal_bill("10.00", bob, [ada, bob])},
    }
    [result] = await sync(stack, bob, [queued])
    assert (result["status"], result["code"]) == ("rejected", "not_found")


async def test_the_change_feed_is_ordered_without_gaps_and_long_polls(stack: Stack) -> None:
    ada, eve = await stack.signup(), await stack.signup("Eve")
    scope = f"user:{ada.id}"
    # five different lunches (five alike would be duplicates, and their flags events of the scope)
    await sync(stack, ada, [lunch(str(uuid.uuid4()), f"12.3{n}") for n in range(5)])
    status, heads = await stack.call("GET", "/v1/sync/heads", ada)
    head = heads["scopes"][scope]
    assert head >= 5
    seen: list[int] = []
    after = 0
    while True:
        status, page = await stack.call(
            "GET",
            "/v1/sync/changes",
            ada,
            params={"scope": scope, "after": str(after), "limit": "3"},
        )
        assert status == 200, page
        if not page["events"]:
            break
        seen += [e["seq"] for e in page["events"]]
        after = page["next_after"]
    assert seen == list(range(1, head + 1))
    status, page = await stack.call(
        "GET", "/v1/sync/changes", ada, params={"scope": scope, "after": str(head + 50)}
    )
    assert (status, page["events"]) == (200, [])
    for bad in ("-1", "abc", "1.5"):
        status, _ = await stack.call(
            "GET", "/v1/sync/changes", ada, params={"scope": scope, "after": bad}
        )
        assert status == 422, bad
    status, _ = await stack.call("GET", "/v1/sync/changes", eve, params={"scope": scope})
    assert status == 404
    status, _ = await stack.call("GET", "/v1/sync/changes", ada, params={"scope": "system:rates"})
    assert status == 422

    async def later() -> None:
        await asyncio.sleep(0.5)
        await sync(stack, ada, [lunch(str(uuid.uuid4()), "1.00")])

    writer = asyncio.create_task(later())
    status, page = await stack.call(
        "GET", "/v1/sync/changes", ada, params={"scope": scope, "after": str(head), "wait": "30"}
    )
    await writer
    assert status == 200
    assert page["events"][0]["seq"] == head + 1
    assert page["events"][0]["type"] == "expense.created"


async def test_a_snapshot_is_the_state_at_its_seq(stack: Stack) -> None:
    ada, bob = await stack.signup("Ada"), await stack.signup("Bob")
    await sync(stack, ada, [lunch(str(uuid.uuid4())), lunch(str(uuid.uuid4()), "4.00")])
    status, snap = await stack.call(
        "GET", "/v1/sync/snapshot", ada, params={"scope": f"user:{ada.id}"}
    )
    assert status == 200, snap
    status, heads = await stack.call("GET", "/v1/sync/heads", ada)
    assert snap["seq"] == heads["scopes"][f"user:{ada.id}"]
    assert sorted(e["amount"] for e in snap["state"]["expenses"]) == ["12.30", "4.00"]
    assert snap["state"]["user"]["id"] == ada.id
    assert len(snap["state"]["categories"]) == 11
    group = await make_group(stack, ada, bob)
    status, snap = await stack.call(
        "GET", "/v1/sync/snapshot", bob, params={"scope": f"group:{group['id']}"}
    )
    assert status == 200, snap
    assert snap["state"]["group"]["id"] == group["id"]
    assert snap["seq"] >= 1
    status, _ = await stack.call(
        "GET", "/v1/sync/snapshot", bob, params={"scope": f"user:{ada.id}"}
    )
    assert status == 404


async def test_a_batch_over_the_socket(stack: Stack) -> None:
    ada = await stack.signup()
    phone = await open_device(stack.base_url, ada.access_token)
    try:
        batch = [lunch(str(uuid.uuid4())), {"command_id": "x", "type": "nope", "payload": {}}]
        ack = await phone.client.call("sync.commands", batch, timeout=20)
        assert ack["status"] == "done", ack
        assert [r["status"] for r in ack["results"]] == ["accepted", "rejected"]
        again = await phone.client.call("sync.commands", batch, timeout=20)
        assert again == ack
        bad = await phone.client.call("sync.commands", {"not": "a list"}, timeout=20)
        assert bad["status"] == "rejected"
    finally:
        await phone.close()


async def test_odd_items_are_refused_one_by_one(stack: Stack) -> None:
    ada = await stack.signup()
    far = {**lunch(str(uuid.uuid4())), "made_at": "9999-12-31T23:59:00-23:00"}
    results = await sync(stack, ada, ["not an object", far, lunch(str(uuid.uuid4()))])
    assert [r["status"] for r in results] == ["rejected", "rejected", "accepted"]
    assert results[1]["command_id"] == far["command_id"]
    status, _ = await stack.call(
        "GET",
        "/v1/sync/changes",
        ada,
        params={"scope": f"user:{ada.id}", "after": str(2**63)},
    )
    assert status == 422
