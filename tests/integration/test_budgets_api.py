"""Budgets over HTTP and Socket.IO: spending kept current from expense events, alerts once per
threshold per period, shared budgets, and bad input."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta
from typing import Any

import pytest

from deploy import rates as rates_cli
from tests.support.budget_helpers import make_budget, spend, spent_is, status_of, today
from tests.support.group_helpers import add_bill, equal_bill, make_group
from tests.support.helpers import Stack, eventually
from tests.support.sockets import Device, open_device

pytestmark = pytest.mark.integration


async def crossed(device: Device, budget_id: str, wanted: list[int]) -> bool:
    return thresholds(device, budget_id) == wanted


def thresholds(device: Device, budget_id: str) -> list[int]:
    return [
        e["data"]["entity"]["threshold"]
        for e in device.received("budget.threshold_crossed")
        if e["data"]["entity"]["budget_id"] == budget_id
    ]


async def test_spending_follows_creates_edits_and_deletes(stack: Stack) -> None:
    ada = await stack.signup("Ada")
    status, cats = await stack.call("GET", "/v1/categories", ada)
    food = next(c["id"] for c in cats["items"] if c["name"] == "Food & Drink")
    travel = next(c["id"] for c in cats["items"] if c["name"] == "Travel")
    last_month = (today().replace(day=1) - timedelta(days=1)).replace(day=1)
    budget = await make_budget(
        stack,
        ada,
        "200.00",
        category_ids=[food],
        starts_on=(last_month + timedelta(days=9)).isoformat(),
    )
    bid = budget["id"]
    assert budget["period"] == "monthly"
    assert budget["thresholds"] == [50, 80, 100]
    assert budget["starts_on"] == last_month.isoformat()  # the start of its first period

    lunch = await spend(stack, ada, "12.50", category_id=food)
    await spend(stack, ada, "40.00", category_id=travel)  # another category
    await spend(stack, ada, "999.00", category_id=food, type="income")  # income never counts
    await eventually(lambda: spent_is(stack, ada, bid, "12.50"))

    status, _ = await stack.call(
        "PATCH", f"/v1/expenses/{lunch['id']}", ada, json={"amount": "20.00"}
    )
    assert status == 200
    await eventually(lambda: spent_is(stack, ada, bid, "20.00"))
    status, _moved = await stack.call(
        "PATCH", f"/v1/expenses/{lunch['id']}", ada, json={"category_id": travel}
    )
    assert status == 200
    await eventually(lambda: spent_is(stack, ada, bid, "0.00"))
    status, _ = await stack.call(
        "PATCH", f"/v1/expenses/{lunch['id']}", ada, json={"category_id": food}
    )
    await eventually(lambda: spent_is(stack, ada, bid, "20.00"))
    status, _ = await stack.call("DELETE", f"/v1/expenses/{lunch['id']}", ada)
    assert status == 200
    await eventually(lambda: spent_is(stack, ada, bid, "0.00"))

    first_day = today().replace(day=1)
    await spend(stack, ada, "30.00", category_id=food, on=first_day)
    before = first_day - timedelta(days=1)  # last month: not this period's
    await spend(stack, ada, "70.00", category_id=food, on=before)
    await eventually(lambda: spent_is(stack, ada, bid, "30.00"))
    body = await status_of(stack, ada, bid)
    assert body["expenses_counted"] == 1
    assert body["available"] == "200.00"
    assert body["remaining"] == "170.00"
    assert body["percent_used"] == "15.0"
    assert body["projection_method"] in ("linear_daily_average", "final")
    assert body["days_elapsed"] + body["days_left"] == body["days_total"] + 1
    earlier = await status_of(stack, ada, bid, on=before.isoformat())
    assert earlier["period_start"] == last_month.isoformat()
    assert earlier["spent"] == "70.00"
    assert earlier["projection_method"] == "final"


async def test_a_new_budget_counts_what_was_spent_already(stack: Stack) -> None:
    ada = await stack.signup("Ada")
    await spend(stack, ada, "30.00")
    await spend(stack, ada, "25.00")
    await eventually(lambda: _applied(stack, ada, 2))
    budget = await make_budget(stack, ada, "100.00")
    body = await status_of(stack, ada, budget["id"])
    assert body["spent"] == "55.00"
    assert body["expenses_counted"] == 2
    assert body["thresholds_crossed"] == [50]


async def _applied(stack: Stack, who: Any, n: int) -> bool:
    """The budgets actor has seen ``n`` expenses: a throwaway budget counts them."""
    probe = await make_budget(stack, who, "1000.00", name="probe")
    counted = (await status_of(stack, who, probe["id"]))["expenses_counted"]
    await stack.call("DELETE", f"/v1/budgets/{probe['id']}", who)
    return bool(counted == n)


async def test_each_alert_once_per_period_even_when_spending_drops_and_rises(
    stack: Stack,
) -> None:
    ada = await stack.signup("Ada")
    phone = await open_device(stack.base_url, ada.access_token)
    try:
        budget = await make_budget(stack, ada, "100.00")
        bid = budget["id"]
        first = await spend(stack, ada, "55.00")
        await eventually(lambda: crossed(phone, bid, [50]))
        # Down below 50 %, then up past it again: 50 is not raised a second time.
        await stack.call("PATCH", f"/v1/expenses/{first['id']}", ada, json={"amount": "10.00"})
        await eventually(lambda: spent_is(stack, ada, bid, "10.00"))
        await spend(stack, ada, "45.00")
        await eventually(lambda: spent_is(stack, ada, bid, "55.00"))
        await spend(stack, ada, "30.00")  # 85 %
        await eventually(lambda: crossed(phone, bid, [50, 80]))
        await spend(stack, ada, "20.00")  # 105 %: 100 and exceeded
        await eventually(lambda: crossed(phone, bid, [50, 80, 100]))
        exceeded = await phone.wait_for("budget.exceeded")
        alert = exceeded[0]["data"]["entity"]
        assert alert["budget_id"] == bid
        assert alert["spent"] == "105.00"
        assert alert["percent_used"] == "105.0"
        assert exceeded[0]["scope"] == f"user:{ada.id}"
        await spend(stack, ada, "5.00")
        await eventually(lambda: spent_is(stack, ada, bid, "110.00"))
        await asyncio.sleep(0.3)
        assert thresholds(phone, bid) == [50, 80, 100]
        assert len(phone.received("budget.exceeded")) == 1
        body = await status_of(stack, ada, bid)
        assert body["thresholds_crossed"] == [50, 80, 100]
        assert body["exceeded"] is True
        assert body["remaining"] == "-10.00"
    finally:
        await phone.close()


async def test_a_lower_amount_raises_what_it_now_reaches(stack: Stack) -> None:
    ada = await stack.signup("Ada")
    budget = await make_budget(stack, ada, "100.00", thresholds=[90])
    await spend(stack, ada, "60.00")
    await eventually(lambda: spent_is(stack, ada, budget["id"], "60.00"))
    phone = await open_device(stack.base_url, ada.access_token)
    try:
        status, updated = await stack.call(
            "PATCH", f"/v1/budgets/{budget['id']}", ada, json={"amount": "50.00"}
        )
        assert status == 200
        assert updated["version"] == 2
        await eventually(lambda: crossed(phone, budget["id"], [90]))
        await phone.wait_for("budget.exceeded")
    finally:
        await phone.close()


async def test_shared_budget_counts_group_bills_and_alerts_every_member(stack: Stack) -> None:
    ada, bob, eve = await stack.signup("Ada"), await stack.signup("Bob"), await stack.signup("Eve")
    group = await make_group(stack, ada, bob)
    gid = group["id"]
    status, body = await stack.call(
        "POST",
        "/v1/budgets",
        bob,
        json={"name": "Food", "amount": "100.00", "currency": "EUR", "group_id": gid},
    )
    assert status == 403, body  # members read, admins decide
    status, body = await stack.call(
        "POST",
        "/v1/budgets",
        eve,
        json={"name": "Food", "amount": "100.00", "currency": "EUR", "group_id": gid},
    )
    assert status == 404, body
    budget = await make_budget(stack, ada, "100.00", group_id=gid, categories=["Food"])
    bid = budget["id"]
    ada_phone = await open_device(stack.base_url, ada.access_token)
    bob_phone = await open_device(stack.base_url, bob.access_token)
    try:
        bill = equal_bill("60.00", bob, [ada, bob], date=today().isoformat(), category=" food ")
        await add_bill(stack, bob, gid, bill)
        other = equal_bill("500.00", bob, [ada, bob], date=today().isoformat(), category="rent")
        await add_bill(stack, bob, gid, other)
        await eventually(lambda: spent_is(stack, bob, bid, "60.00"))
        for phone in (ada_phone, bob_phone):
            await eventually(lambda p=phone: crossed(p, bid, [50]))
        status, listed = await stack.call("GET", "/v1/budgets", bob, params={"group_id": gid})
        assert status == 200
        assert [b["id"] for b in listed["items"]] == [bid]
        assert listed["items"][0]["status"]["spent"] == "60.00"
        for path in (f"/v1/budgets/{bid}", f"/v1/budgets/{bid}/status"):
            status, _ = await stack.call("GET", path, eve)
            assert status == 404
        status, _ = await stack.call("PATCH", f"/v1/budgets/{bid}", bob, json={"amount": "1.00"})
        assert status == 403
        status, snap = await stack.call(
            "GET", "/v1/sync/snapshot", bob, params={"scope": f"group:{gid}"}
        )
        assert status == 200
        assert [b["id"] for b in snap["state"]["budgets"]] == [bid]
    finally:
        await ada_phone.close()
        await bob_phone.close()


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"thresholds": [50, 50]}, "thresholds"),
        ({"thresholds": [0]}, "thresholds"),
        ({"thresholds": [1001]}, "thresholds"),
        ({"period": "custom", "starts_on": "2026-11-10", "ends_on": "2026-11-01"}, "ends_on"),
        ({"period": "fortnightly"}, "period"),
        ({"amount": "0"}, "amount"),
        ({"amount": "1.234"}, None),
        ({"amount": 10.5}, "amount"),
        ({"surprise": True}, "surprise"),
        ({"category_ids": ["not-a-uuid"]}, "category_ids"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
    ],
)
async def test_bad_budgets_are_refused_with_field_errors(
    stack: Stack, fields: dict[str, Any], where: str | None
) -> None:
    ada = await stack.signup("Ada")
    body = {"name": "B", "amount": "10.00", "currency": "EUR", **fields}
    status, problem = await stack.call("POST", "/v1/budgets", ada, json=body)
    assert status == 422, problem
    if where is not None:
        assert any(where in e["loc"] for e in problem["errors"]), problem


async def test_budgets_of_others_are_not_found_and_foreign_categories_refused(stack: Stack) -> None:
    ada, bob = await stack.signup("Ada"), await stack.signup("Bob")
    budget = await make_budget(stack, ada)
    for method, path in (
        ("GET", f"/v1/budgets/{budget['id']}"),
        ("GET", f"/v1/budgets/{budget['id']}/status"),
        ("PATCH", f"/v1/budgets/{budget['id']}"),
        ("DELETE", f"/v1/budgets/{budget['id']}"),
    ):
        kwargs = {"json": {"amount": "5.00"}} if method == "PATCH" else {}
        status, _ = await stack.call(method, path, bob, **kwargs)
        assert status == 404, (method, path)
    status, listed = await stack.call("GET", "/v1/budgets", bob)
    assert status == 200
    assert listed["items"] == []
    _, cats = await stack.call("GET", "/v1/categories", ada)
    status, problem = await stack.call(
        "POST",
        "/v1/budgets",
        bob,
        json={
            "name": "B",
            "amount": "10.00",
            "currency": "EUR",
            "category_ids": [cats["items"][0]["id"]],
        },
    )
    assert (status, problem["code"]) == (404, "not_found"), problem  # not Bob's: unknown
    assert problem["errors"][0]["loc"][-2:] == ["category_ids", "0"], problem
    status, problem = await stack.call(
        "PATCH",
        f"/v1/budgets/{budget['id']}",
        ada,
        json={"amount": "5.00"},
        headers={"If-Match": '"7"'},
    )
    assert status == 409
    assert problem["current"]["version"] == 1


async def test_an_expense_awaiting_a_rate_counts_when_the_rate_arrives(stack: Stack) -> None:
    ada = await stack.signup("Ada")  # home currency EUR; the budget is in shillings
    budget = await make_budget(stack, ada, "30000.00", currency="KES", thresholds=[50])
    bid = budget["id"]
    await spend(stack, ada, "100.00")
    await eventually(lambda: _awaiting(stack, ada, bid, 1))
    body = await status_of(stack, ada, bid)
    assert body["spent"] == "0.00"
    assert body["expenses_counted"] == 0
    out = io.StringIO()
    operator = stack.settings.model_copy(update={"node_id": "operator-cli"})
    assert await rates_cli.set_rates(operator, today(), ["KES=150.00"], False, None, out) == 0, (
        out.getvalue()
    )
    await eventually(lambda: spent_is(stack, ada, bid, "15000.00"))
    body = await status_of(stack, ada, bid)
    assert body["awaiting_rate"] == 0
    assert body["expenses_counted"] == 1
    assert body["thresholds_crossed"] == [50]


async def _awaiting(stack: Stack, who: Any, budget_id: str, n: int) -> bool:
    return bool((await status_of(stack, who, budget_id))["awaiting_rate"] == n)


async def test_a_groups_budgets_are_not_found_for_strangers_as_every_group_route(
    stack: Stack,
) -> None:
    ada, eve = await stack.signup("Ada"), await stack.signup("Eve")
    group = await make_group(stack, ada)
    gid = group["id"]
    budget = await make_budget(stack, ada, "100.00", group_id=gid)
    status, listed = await stack.call("GET", "/v1/budgets", ada, params={"group_id": gid})
    assert status == 200, listed
    assert [b["id"] for b in listed["items"]] == [budget["id"]]
    never = "6f1c2c9e-7d7a-4a53-9b8e-2f0d0c4b1a21"  # no such group at all
    for who, group_id in ((eve, gid), (ada, never)):
        status, problem = await stack.call("GET", "/v1/budgets", who, params={"group_id": group_id})
        assert status == 404, problem
        _, other_route = await stack.call("GET", f"/v1/groups/{group_id}", who)
        assert (problem["code"], problem["detail"]) == (
            other_route["code"],
            other_route["detail"],
        )
