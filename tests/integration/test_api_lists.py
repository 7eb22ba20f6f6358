"""Expense lists, client ids, deletes, async writes and the API's own documents, end to end."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from pydantic import BaseModel

from bus.expense_commands import CreateCategory, CreateExpense, CreateTrip, UpdateExpense
from http_edge.schemas import RegisterRequest
from tests.support.helpers import Account, Stack, eventually

pytestmark = pytest.mark.integration


async def _create(stack: Stack, account: Account, **fields: Any) -> dict[str, Any]:
    body = {"amount": "1.00", "currency": "EUR", "date": "2026-01-01", **fields}
    status, created = await stack.call("POST", "/v1/expenses", account, json=body)
    assert status == 201, created
    return dict(created)


async def _ids(stack: Stack, account: Account, query: str) -> list[str]:
    status, page = await stack.call("GET", f"/v1/expenses?{query}", account)
    assert status == 200, page
    return [item["id"] for item in page["items"]]


# ---- filters and pages --------------------------------------------------------------------


@pytest.fixture(scope="module")
async def filtered(stack: Stack) -> tuple[Account, dict[str, str]]:
    """One user's expenses spread over dates, categories, a trip, income and texts."""
    ada = await stack.signup()
    _, cat = await stack.call("POST", "/v1/categories", ada, json={"name": "Cafes"})
    trip = {"name": "Lyon", "start_date": "2026-01-09", "end_date": "2026-01-11", "currency": "EUR"}
    _, lyon = await stack.call("POST", "/v1/trips", ada, json=trip)
    rows = {
        "mug": {"date": "2026-01-05", "description": "mug", "merchant": "Blue Bottle"},
        "train": {"date": "2026-01-10", "description": "Train ticket", "trip_id": lyon["id"]},
        "salary": {"date": "2026-01-15", "description": "Salary", "type": "income"},
        "dinner": {"date": "2026-01-20", "description": "Dinner", "category_id": cat["id"]},
        "pencils": {"date": "2026-01-25", "description": "BLUE pencils", "merchant": "C++ Books"},
    }
    ids = {name: (await _create(stack, ada, **fields))["id"] for name, fields in rows.items()}
    ids["category"], ids["trip"] = cat["id"], lyon["id"]
    return ada, ids


async def test_date_range_is_inclusive_at_both_ends(
    stack: Stack, filtered: tuple[Account, dict[str, str]]
) -> None:
    ada, ids = filtered
    found = await _ids(stack, ada, "from=2026-01-10&to=2026-01-20")
    assert [ids["dinner"], ids["salary"], ids["train"]] == found


async def test_from_alone_and_to_alone_bound_one_side(
    stack: Stack, filtered: tuple[Account, dict[str, str]]
) -> None:
    ada, ids = filtered
    assert [ids["pencils"], ids["dinner"]] == await _ids(stack, ada, "from=2026-01-20")
    assert [ids["train"], ids["mug"]] == await _ids(stack, ada, "to=2026-01-10")


async def test_category_trip_and_type_filters(
    stack: Stack, filtered: tuple[Account, dict[str, str]]
) -> None:
    ada, ids = filtered
    assert [ids["dinner"]] == await _ids(stack, ada, f"category_id={ids['category']}")
    assert [ids["train"]] == await _ids(stack, ada, f"trip_id={ids['trip']}")
    assert [ids["salary"]] == await _ids(stack, ada, "type=income")
    assert ids["salary"] not in await _ids(stack, ada, "type=expense")


async def test_text_search_matches_description_and_merchant_ignoring_case(
    stack: Stack, filtered: tuple[Account, dict[str, str]]
) -> None:
    ada, ids = filtered
    assert [ids["pencils"], ids["mug"]] == await _ids(stack, ada, "q=blue")
    assert [ids["train"]] == await _ids(stack, ada, "q=TRAIN")


async def test_text_search_treats_regex_characters_literally(
    stack: Stack, filtered: tuple[Account, dict[str, str]]
) -> None:
    ada, ids = filtered
    assert [ids["pencils"]] == await _ids(stack, ada, "q=c%2B%2B")
    assert await _ids(stack, ada, "q=.%2A") == []


async def test_filters_only_show_the_callers_expenses(
    stack: Stack, filtered: tuple[Account, dict[str, str]]
) -> None:
    _, ids = filtered
    bob = await stack.signup("Bob")
    await _create(stack, bob, date="2026-01-12", description="blue train")
    bobs = await _ids(stack, bob, "q=blue&from=2026-01-01&to=2026-01-31")
    assert len(bobs) == 1
    assert not set(bobs) & set(ids.values())


async def test_cursor_pages_return_every_expense_once_newest_first(stack: Stack) -> None:
    ada = await stack.signup()
    dates = ["2026-02-01", "2026-02-03", "2026-02-01", "2026-01-31"]
    dates += ["2026-02-02", "2026-02-01", "2026-02-02"]
    created = [await _create(stack, ada, date=day) for day in dates]
    expected = [e["id"] for e in sorted(created, key=lambda e: (e["date"], e["id"]), reverse=True)]

    seen: list[str] = []
    sizes: list[int] = []
    cursor: str | None = None
    while True:
        query = "limit=3" + (f"&cursor={cursor}" if cursor else "")
        status, page = await stack.call("GET", f"/v1/expenses?{query}", ada)
        assert status == 200, page
        seen += [item["id"] for item in page["items"]]
        sizes.append(len(page["items"]))
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert len(sizes) < 5, "pagination does not end"
    assert ([3, 3, 1], expected) == (sizes, seen)


async def test_limit_equal_to_the_count_has_no_next_cursor(stack: Stack) -> None:
    ada = await stack.signup()
    for day in ("2026-03-01", "2026-03-02"):
        await _create(stack, ada, date=day)
    _, page = await stack.call("GET", "/v1/expenses?limit=2", ada)
    assert (len(page["items"]), page["next_cursor"]) == (2, None)


# ---- client ids and deletes ---------------------------------------------------------------


async def test_client_made_id_is_used_and_reusing_it_is_409_with_current(stack: Stack) -> None:
    ada = await stack.signup()
    client_id = str(uuid.uuid4())
    created = await _create(stack, ada, id=client_id, description="offline")
    assert client_id == created["id"]
    status, problem = await stack.call(
        "POST",
        "/v1/expenses",
        ada,
        json={"id": client_id, "amount": "2.00", "currency": "EUR", "date": "2026-01-02"},
    )
    assert (status, problem["code"]) == (409, "conflict")
    assert created == problem["current"]
    assert [client_id] == await _ids(stack, ada, "")


async def test_delete_then_get_is_404_and_a_second_delete_is_404(stack: Stack) -> None:
    ada = await stack.signup()
    created = await _create(stack, ada)
    path = f"/v1/expenses/{created['id']}"
    status, tombstone = await stack.call("DELETE", path, ada)
    assert (200, created["id"], 2) == (status, tombstone["id"], tombstone["version"])
    assert (await stack.call("GET", path, ada))[0] == 404
    status, problem = await stack.call("DELETE", path, ada)
    assert (status, problem["code"]) == (404, "not_found")
    assert await _ids(stack, ada, "") == []


# ---- async writes -------------------------------------------------------------------------


async def test_respond_async_is_202_and_the_outcome_is_for_the_issuer_only(stack: Stack) -> None:
    ada, bob = await stack.signup("Ada"), await stack.signup("Bob")
    body = {"amount": "4.20", "currency": "EUR", "date": "2026-01-03", "description": "later"}
    async with stack.http.post(
        "/v1/expenses",
        json=body,
        headers={**ada.headers, "Prefer": "respond-async"},
    ) as resp:
        assert resp.status == 202, await resp.text()
        accepted = await resp.json()
        location = resp.headers["Location"]
    command_id = accepted["command_id"]
    assert (f"/v1/commands/{command_id}", "pending") == (location, accepted["status"])

    bob_views: list[tuple[int, Any]] = []

    async def applied() -> dict[str, Any] | None:
        bob_views.append(await stack.call("GET", location, bob))
        status, view = await stack.call("GET", location, ada)
        assert status in (200, 202), view
        return dict(view) if view["status"] == "accepted" else None

    view = await eventually(applied)
    entity = view["outcome"]["entity"]
    assert (entity["amount"], entity["description"]) == ("4.20", "later")
    status, fetched = await stack.call("GET", f"/v1/expenses/{entity['id']}", ada)
    assert (200, entity) == (status, fetched)

    bob_views.append(await stack.call("GET", location, bob))
    for status, bob_view in bob_views:
        shown = bob_view["status"] if status == 202 else bob_view["code"]
        assert (status, shown) in ((202, "pending"), (404, "not_found")), bob_view
        assert "outcome" not in bob_view or bob_view["outcome"] is None


async def test_someone_elses_command_looks_the_same_as_an_unknown_one(stack: Stack) -> None:
    """system.py promises that unknown, someone else's and unapplied commands look alike."""
    ada, bob = await stack.signup("Ada"), await stack.signup("Bob")
    async with stack.http.post(
        "/v1/expenses",
        json={"amount": "1.00", "currency": "EUR", "date": "2026-01-01"},
        headers=ada.headers,
    ) as resp:
        assert resp.status == 201
        command_id = resp.headers["X-Command-Id"]
    _, mine = await stack.call("GET", f"/v1/commands/{command_id}", ada)
    assert mine["status"] == "accepted"

    unknown_id = str(uuid.uuid4())
    theirs = await stack.call("GET", f"/v1/commands/{command_id}", bob)
    unknown = await stack.call("GET", f"/v1/commands/{unknown_id}", bob)
    assert (unknown[0], unknown[1]["status"]) == (theirs[0], theirs[1].get("status"))


# ---- timestamps ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "moment", ["2026-11-20T18:30:00+09:00", "2026-11-20T06:15:00-03:30", "2026-11-20T23:59:59Z"]
)
async def test_occurred_at_comes_back_with_the_offset_it_was_sent_with(
    stack: Stack, moment: str
) -> None:
    ada = await stack.signup()
    created = await _create(stack, ada, date="2026-11-20", occurred_at=moment)
    _, fetched = await stack.call("GET", f"/v1/expenses/{created['id']}", ada)
    _, page = await stack.call("GET", "/v1/expenses", ada)
    assert [moment] * 3 == [
        created["occurred_at"],
        fetched["occurred_at"],
        page["items"][0]["occurred_at"],
    ]


# ---- OpenAPI and docs ---------------------------------------------------------------------

ROUTES = [
    "/v1/auth/register",
    "/v1/expenses",
    "/v1/expenses/{id}",
    "/v1/trips/{id}/summary",
    "/v1/categories",
    "/v1/commands/{id}",
    "/healthz",
    "/readyz",
]


def _schema(document: dict[str, Any], ref: str) -> dict[str, Any]:
    schema: dict[str, Any] = document["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return schema


def _body_schema(document: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    """The request body schema of one operation, with `allOf: [ref]` and `$ref` resolved."""
    body = document["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    ref = body.get("$ref") or body["allOf"][0]["$ref"]
    return _schema(document, ref)


async def test_openapi_lists_every_route(stack: Stack) -> None:
    status, document = await stack.call("GET", "/v1/openapi.json")
    assert (status, document["openapi"]) == (200, "3.1.0")
    assert set(ROUTES) <= set(document["paths"])
    assert {"get", "post"} <= set(document["paths"]["/v1/expenses"])
    assert {"get", "patch", "delete"} <= set(document["paths"]["/v1/expenses/{id}"])


async def test_openapi_promises_202_only_where_a_command_can_be_pending(stack: Stack) -> None:
    _, document = await stack.call("GET", "/v1/openapi.json")
    paths = document["paths"]
    for path, method in (
        ("/v1/expenses", "post"),
        ("/v1/expenses/{id}", "patch"),
        ("/v1/expenses/{id}", "delete"),
        ("/v1/auth/register", "post"),
    ):
        assert "202" in paths[path][method]["responses"], (path, method)
    assert "202" not in paths["/v1/currency/convert"]["post"]["responses"]
    assert "202" not in paths["/v1/auth/login"]["post"]["responses"]


@pytest.mark.parametrize(
    ("path", "method", "model", "fields"),
    [
        ("/v1/auth/register", "post", RegisterRequest, set()),
        ("/v1/expenses", "post", CreateExpense, set()),
        # a PATCH body: the id comes from the path, the expected version may come in the body
        ("/v1/expenses/{id}", "patch", UpdateExpense, {"-id", "+expected_version"}),
        ("/v1/categories", "post", CreateCategory, set()),
        ("/v1/trips", "post", CreateTrip, set()),
    ],
)
async def test_openapi_request_schemas_match_the_payload_models(
    stack: Stack, path: str, method: str, model: type[BaseModel], fields: set[str]
) -> None:
    _, document = await stack.call("GET", "/v1/openapi.json")
    schema = _body_schema(document, path, method)
    expected = set(model.model_fields) - {f[1:] for f in fields if f[0] == "-"}
    expected |= {f[1:] for f in fields if f[0] == "+"}
    assert (set(schema["properties"]), schema["additionalProperties"]) == (expected, False)


async def test_openapi_types_amounts_as_strings_and_refuses_unknown_fields(stack: Stack) -> None:
    _, document = await stack.call("GET", "/v1/openapi.json")
    schema = _body_schema(document, "/v1/expenses", "post")
    assert (
        schema["properties"]["amount"]["type"],
        schema["additionalProperties"],
    ) == ("string", False)
    assert {"amount", "currency", "date"} == set(schema["required"])


def _documented_body_refuses(schema: dict[str, Any], body: dict[str, Any]) -> list[str]:
    """Why ``body`` breaks ``schema``'s top-level `required` and `additionalProperties`."""
    reasons = [f"missing {name}" for name in schema.get("required", []) if name not in body]
    if schema.get("additionalProperties") is False:
        reasons += [f"unknown {name}" for name in body if name not in schema["properties"]]
    return reasons


async def test_openapi_patch_body_describes_the_body_the_server_accepts(stack: Stack) -> None:
    ada = await stack.signup()
    created = await _create(stack, ada)
    body = {"amount": "15.00", "expected_version": 1}
    status, updated = await stack.call("PATCH", f"/v1/expenses/{created['id']}", ada, json=body)
    assert (status, updated["version"]) == (200, 2)
    _, document = await stack.call("GET", "/v1/openapi.json")
    schema = _body_schema(document, "/v1/expenses/{id}", "patch")
    assert _documented_body_refuses(schema, body) == []


async def test_docs_page_is_html_naming_the_routes(stack: Stack) -> None:
    async with stack.http.get("/v1/docs") as resp:
        assert (resp.status, resp.content_type) == (200, "text/html")
        page = await resp.text()
    assert page.startswith("<!doctype html>")
    assert "<code>/v1/expenses</code>" in page
    assert "<code>/v1/trips/{id}/summary</code>" in page


async def test_edge_serves_the_bus_asyncapi_document(stack: Stack) -> None:
    status, document = await stack.call("GET", "/v1/asyncapi.json")
    assert (status, document["asyncapi"]) == (200, "3.0.0")
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert {"cmd.expenses.*", "cmd.accounts.*", "evt.*.*.user.registered"} <= addresses
    assert {"Command", "Event"} <= set(document["components"]["schemas"])
