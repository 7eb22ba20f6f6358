"""Amounts and settlements over HTTP and Socket.IO against the running stack: one written rule
for every amount a client sends, the same in the code and the schema pattern, and a transfer of
the balances' plan posted back unchanged as a settlement."""

from __future__ import annotations

from typing import Any

import pytest

from bus.money import POSITIVE_AMOUNT_PATTERN
from tests.support.group_helpers import add_bill, balances, equal_bill, make_group, nets
from tests.support.helpers import Account, Stack
from tests.support.sockets import open_device

pytestmark = pytest.mark.integration

LUNCH = {"amount": "12.30", "currency": "EUR", "date": "2026-11-20", "description": "lunch"}


async def _expense(stack: Stack, who: Account, **change: Any) -> tuple[int, Any]:
    return await stack.call("POST", "/v1/expenses", who, json={**LUNCH, **change})


# ---- one rule for amounts -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency"),
    [
        (" 12.50", "USD"),
        ("12.50\n", "USD"),
        ("12.50 ", "USD"),
        ("12.500", "USD"),
        ("12.505", "USD"),
        ("1.5", "JPY"),
        ("1500.0", "JPY"),
        ("1.2500", "KWD"),
        ("+12.50", "USD"),
        ("1,200.00", "USD"),
        ("1e3", "USD"),
        ("12.", "USD"),
        (".5", "USD"),
        ("1000000000000", "USD"),
        (12, "USD"),
        (12.5, "USD"),
    ],
)
async def test_amounts_looser_than_the_rule_are_422(
    stack: Stack, amount: object, currency: str
) -> None:
    ada = await stack.signup("Ada")
    status, problem = await _expense(stack, ada, amount=amount, currency=currency)
    assert (status, problem["code"]) == (422, "validation"), problem
    _, page = await stack.call("GET", "/v1/expenses", ada)
    assert page["items"] == []


async def test_fewer_decimals_than_the_currency_has_are_fine(stack: Stack) -> None:
    ada = await stack.signup("Ada")
    for amount, currency, shown in (
        ("12.5", "USD", "12.50"),
        ("12", "USD", "12.00"),
        ("12.50", "USD", "12.50"),
        ("1500", "JPY", "1500"),
        ("1.25", "KWD", "1.250"),
        ("999999999999.99", "USD", "999999999999.99"),
    ):
        status, created = await _expense(stack, ada, amount=amount, currency=currency)
        assert (status, created["amount"]) == (201, shown), created


async def test_the_amount_rule_holds_for_bills_payments_budgets_goals_and_conversions(
    stack: Stack,
) -> None:
    ada, bob = await stack.signup("Ada"), await stack.signup("Bob")
    group = await make_group(stack, ada, bob)
    gid = group["id"]
    bill = equal_bill("10.00", ada, [ada, bob])
    for wrong in (
        {**bill, "amount": "10.000", "paid_by": [{"user_id": ada.id, "amount": "10.000"}]},
        {**bill, "paid_by": [{"user_id": ada.id, "amount": "10.000"}]},
        {
            **bill,
            "split": {
                "method": "exact",
                "shares": [
                    {"user_id": ada.id, "value": "5.000"},
                    {"user_id": bob.id, "value": "5.00"},
                ],
            },
        },
    ):
        status, problem = await stack.call("POST", f"/v1/groups/{gid}/expenses", ada, json=wrong)
        assert (status, problem["code"]) == (422, "validation"), problem
    pay = {"from": bob.id, "to": ada.id, "currency": "EUR"}
    for amount in ("5.000", " 5.00", 5):
        status, problem = await stack.call(
            "POST", f"/v1/groups/{gid}/settlements", bob, json={**pay, "amount": amount}
        )
        assert (status, problem["code"]) == (422, "validation"), problem
    for path, body in (
        ("/v1/budgets", {"name": "B", "amount": "10.000", "currency": "EUR"}),
        ("/v1/goals", {"name": "G", "target_amount": "5.000", "currency": "EUR"}),
        ("/v1/currency/convert", {"amount": "1.500", "from": "JPY", "to": "EUR"}),
        ("/v1/currency/convert", {"amount": "1.000", "from": "USD", "to": "EUR"}),
    ):
        status, problem = await stack.call("POST", path, ada, json=body)
        assert (status, problem["code"]) == (422, "validation"), (path, problem)


async def test_the_schema_pattern_is_the_rule_the_code_applies(stack: Stack) -> None:
    _, document = await stack.call("GET", "/v1/openapi.json")
    amount = document["components"]["schemas"]["CreateExpense"]["properties"]["amount"]
    assert amount["pattern"] == POSITIVE_AMOUNT_PATTERN


# ---- a transfer of the plan is a settlement -------------------------------------------------


async def test_a_transfer_of_the_plan_posted_unchanged_settles_it(stack: Stack) -> None:
    ada, bob = await stack.signup("Ada"), await stack.signup("Bob")
    group = await make_group(stack, ada, bob)
    gid = group["id"]
    await add_bill(stack, ada, gid, equal_bill("30.00", ada, [ada, bob]))
    plan = (await balances(stack, bob, gid))["plan"]
    assert plan == [{"from": bob.id, "to": ada.id, "amount": "15.00", "currency": "EUR"}]
    status, settled = await stack.call("POST", f"/v1/groups/{gid}/settlements", bob, json=plan[0])
    assert status == 201, settled
    assert (settled["from_user"], settled["to_user"], settled["amount"]) == (
        bob.id,
        ada.id,
        "15.00",
    )
    after = await balances(stack, bob, gid)
    assert after["plan"] == []
    assert all(net == 0 for net in nets(after).values())


async def test_the_old_field_names_still_work_and_unknown_fields_are_refused(
    stack: Stack,
) -> None:
    ada, bob = await stack.signup("Ada"), await stack.signup("Bob")
    group = await make_group(stack, ada, bob)
    path = f"/v1/groups/{group['id']}/settlements"
    old = {"from_user": bob.id, "to_user": ada.id, "amount": "4.00", "currency": "EUR"}
    status, settled = await stack.call("POST", path, bob, json=old)
    assert (status, settled["from_user"], settled["to_user"]) == (201, bob.id, ada.id), settled
    new = {"from": bob.id, "to": ada.id, "amount": "4.00", "currency": "EUR"}
    for wrong in (
        {**new, "payee": ada.id},
        {**new, "from_user": bob.id},  # the same field twice
        {key: value for key, value in new.items() if key != "to"},
        {**new, "to": bob.id},
    ):
        status, problem = await stack.call("POST", path, bob, json=wrong)
        assert (status, problem["code"]) == (422, "validation"), (wrong, problem)
    _, listed = await stack.call("GET", path, bob)
    assert len(listed["items"]) == 1


async def test_a_socket_settlement_takes_the_plan_names(stack: Stack) -> None:
    ada, bob = await stack.signup("Ada"), await stack.signup("Bob")
    group = await make_group(stack, ada, bob)
    gid = group["id"]
    await add_bill(stack, ada, gid, equal_bill("8.00", ada, [ada, bob]))
    transfer = (await balances(stack, bob, gid))["plan"][0]
    device = await open_device(stack.base_url, bob.access_token)
    try:
        ack = await device.command(
            {"type": "settlement.create", "payload": {**transfer, "group_id": gid}}
        )
        assert ack["status"] == "accepted", ack
        assert (ack["entity"]["from_user"], ack["entity"]["amount"]) == (bob.id, "4.00")
    finally:
        await device.close()
    assert (await balances(stack, bob, gid))["plan"] == []


async def test_the_openapi_settlement_body_names_the_plan_fields(stack: Stack) -> None:
    _, document = await stack.call("GET", "/v1/openapi.json")
    operation = document["paths"]["/v1/groups/{id}/settlements"]["post"]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = document["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert {"from", "to", "amount", "currency"} <= set(body["properties"])
    assert "from" in body["required"]
    debt = document["components"]["schemas"]["Debt"]["properties"]
    assert set(debt) <= set(body["properties"])
