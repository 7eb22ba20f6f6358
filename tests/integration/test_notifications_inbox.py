"""The inbox end to end: a budget overrun becomes items in the person's inbox and on every
device's socket; reading them on one device tells the others; nobody reads another's item;
a group's life (added, removed, joined by invite, reminded) reaches whom it concerns."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import pytest

from actors.notifications.courier import KIND_HEADER
from tests.support.budget_helpers import make_budget, spend
from tests.support.group_helpers import add_bill, equal_bill, make_group
from tests.support.helpers import Account, Stack, eventually
from tests.support.smtp_servers import Scripted
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


async def _items_of(stack: Stack, who: Account, kind: str, count: int = 1) -> list[dict[str, Any]]:
    async def arrived() -> list[dict[str, Any]] | None:
        items = [i for i in (await _inbox(stack, who))["items"] if i["kind"] == kind]
        return items if len(items) >= count else None

    return await eventually(arrived)


async def test_a_groups_life_reaches_whom_it_concerns_and_not_who_did_it(
    stack: Stack, mailbox: Scripted
) -> None:
    ada, bob, cy = await stack.signup("Ada"), await stack.signup("Bob"), await stack.signup("Cy")
    group = await make_group(stack, ada, bob)
    gid = group["id"]
    [added] = await _items_of(stack, bob, "group_membership")
    assert (added["title"], added["link"]["id"]) == ("You were added to Flat 3B", gid)
    status, invite = await stack.call("POST", f"/v1/groups/{gid}/invites", ada, json={})
    assert status == 201, invite
    status, _ = await stack.call("POST", invite["accept_path"], cy)
    assert status == 200
    [joined] = await _items_of(stack, ada, "invite_accepted")
    assert joined["title"] == "Cy joined Flat 3B"
    await add_bill(stack, ada, gid, equal_bill("30.00", ada, [ada, bob]))
    status, _ = await stack.call(
        "POST", f"/v1/groups/{gid}/reminders", ada, json={"user_id": bob.id, "note": "rent"}
    )
    assert status in (200, 201)
    [nudge] = await _items_of(stack, bob, "payment_reminder")
    assert nudge["body"] == "You owe 15.00 EUR in Flat 3B. “rent”"
    status, _ = await stack.call("DELETE", f"/v1/groups/{gid}/members/{cy.id}", ada)
    assert status == 200
    [removed] = await _items_of(stack, cy, "group_membership")
    assert removed["title"] == "You were removed from Flat 3B"
    # Mailed by default: being added to a group and a reminder (an invite accepted is not).
    for kind, subject in (("group_membership", "You were added"), ("payment_reminder", "A rem")):

        async def mailed(subject: str = subject) -> EmailMessage | None:
            return next(
                (
                    m
                    for m in mailbox.messages
                    if str(m["To"]) == bob.email and str(m["Subject"]).startswith(subject)
                ),
                None,
            )

        assert (await eventually(mailed))[KIND_HEADER] == kind
    # Who did it heard nothing of their own doing.
    mine = {i["kind"] for i in (await _inbox(stack, ada))["items"]}
    assert mine == {"invite_accepted"}
