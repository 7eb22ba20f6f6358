"""Two devices of one person go offline, make conflicting and independent changes, and come
back in either order: both end with the server's state, built from a snapshot and the feed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.support.helpers import Account, Stack

pytestmark = pytest.mark.integration


@dataclass
class Phone:
    """A device's local store: expenses by id, and the last `seq` of the scope it applied."""

    stack: Stack
    account: Account
    expenses: dict[str, dict[str, Any]] = field(default_factory=dict)
    seq: int = 0
    outbox: list[dict[str, Any]] = field(default_factory=list)

    @property
    def scope(self) -> str:
        return f"user:{self.account.id}"

    async def start(self) -> None:
        status, snap = await self.stack.call(
            "GET", "/v1/sync/snapshot", self.account, params={"scope": self.scope}
        )
        assert status == 200, snap
        self.expenses = {e["id"]: e for e in snap["state"]["expenses"]}
        self.seq = snap["seq"]

    def queue(self, command_type: str, payload: dict[str, Any], version: int | None = None) -> None:
        item: dict[str, Any] = {
            "command_id": str(uuid.uuid4()),
            "type": command_type,
            "payload": payload,
        }
        if version is not None:
            item["expected_version"] = version
        self.outbox.append(item)

    async def reconnect(self) -> list[dict[str, Any]]:
        """Send the queued commands, then follow the feed from the last `seq` applied."""
        status, body = await self.stack.call(
            "POST", "/v1/sync/commands", self.account, json={"commands": self.outbox}
        )
        assert status == 200, body
        self.outbox = []
        while True:
            status, page = await self.stack.call(
                "GET",
                "/v1/sync/changes",
                self.account,
                params={"scope": self.scope, "after": str(self.seq), "limit": "50"},
            )
            assert status == 200, page
            for event in page["events"]:
                assert event["seq"] == self.seq + 1  # no gap, no repeat
                self.seq = event["seq"]
                entity = event["data"].get("entity") or {}
                if not event["type"].startswith("expense."):
                    continue
                held = self.expenses.get(entity["id"])
                if held is not None and held["version"] >= entity["version"]:
                    continue  # already newer here: applied by version
                if event["type"].endswith(".deleted"):  # a tombstone
                    self.expenses.pop(entity["id"], None)
                else:
                    self.expenses[entity["id"]] = entity
            if not page["events"]:
                return body["results"]  # type: ignore[no-any-return]


def _expense(expense_id: str, amount: str) -> dict[str, Any]:
    return {"id": expense_id, "amount": amount, "currency": "EUR", "date": "2026-11-21"}


@pytest.mark.parametrize("first", ["phone", "tablet"])
async def test_two_devices_offline_converge_on_the_servers_state(stack: Stack, first: str) -> None:
    ada = await stack.signup()
    phone, tablet = Phone(stack, ada), Phone(stack, ada)
    shared, doomed, both_delete = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    setup = Phone(stack, ada)
    for expense_id in (shared, doomed, both_delete):
        setup.queue("expense.create", _expense(expense_id, "10.00"))
    await setup.reconnect()
    await phone.start()
    await tablet.start()
    # Offline: both edit `shared` (update vs update), the phone edits `doomed` while the tablet
    # deletes it (update vs delete), both delete `both_delete` (delete vs delete), and each
    # creates something of its own.
    mine, theirs = str(uuid.uuid4()), str(uuid.uuid4())
    phone.queue("expense.update", {"id": shared, "description": "phone"}, version=1)
    phone.queue("expense.update", {"id": doomed, "description": "kept?"}, version=1)
    phone.queue("expense.delete", {"id": both_delete}, version=1)
    phone.queue("expense.create", _expense(mine, "1.00"))
    tablet.queue("expense.update", {"id": shared, "description": "tablet"}, version=1)
    tablet.queue("expense.delete", {"id": doomed}, version=1)
    tablet.queue("expense.delete", {"id": both_delete}, version=1)
    tablet.queue("expense.create", _expense(theirs, "2.00"))
    early, late = (phone, tablet) if first == "phone" else (tablet, phone)
    early_results = await early.reconnect()
    late_results = await late.reconnect()
    assert [r["status"] for r in early_results] == ["accepted"] * 4
    codes = [r.get("code") for r in late_results]
    # update vs update: the later one is stale (conflict, with the current entity), and the
    # device takes the server's. update, then delete: the delete is stale (conflict). delete,
    # then update: the entity is gone (not_found). delete vs delete: gone already (not_found).
    assert codes[0] == "conflict"
    assert late_results[0]["entity"]["description"] == ("phone" if early is phone else "tablet")
    assert codes[1] == ("conflict" if early is phone else "not_found")
    assert codes[2] == "not_found"
    assert codes[3] is None
    await early.reconnect()  # picks up what the late device did
    _status, snap = await stack.call(
        "GET", "/v1/sync/snapshot", ada, params={"scope": f"user:{ada.id}"}
    )
    server = {e["id"]: e for e in snap["state"]["expenses"]}
    assert phone.expenses == tablet.expenses == server
    assert phone.seq == tablet.seq == snap["seq"]
    assert {mine, theirs, shared} <= set(server)
    assert both_delete not in server
