"""Trips (with their summary) and categories over HTTP, end to end on real NATS and SecantusDB."""

from __future__ import annotations

from typing import Any

import pytest

from actors.expenses.rules import DEFAULT_CATEGORIES
from tests.support.helpers import Account, Stack, eventually

pytestmark = pytest.mark.integration

KYOTO = {
    "name": "Kyoto",
    "destination": "Japan",
    "start_date": "2026-04-01",
    "end_date": "2026-04-10",
    "currency": "JPY",
}


async def _create(stack: Stack, account: Account, path: str, body: dict[str, Any]) -> Any:
    status, created = await stack.call("POST", path, account, json=body)
    assert status == 201, created
    return created


async def _expense(stack: Stack, account: Account, **fields: Any) -> Any:
    body = {"date": "2026-04-02", "description": "", **fields}
    return await _create(stack, account, "/v1/expenses", body)


async def _category_names(stack: Stack, account: Account, query: str = "") -> list[str]:
    status, page = await stack.call("GET", f"/v1/categories{query}", account)
    assert status == 200, page
    return [c["name"] for c in page["items"]]


# ---- trips --------------------------------------------------------------------------------


async def test_trip_create_then_get_returns_the_same_trip(stack: Stack) -> None:
    ada = await stack.signup()
    created = await _create(stack, ada, "/v1/trips", KYOTO)
    assert (created["name"], created["start_date"], created["version"]) == (
        "Kyoto",
        "2026-04-01",
        1,
    )
    status, fetched = await stack.call("GET", f"/v1/trips/{created['id']}", ada)
    assert (200, created) == (status, fetched)


async def test_trip_update_bumps_version_and_stale_version_is_409_with_current(
    stack: Stack,
) -> None:
    ada = await stack.signup()
    created = await _create(stack, ada, "/v1/trips", KYOTO)
    path = f"/v1/trips/{created['id']}"
    status, updated = await stack.call(
        "PATCH", path, ada, json={"end_date": "2026-04-12"}, headers={"If-Match": '"1"'}
    )
    assert status == 200, updated
    assert (updated["end_date"], updated["version"]) == ("2026-04-12", 2)
    status, problem = await stack.call(
        "PATCH", path, ada, json={"name": "Osaka"}, headers={"If-Match": '"1"'}
    )
    assert (status, problem["code"]) == (409, "conflict")
    assert (
        problem["current"]["version"],
        problem["current"]["name"],
        problem["current"]["end_date"],
    ) == (2, "Kyoto", "2026-04-12")
    _, after = await stack.call("GET", path, ada)
    assert updated == after


async def test_trip_update_moving_end_before_start_is_422_and_changes_nothing(
    stack: Stack,
) -> None:
    ada = await stack.signup()
    created = await _create(stack, ada, "/v1/trips", KYOTO)
    path = f"/v1/trips/{created['id']}"
    status, problem = await stack.call("PATCH", path, ada, json={"end_date": "2026-03-01"})
    assert (status, problem["code"]) == (422, "validation")
    _, after = await stack.call("GET", path, ada)
    assert created == after


async def test_deleted_trip_is_404_on_get_summary_and_second_delete(stack: Stack) -> None:
    ada = await stack.signup()
    created = await _create(stack, ada, "/v1/trips", KYOTO)
    path = f"/v1/trips/{created['id']}"
    status, gone = await stack.call("DELETE", path, ada, headers={"If-Match": '"1"'})
    assert (status, gone["version"]) == (200, 2)
    assert (await stack.call("GET", path, ada))[0] == 404
    assert (await stack.call("GET", f"{path}/summary", ada))[0] == 404
    assert (await stack.call("DELETE", path, ada))[0] == 404
    _, page = await stack.call("GET", "/v1/trips", ada)
    assert page["items"] == []


async def test_trip_summary_totals_per_currency_and_category_with_income_apart(
    stack: Stack,
) -> None:
    ada = await stack.signup()
    trip = await _create(stack, ada, "/v1/trips", KYOTO)
    food = await _create(stack, ada, "/v1/categories", {"name": "Trip food"})
    rail = await _create(stack, ada, "/v1/categories", {"name": "Trip rail"})
    on_trip = {"trip_id": trip["id"]}
    await _expense(stack, ada, amount="10.10", currency="EUR", category_id=food["id"], **on_trip)
    await _expense(stack, ada, amount="0.20", currency="EUR", category_id=food["id"], **on_trip)
    await _expense(stack, ada, amount="1500", currency="JPY", category_id=rail["id"], **on_trip)
    await _expense(stack, ada, amount="3.5", currency="EUR", category_id=rail["id"], **on_trip)
    await _expense(stack, ada, amount="250.00", currency="EUR", type="income", **on_trip)
    await _expense(stack, ada, amount="99.99", currency="EUR", category_id=food["id"])  # no trip

    status, summary = await stack.call("GET", f"/v1/trips/{trip['id']}/summary", ada)
    assert status == 200, summary
    assert trip["id"] == summary["trip"]["id"]
    assert summary["expense_count"] == 4
    assert summary["totals"] == [
        {"currency": "EUR", "amount": "13.80"},
        {"currency": "JPY", "amount": "1500"},
    ]
    assert summary["income"] == [{"currency": "EUR", "amount": "250.00"}]
    expected_by_category = sorted(
        [
            {"category_id": food["id"], "currency": "EUR", "amount": "10.30"},
            {"category_id": rail["id"], "currency": "EUR", "amount": "3.50"},
            {"category_id": rail["id"], "currency": "JPY", "amount": "1500"},
        ],
        key=lambda line: (line["category_id"], line["currency"]),
    )
    assert expected_by_category == summary["by_category"]


async def test_trip_summary_leaves_out_deleted_expenses(stack: Stack) -> None:
    ada = await stack.signup()
    trip = await _create(stack, ada, "/v1/trips", KYOTO)
    kept = await _expense(stack, ada, amount="1.10", currency="EUR", trip_id=trip["id"])
    dropped = await _expense(stack, ada, amount="5.00", currency="EUR", trip_id=trip["id"])
    assert (await stack.call("DELETE", f"/v1/expenses/{dropped['id']}", ada))[0] == 200
    _, summary = await stack.call("GET", f"/v1/trips/{trip['id']}/summary", ada)
    assert (1, [{"currency": "EUR", "amount": kept["amount"]}]) == (
        summary["expense_count"],
        summary["totals"],
    )


# ---- categories ---------------------------------------------------------------------------


async def test_default_categories_exist_after_signup(stack: Stack) -> None:
    ada = await stack.signup()
    defaults = sorted(name for name, _, _ in DEFAULT_CATEGORIES)

    async def seeded() -> list[str] | None:
        names = await _category_names(stack, ada)
        return names if len(names) >= len(defaults) else None

    assert defaults == await eventually(seeded)
    _, page = await stack.call("GET", "/v1/categories", ada)
    assert all(c["is_default"] and not c["archived"] for c in page["items"])


async def test_custom_category_is_created_and_listed(stack: Stack) -> None:
    ada = await stack.signup()
    created = await _create(
        stack, ada, "/v1/categories", {"name": "Coffee", "icon": "cup", "color": "#112233"}
    )
    assert (
        created["name"],
        created["icon"],
        created["color"],
        created["is_default"],
        created["version"],
    ) == ("Coffee", "cup", "#112233", False, 1)
    _, page = await stack.call("GET", "/v1/categories", ada)
    assert created in page["items"]


async def test_category_rename_with_if_match_and_stale_version_is_409(stack: Stack) -> None:
    ada = await stack.signup()
    created = await _create(stack, ada, "/v1/categories", {"name": "Coffee"})
    path = f"/v1/categories/{created['id']}"
    status, renamed = await stack.call(
        "PATCH", path, ada, json={"name": "Tea"}, headers={"If-Match": '"1"'}
    )
    assert (status, renamed["name"], renamed["version"]) == (200, "Tea", 2)
    status, problem = await stack.call(
        "PATCH", path, ada, json={"name": "Juice"}, headers={"If-Match": '"1"'}
    )
    assert (status, problem["code"], problem["current"]["name"]) == (409, "conflict", "Tea")
    names = await _category_names(stack, ada)
    assert "Tea" in names
    assert "Coffee" not in names


async def test_archived_category_is_hidden_unless_asked_for(stack: Stack) -> None:
    ada = await stack.signup()
    created = await _create(stack, ada, "/v1/categories", {"name": "Old hobby"})
    status, archived = await stack.call(
        "DELETE", f"/v1/categories/{created['id']}", ada, headers={"If-Match": '"1"'}
    )
    assert (status, archived["archived"], archived["version"]) == (200, True, 2)
    assert "Old hobby" not in await _category_names(stack, ada)
    _, page = await stack.call("GET", "/v1/categories?include_archived=true", ada)
    assert archived in page["items"]


async def test_expense_with_an_archived_category_is_409(stack: Stack) -> None:
    ada = await stack.signup()
    created = await _create(stack, ada, "/v1/categories", {"name": "Old hobby"})
    assert (await stack.call("DELETE", f"/v1/categories/{created['id']}", ada))[0] == 200
    status, problem = await stack.call(
        "POST",
        "/v1/expenses",
        ada,
        json={
            "amount": "5.00",
            "currency": "EUR",
            "date": "2026-04-02",
            "category_id": created["id"],
        },
    )
    assert (status, problem["code"]) == (409, "category_archived")  # archived since: a state
    assert [e["loc"] for e in problem["errors"]] == [["body", "category_id"]]
    _, page = await stack.call("GET", "/v1/expenses", ada)
    assert page["items"] == []


async def test_someone_elses_category_cannot_be_renamed_or_used(stack: Stack) -> None:
    ada, bob = await stack.signup("Ada"), await stack.signup("Bob")
    created = await _create(stack, ada, "/v1/categories", {"name": "Private"})
    path = f"/v1/categories/{created['id']}"
    assert (await stack.call("PATCH", path, bob, json={"name": "Mine"}))[0] == 404
    assert (await stack.call("DELETE", path, bob))[0] == 404
    status, _ = await stack.call(
        "POST",
        "/v1/expenses",
        bob,
        json={
            "amount": "5.00",
            "currency": "EUR",
            "date": "2026-04-02",
            "category_id": created["id"],
        },
    )
    assert status == 404  # not Bob's: no such category for him
    assert "Private" in await _category_names(stack, ada)
