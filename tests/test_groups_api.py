"""Groups over HTTP against the running stack: membership, bills, balances and access."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.group_helpers import add_bill, balances, equal_bill, make_group, nets, zero_sum
from tests.helpers import Stack

pytestmark = pytest.mark.integration


async def test_an_equal_bill_among_three_balances_to_the_cent(stack: Stack) -> None:
    ada, bob, cy = await stack.signup("Ada"), await stack.signup("Bob"), await stack.signup("Cy")
    group = await make_group(stack, ada, bob, cy)
    assert [m["role"] for m in group["members"]] == ["owner", "member", "member"]
    expense = await add_bill(stack, ada, group["id"], equal_bill("100.00", ada, [ada, bob, cy]))
    owed = {s["user_id"]: s["owed_share"] for s in expense["shares"]}
    first = min(ada.id, bob.id, cy.id)  # the leftover cent goes to the smallest user id
    assert owed[first] == "33.34"
    assert sorted(owed.values()) == ["33.33", "33.33", "33.34"]
    body = await balances(stack, bob, group["id"])
    assert zero_sum(body)
    assert nets(body)[(bob.id, "EUR")] == -Decimal(owed[bob.id])
    assert nets(body)[(ada.id, "EUR")] == Decimal("100.00") - Decimal(owed[ada.id])
    debts = {(d["from"], d["to"]): d["amount"] for d in body["debts"]}
    assert debts[(bob.id, ada.id)] == owed[bob.id]
    assert len(body["plan"]) == 2
    status, explained = await stack.call(
        "GET", f"/v1/groups/{group['id']}/balances/{bob.id}/explain", bob
    )
    assert status == 200, explained
    assert [i["id"] for i in explained["items"]] == [expense["id"]]
    assert Decimal(explained["items"][0]["effect"]) == nets(body)[(bob.id, "EUR")]
