"""Bad input over HTTP: a clear problem document, and nothing written."""

from __future__ import annotations

import uuid

import pytest

from tests.support.helpers import Stack

pytestmark = pytest.mark.integration

GOOD = {"amount": "12.30", "currency": "EUR", "date": "2026-11-20", "description": "lunch"}


async def _count(stack: Stack, account: object) -> int:
    _, page = await stack.call("GET", "/v1/expenses?limit=200", account)  # type: ignore[arg-type]
    return len(page["items"])


async def test_malformed_json_is_400(stack: Stack) -> None:
    ada = await stack.signup()
    status, problem = await stack.call(
        "POST",
        "/v1/expenses",
        ada,
        data=b'{"amount": "1.00",',
        headers={"Content-Type": "application/json"},
    )
    assert (status, problem["code"]) == (400, "malformed_json")
    assert await _count(stack, ada) == 0


async def test_non_json_body_is_415(stack: Stack) -> None:
    ada = await stack.signup()
    status, problem = await stack.call(
        "POST", "/v1/expenses", ada, data=b"amount=1", headers={"Content-Type": "text/plain"}
    )
    assert (status, problem["code"]) == (415, "unsupported_media_type")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "-5.00"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"amount": 12.3}, "amount"),
        ({"amount": "1e3"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": " 12.30"}, "amount"),
        ({"amount": 12}, "amount"),
        ({"date": 0}, "date"),
        ({"date": "0"}, "date"),
        ({"occurred_at": 0.5}, "occurred_at"),
        ({"currency": "usd"}, "currency"),
        ({"currency": "XYZ"}, "currency"),
        ({"date": "1969-12-31"}, "date"),
        ({"date": "2026-02-30"}, "date"),
        ({"description": "x" * 501}, "description"),
        ({"tags": ["t"] * 21}, "tags"),
        ({"occurred_at": "2026-11-20T10:00:00"}, "occurred_at"),
        ({"type": "refund"}, "type"),
        ({"colour": "red"}, "colour"),
        ({"category_id": "not-a-uuid"}, "category_id"),
    ],
)
async def test_invalid_fields_are_422_with_field_errors(
    stack: Stack, change: dict[str, object], field: str
) -> None:
    ada = await stack.signup()
    status, problem = await stack.call("POST", "/v1/expenses", ada, json={**GOOD, **change})
    assert status == 422, problem
    assert problem["code"] == "validation"
    assert any(field in err["loc"] for err in problem["errors"]), problem["errors"]
    assert await _count(stack, ada) == 0


@pytest.mark.parametrize(
    ("amount", "currency"),
    [("12.345", "EUR"), ("100.5", "JPY"), ("1.2345", "KWD"), ("12.300", "EUR"), ("100.0", "JPY")],
)
async def test_more_decimals_than_the_currency_has_is_422(
    stack: Stack, amount: str, currency: str
) -> None:
    ada = await stack.signup()
    status, problem = await stack.call(
        "POST", "/v1/expenses", ada, json={**GOOD, "amount": amount, "currency": currency}
    )
    assert status == 422
    assert currency in problem["errors"][0]["msg"]


async def test_minor_units_follow_the_currency(stack: Stack) -> None:
    ada = await stack.signup()
    for amount, currency, shown in (
        ("1500", "JPY", "1500"),
        ("1.250", "KWD", "1.250"),
        ("7.5", "USD", "7.50"),
    ):
        status, created = await stack.call(
            "POST", "/v1/expenses", ada, json={**GOOD, "amount": amount, "currency": currency}
        )
        assert (status, created["amount"]) == (201, shown)


async def test_body_over_one_mebibyte_is_413(stack: Stack) -> None:
    ada = await stack.signup()
    huge = b'{"description": "' + b"x" * (1024 * 1024 + 10) + b'"}'
    status, problem = await stack.call(
        "POST", "/v1/expenses", ada, data=huge, headers={"Content-Type": "application/json"}
    )
    assert (status, problem["code"]) == (413, "too_large")


async def test_someone_elses_expense_is_404_and_unchanged(stack: Stack) -> None:
    ada, bob = await stack.signup("Ada"), await stack.signup("Bob")
    _, mine = await stack.call("POST", "/v1/expenses", ada, json=GOOD)
    path = f"/v1/expenses/{mine['id']}"
    assert (await stack.call("GET", path, bob))[0] == 404
    assert (await stack.call("PATCH", path, bob, json={"amount": "1.00"}))[0] == 404
    assert (await stack.call("DELETE", path, bob))[0] == 404
    status, still = await stack.call("GET", path, ada)
    assert (status, still) == (200, mine)


async def test_someone_elses_trip_is_404(stack: Stack) -> None:
    ada, bob = await stack.signup("Ada"), await stack.signup("Bob")
    trip = {
        "name": "Kyoto",
        "start_date": "2026-04-01",
        "end_date": "2026-04-10",
        "currency": "JPY",
    }
    _, created = await stack.call("POST", "/v1/trips", ada, json=trip)
    assert (await stack.call("GET", f"/v1/trips/{created['id']}", bob))[0] == 404
    assert (await stack.call("GET", f"/v1/trips/{created['id']}/summary", bob))[0] == 404
    status, problem = await stack.call(
        "POST", "/v1/expenses", bob, json={**GOOD, "trip_id": created["id"]}
    )
    assert (status, problem["code"]) == (404, "not_found")  # not Bob's trip: unknown to him


async def test_a_rejected_update_writes_nothing(stack: Stack) -> None:
    ada = await stack.signup()
    _, created = await stack.call("POST", "/v1/expenses", ada, json=GOOD)
    path = f"/v1/expenses/{created['id']}"
    status, _ = await stack.call("PATCH", path, ada, json={"category_id": str(uuid.uuid4())})
    assert status == 404  # no such category
    _, after = await stack.call("GET", path, ada)
    assert after == created


async def test_same_idempotency_key_from_two_users_never_collides(stack: Stack) -> None:
    ada, bob = await stack.signup("Ada"), await stack.signup("Bob")
    key = {"Idempotency-Key": "shared-key-1"}
    s1, a = await stack.call("POST", "/v1/expenses", ada, json=GOOD, headers=key)
    s2, b = await stack.call("POST", "/v1/expenses", bob, json=GOOD, headers=key)
    assert (s1, s2) == (201, 201)
    assert a["id"] != b["id"]


async def test_unknown_query_parameters_and_bad_cursor_are_422(stack: Stack) -> None:
    ada = await stack.signup()
    assert (await stack.call("GET", "/v1/expenses?sort=amount", ada))[0] == 422
    assert (await stack.call("GET", "/v1/expenses?cursor=%%%", ada))[0] == 422
    assert (await stack.call("GET", "/v1/expenses?limit=1000", ada))[0] == 422


async def test_unknown_route_is_problem_json_404(stack: Stack) -> None:
    status, problem = await stack.call("GET", "/v1/nothing-here")
    assert (status, problem["code"]) == (404, "not_found")


async def test_odd_version_headers_and_deep_json_are_4xx_not_500(stack: Stack) -> None:
    ada = await stack.signup()
    _, created = await stack.call("POST", "/v1/expenses", ada, json=GOOD)
    path = f"/v1/expenses/{created['id']}"
    for header in ('"\u00b2"', '"' + "9" * 5000 + '"', '"-1"', "W/abc"):
        status, problem = await stack.call(
            "PATCH", path, ada, json={"amount": "2.00"}, headers={"If-Match": header}
        )
        assert (status, problem["code"]) == (400, "bad_precondition")
    deep = b"[" * 100_000 + b"]" * 100_000
    status, problem = await stack.call(
        "POST", "/v1/expenses", ada, data=deep, headers={"Content-Type": "application/json"}
    )
    assert status in (400, 413)
