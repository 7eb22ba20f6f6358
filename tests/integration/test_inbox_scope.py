"""A person's inbox is a scope of its own (``inbox:<id>``): its items, push devices and
preferences are numbered there, not in ``user:<id>``, so the notifications actor never takes the
`seq` counter that the expenses and budgets actors take for the same person. A device syncs it
like any other scope: its heads, its change feed, its snapshot and a resume over the socket;
nobody else can read it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.budget_helpers import make_budget, spend
from tests.support.helpers import Account, Stack, eventually
from tests.support.sockets import open_device

pytestmark = pytest.mark.integration


async def _feed(stack: Stack, who: Account, scope: str) -> list[dict[str, Any]]:
    status, page = await stack.call(
        "GET", "/v1/sync/changes", who, params={"scope": scope, "after": "0", "limit": "1000"}
    )
    assert status == 200, page
    return page["events"]  # type: ignore[no-any-return]


async def _overrun(stack: Stack, ada: Account) -> list[dict[str, Any]]:
    """Two items for Ada (80% and 100% of a budget crossed at once), as her inbox feed has them."""
    await make_budget(stack, ada, "100.00", thresholds=[80, 100])
    await spend(stack, ada, "120.00")

    async def two() -> list[dict[str, Any]] | None:
        feed = await _feed(stack, ada, f"inbox:{ada.id}")
        created = [e for e in feed if e["type"] == "notification.created"]
        return created if len(created) == 2 else None

    return await eventually(two)


async def test_the_inbox_has_its_own_numbered_feed_and_snapshot(stack: Stack) -> None:
    ada = await stack.signup("Ada")
    device = {
        "provider": "fcm",
        "token": "dXyz0123abcd:APA91bF8h0mE-fQjXoRZ5c1c3l6b4bX8KqT0zYl9Q",
        "label": "phone",
    }
    status, registered = await stack.call("POST", "/v1/push-devices", ada, json=device)
    assert status == 201, registered
    created = await _overrun(stack, ada)
    inbox, own = f"inbox:{ada.id}", f"user:{ada.id}"

    feed = await _feed(stack, ada, inbox)
    assert [e["seq"] for e in feed] == list(range(1, len(feed) + 1))  # no gap
    assert feed[0]["type"] == "push_device.registered"
    assert all(e["scope"] == inbox for e in feed)
    mine = {e["type"] for e in await _feed(stack, ada, own)}
    assert "expense.created" in mine
    assert not {t for t in mine if t.startswith(("notification", "push_device"))}

    status, heads = await stack.call("GET", "/v1/sync/heads", ada)
    assert status == 200, heads
    assert heads["scopes"][inbox] == feed[-1]["seq"]
    assert own in heads["scopes"]

    status, snap = await stack.call("GET", "/v1/sync/snapshot", ada, params={"scope": inbox})
    assert status == 200, snap
    assert snap["seq"] == feed[-1]["seq"]
    items = snap["state"]["notifications"]
    assert {i["id"] for i in items} == {e["data"]["entity"]["id"] for e in created}
    assert [d["id"] for d in snap["state"]["push_devices"]] == [registered["id"]]
    assert "kinds" in snap["state"]["preferences"]


async def test_nobody_else_reads_an_inbox_scope(stack: Stack) -> None:
    ada, eve = await stack.signup("Ada"), await stack.signup("Eve")
    await _overrun(stack, ada)
    inbox = f"inbox:{ada.id}"
    for path in ("/v1/sync/changes", "/v1/sync/snapshot"):
        status, body = await stack.call("GET", path, eve, params={"scope": inbox})
        assert status == 404, body
    status, heads = await stack.call("GET", "/v1/sync/heads", eve)
    assert inbox not in heads["scopes"]
    snoop = await open_device(stack.base_url, eve.access_token, resume=True)
    try:
        ack = await snoop.client.call("sync.resume", {"scopes": {inbox: 0}}, timeout=30)
        assert ack["errors"] == {inbox: "not a scope this socket follows"}, ack
        assert not snoop.received("notification.created")
    finally:
        await snoop.close()


async def test_a_device_back_online_resumes_its_inbox(stack: Stack) -> None:
    ada = await stack.signup("Ada")
    created = await _overrun(stack, ada)
    inbox = f"inbox:{ada.id}"
    device = await open_device(stack.base_url, ada.access_token, resume=True)
    try:
        ack = await device.client.call("sync.resume", {"scopes": {inbox: 0}}, timeout=30)
        assert ack["status"] == "done", ack
        assert ack["scopes"][inbox] == created[-1]["seq"]
        heard = device.received("notification.created")
        assert [h["seq"] for h in heard] == [e["seq"] for e in created]
        assert all(h["scope"] == inbox for h in heard)
    finally:
        await device.close()
