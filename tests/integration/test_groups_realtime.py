"""Group events over Socket.IO: members' devices follow the group's room as membership changes."""

from __future__ import annotations

import asyncio

import pytest

from tests.support.group_helpers import add_bill, equal_bill, make_group
from tests.support.helpers import Stack, eventually
from tests.support.sockets import Device, open_device

pytestmark = pytest.mark.integration


async def test_group_events_follow_membership_at_once(stack: Stack) -> None:
    ada, bob, cy = await stack.signup("Ada"), await stack.signup("Bob"), await stack.signup("Cy")
    group = await make_group(stack, ada, bob)
    gid, scope = group["id"], f"group:{group['id']}"
    ada_phone = await open_device(stack.base_url, ada.access_token)
    bob_phone = await open_device(stack.base_url, bob.access_token)
    bob_tablet = await open_device(stack.base_url, bob.access_token)
    cy_phone = await open_device(stack.base_url, cy.access_token)
    try:
        first = await add_bill(stack, ada, gid, equal_bill("12.00", ada, [ada, bob]))
        for device in (ada_phone, bob_phone, bob_tablet):
            created = await device.wait_for("group_expense.created")
            assert created[0]["data"]["entity"]["id"] == first["id"]
            assert created[0]["scope"] == scope
        # Cy joins: told in Cy's own scope, and Cy's open socket gets the group's events at once.
        status, _ = await stack.call(
            "POST", f"/v1/groups/{gid}/members", ada, json={"email": cy.email}
        )
        assert status == 200
        await eventually(lambda: _told(cy_phone, "group.member_added", f"user:{cy.id}"))

        # It is delivered after Cy's socket joined the group's room: the next bill reaches it.
        second = await add_bill(stack, ada, gid, equal_bill("3.00", ada, [ada, cy]))
        await eventually(lambda: _has(cy_phone, second["id"]))
        assert not await _has(cy_phone, first["id"])
        # Bob is removed: both his sockets leave the room before anything else happens there.
        await stack.call(
            "POST",
            f"/v1/groups/{gid}/settlements",
            bob,
            json={"from_user": bob.id, "to_user": ada.id, "amount": "6.00", "currency": "EUR"},
        )
        status, body = await stack.call("DELETE", f"/v1/groups/{gid}/members/{bob.id}", ada)
        assert status == 200, body
        for device in (bob_phone, bob_tablet):
            await eventually(lambda d=device: _told(d, "group.member_removed", f"user:{bob.id}"))
        # Delivered after Bob's sockets left the room: nothing of the group reaches them now.
        later = await add_bill(stack, ada, gid, equal_bill("8.00", ada, [ada, cy]))
        await eventually(lambda: _has(cy_phone, later["id"]))
        await eventually(lambda: _has(ada_phone, later["id"]))
        for device in (bob_phone, bob_tablet):
            ids = [e["data"]["entity"]["id"] for e in device.received("group_expense.created")]
            assert later["id"] not in ids
    finally:
        for device in (ada_phone, bob_phone, bob_tablet, cy_phone):
            await device.close()


async def _told(device: Device, event_type: str, scope: str) -> bool:
    return any(e["scope"] == scope for e in device.received(event_type))


async def _has(device: Device, entity_id: str) -> bool:
    return entity_id in [
        e["data"]["entity"]["id"] for e in device.received("group_expense.created")
    ]


async def test_a_reminder_reaches_only_the_debtors_devices(stack: Stack) -> None:
    ada, bob = await stack.signup("Ada"), await stack.signup("Bob")
    group = await make_group(stack, ada, bob)
    gid = group["id"]
    await add_bill(stack, ada, gid, equal_bill("50.00", ada, [ada, bob]))
    ada_phone = await open_device(stack.base_url, ada.access_token)
    bob_phone = await open_device(stack.base_url, bob.access_token)
    try:
        status, reminder = await stack.call(
            "POST", f"/v1/groups/{gid}/reminders", ada, json={"user_id": bob.id, "note": "rent!"}
        )
        assert status == 200, reminder
        assert reminder["owes"] == [{"currency": "EUR", "amount": "25.00"}]
        got = await bob_phone.wait_for("reminder.sent")
        assert got[0]["scope"] == f"user:{bob.id}"
        assert got[0]["data"]["entity"]["note"] == "rent!"
        assert got[0]["data"]["entity"]["pay"] == [
            {"to": ada.id, "amount": "25.00", "currency": "EUR"}
        ]
        status, body = await stack.call(
            "POST", f"/v1/groups/{gid}/reminders", bob, json={"user_id": ada.id}
        )
        assert (status, body["code"]) == (409, "nothing_owed"), body  # Ada owes nothing
        await asyncio.sleep(0.3)
        assert ada_phone.received("reminder.sent") == []
    finally:
        await ada_phone.close()
        await bob_phone.close()


async def test_invites_are_made_and_accepted_over_http_only(stack: Stack) -> None:
    ada, eve = await stack.signup("Ada"), await stack.signup("Eve")
    group = await make_group(stack, ada)
    phone = await open_device(stack.base_url, eve.access_token)
    try:
        for command_type, payload in (
            ("invite.accept", {"group_id": group["id"], "token_hash": "0" * 64}),
            ("invite.create", {"group_id": group["id"], "token_hash": "1" * 64}),
        ):
            ack = await phone.command({"type": command_type, "payload": payload})
            assert ack["status"] == "rejected", ack
    finally:
        await phone.close()
