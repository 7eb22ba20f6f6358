"""The inbox end to end: a budget overrun becomes items in the person's inbox and on every
device's socket; reading them on one device tells the others; nobody reads another's item."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.budget_helpers import make_budget, spend
from tests.support.helpers import Account, Stack, eventually
from tests.support.sockets import open_device

pytestmark = pytest.mark.integration


async def _inbox(stack: Stack, who: Account, **params: str) -> dict[str, Any]:
    status, page = await stack.call("GET", "/v1/notifications", who, params=params)
    assert status == 200, page
    return page  # type: ignore[no-any-return]


async def _unread(stack: Stack, who: Account) -> int:
    status, body = await stack.call("GET", "/v1/notifications/unread-count", who)
    assert status == 200, body
    return int(body["unread"])


async def test_a_budget_overrun_reaches_the_inbox_and_every_device(stack: Stack) -> None:
    ada = await stack.signup("Ada")
    phone = await open_device(stack.base_url, ada.access_token)
    laptop = await open_device(stack.base_url, ada.access_token)
    try:
        budget = await make_budget(stack, ada, "100.00", thresholds=[80, 100])
        await spend(stack, ada, "120.00")  # crosses 80% and 100% at once

        async def two_items() -> list[dict[str, Any]] | None:
            items = (await _inbox(stack, ada))["items"]
            return items if len(items) == 2 else None

        items = await eventually(two_items)
        assert {i["kind"] for i in items} == {"budget_threshold", "budget_exceeded"}
        assert all(
            i["link"] == {"entity": "budget", "id": budget["id"], "group_id": None} for i in items
        )
        assert all(i["read_at"] is None for i in items)
        assert await _unread(stack, ada) == 2
        first_page = await _inbox(stack, ada, limit="1")
        second_page = await _inbox(stack, ada, limit="1", cursor=first_page["next_cursor"])
        assert [p["items"][0]["id"] for p in (first_page, second_page)] == [i["id"] for i in items]
        assert second_page["next_cursor"] is None
        for device in (phone, laptop):
            created = await device.wait_for("notification.created")
            assert len(created) == 2
            assert {c["data"]["entity"]["id"] for c in created} == {i["id"] for i in items}

        first = items[0]["id"]
        status, done = await stack.call(
            "POST", "/v1/notifications/read", ada, json={"ids": [first]}
        )
        assert status == 200, done
        assert done["ids"] == [first]
        read = await laptop.wait_for("notification.read")  # the other device hears it
        assert read[0]["data"]["entity"]["ids"] == [first]
        assert await _unread(stack, ada) == 1
        assert [i["id"] for i in (await _inbox(stack, ada, unread="true"))["items"]] == [
            items[1]["id"]
        ]

        status, done = await stack.call("POST", "/v1/notifications/read", ada, json={"all": True})
        assert (status, done["ids"]) == (200, [items[1]["id"]])
        assert await _unread(stack, ada) == 0
        status, archived = await stack.call("POST", f"/v1/notifications/{first}/archive", ada)
        assert (status, archived["archived"]) == (200, True)
        assert [i["id"] for i in (await _inbox(stack, ada))["items"]] == [items[1]["id"]]
        assert [i["id"] for i in (await _inbox(stack, ada, archived="true"))["items"]] == [first]
    finally:
        await phone.close()
        await laptop.close()


async def test_nobody_sees_reads_or_archives_anothers_item(stack: Stack) -> None:
    ada, eve = await stack.signup("Ada"), await stack.signup("Eve")
    await make_budget(stack, ada, "10.00", thresholds=[100])
    await spend(stack, ada, "15.00")

    async def one_item() -> str | None:
        items = (await _inbox(stack, ada))["items"]
        return str(items[0]["id"]) if items else None

    item = await eventually(one_item)
    status, _ = await stack.call("GET", f"/v1/notifications/{item}", eve)
    assert status == 404
    status, body = await stack.call("POST", "/v1/notifications/read", eve, json={"ids": [item]})
    assert status == 404, body
    status, body = await stack.call("POST", f"/v1/notifications/{item}/archive", eve)
    assert status == 404, body
    assert (await _inbox(stack, eve))["items"] == []
    status, mine = await stack.call("GET", f"/v1/notifications/{item}", ada)
    assert (status, mine["read_at"], mine["archived"]) == (200, None, False)
    status, body = await stack.call(
        "POST", "/v1/notifications/read", ada, json={"ids": [item], "all": True}
    )
    assert status == 422, body
