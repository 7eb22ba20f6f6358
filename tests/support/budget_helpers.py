"""Helpers of the budget tests: today's date where the user lives, expenses and budgets."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from bus.envelopes import utcnow
from tests.support.helpers import Account, Stack

TZ = "Europe/Paris"  # what Stack.signup registers


def today(tz: str = TZ) -> date:
    return utcnow().astimezone(ZoneInfo(tz)).date()


async def spend(
    stack: Stack, who: Account, amount: str, *, on: date | None = None, **fields: Any
) -> dict[str, Any]:
    body = {"amount": amount, "currency": "EUR", "date": (on or today()).isoformat(), **fields}
    status, expense = await stack.call("POST", "/v1/expenses", who, json=body)
    assert status == 201, expense
    return expense  # type: ignore[no-any-return]


async def make_budget(
    stack: Stack, who: Account, amount: str = "100.00", **fields: Any
) -> dict[str, Any]:
    body = {"name": "Monthly", "amount": amount, "currency": "EUR", **fields}
    status, budget = await stack.call("POST", "/v1/budgets", who, json=body)
    assert status == 201, budget
    return budget  # type: ignore[no-any-return]


async def status_of(stack: Stack, who: Account, budget_id: str, **params: str) -> dict[str, Any]:
    status, body = await stack.call("GET", f"/v1/budgets/{budget_id}/status", who, params=params)
    assert status == 200, body
    return body  # type: ignore[no-any-return]


async def spent_is(stack: Stack, who: Account, budget_id: str, amount: str) -> bool:
    body = await status_of(stack, who, budget_id)
    spent: str = body["spent"]
    return spent == amount
