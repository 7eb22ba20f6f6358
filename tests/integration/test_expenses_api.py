"""Personal expenses over HTTP, end to end on real NATS and SecantusDB."""

from __future__ import annotations

import uuid

import pytest

from tests.support.helpers import Stack

pytestmark = pytest.mark.integration

LUNCH = {
    "amount": "12.30",
    "currency": "EUR",
    "date": "2026-11-20",
    "description": "lunch",
    "merchant": "Cafe",
}


async def test_create_then_get_returns_the_same_expense(stack: Stack) -> None:
    ada = await stack.signup()
    status, created = await stack.call("POST", "/v1/expenses", ada, json=LUNCH)
    assert status == 201, created
    assert created["amount"] == "12.30"
    assert created["version"] == 1
    status, fetched = await stack.call("GET", f"/v1/expenses/{created['id']}", ada)
    assert status == 200
    assert fetched == created


async def test_update_with_stale_version_is_409_with_current_entity(stack: Stack) -> None:
    ada = await stack.signup()
    _, created = await stack.call("POST", "/v1/expenses", ada, json=LUNCH)
    path = f"/v1/expenses/{created['id']}"
    status, updated = await stack.call(
        "PATCH", path, ada, json={"amount": "15.00", "expected_version": 1}
    )
    assert status == 200, updated
    assert (updated["amount"], updated["version"]) == ("15.00", 2)
    status, problem = await stack.call(
        "PATCH", path, ada, json={"amount": "16.00"}, headers={"If-Match": '"1"'}
    )
    assert status == 409
    assert problem["code"] == "conflict"
    assert problem["current"]["version"] == 2
    assert problem["current"]["amount"] == "15.00"


async def test_idempotency_key_retry_returns_first_outcome_and_creates_nothing(
    stack: Stack,
) -> None:
    ada = await stack.signup()
    key = {"Idempotency-Key": str(uuid.uuid4())}
    s1, first = await stack.call("POST", "/v1/expenses", ada, json=LUNCH, headers=key)
    s2, second = await stack.call("POST", "/v1/expenses", ada, json=LUNCH, headers=key)
    assert (s1, s2) == (201, 201)
    assert first == second
    _, page = await stack.call("GET", "/v1/expenses", ada)
    assert [e["id"] for e in page["items"]] == [first["id"]]
    s3, problem = await stack.call(
        "POST", "/v1/expenses", ada, json={**LUNCH, "amount": "99.00"}, headers=key
    )
    assert s3 == 422
    assert problem["code"] == "idempotency_mismatch"
