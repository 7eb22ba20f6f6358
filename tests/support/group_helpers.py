"""Helpers of the group tests: a group with members, bills, and balances read back."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.support.helpers import Account, Stack


async def make_group(
    stack: Stack, owner: Account, *members: Account, currency: str = "EUR", **fields: Any
) -> dict[str, Any]:
    """A group owned by ``owner`` with ``members`` added by email; the group as it ends up."""
    status, group = await stack.call(
        "POST", "/v1/groups", owner, json={"name": "Flat 3B", "currency": currency, **fields}
    )
    assert status == 201, group
    for member in members:
        status, group = await stack.call(
            "POST", f"/v1/groups/{group['id']}/members", owner, json={"email": member.email}
        )
        assert status == 200, group
    return group  # type: ignore[no-any-return]


def equal_bill(
    amount: str, payer: Account, members: list[Account], currency: str = "EUR", **extra: Any
) -> dict[str, Any]:
    return {
        "amount": amount,
        "currency": currency,
        "description": "dinner",
        "date": "2026-11-20",
        "paid_by": [{"user_id": payer.id, "amount": amount}],
        "split": {"method": "equal", "members": [m.id for m in members]},
        **extra,
    }


async def add_bill(
    stack: Stack, who: Account, group_id: str, bill: dict[str, Any]
) -> dict[str, Any]:
    status, expense = await stack.call("POST", f"/v1/groups/{group_id}/expenses", who, json=bill)
    assert status == 201, expense
    return expense  # type: ignore[no-any-return]


async def balances(stack: Stack, who: Account, group_id: str, **params: str) -> dict[str, Any]:
    status, body = await stack.call(
        "GET", f"/v1/groups/{group_id}/balances", who, params=params or None
    )
    assert status == 200, body
    return body  # type: ignore[no-any-return]


def nets(body: dict[str, Any]) -> dict[tuple[str, str], Decimal]:
    """(user_id, currency) -> net, from a balances answer."""
    return {(m["user_id"], m["currency"]): Decimal(m["net"]) for m in body["members"]}


def zero_sum(body: dict[str, Any]) -> bool:
    totals: dict[str, Decimal] = {}
    for m in body["members"]:
        totals[m["currency"]] = totals.get(m["currency"], Decimal(0)) + Decimal(m["net"])
    return all(total == 0 for total in totals.values())
