"""Input rules over HTTP and Socket.IO against the running stack: every integer a client sends
is bounded (a 422, never a 500) and says so in the OpenAPI document, and dates and times are
ISO 8601 strings only, in bodies, query strings and socket commands. Amounts and settlement
names: ``tests/test_input_money.py``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bus.limits import MAX_SEQ
from tests.support.group_helpers import make_group
from tests.support.helpers import Account, Stack
from tests.support.sockets import open_device

pytestmark = pytest.mark.integration

LUNCH = {"amount": "12.30", "currency": "EUR", "date": "2026-11-20", "description": "lunch"}
TEMPLATE = {"amount": "12.30", "currency": "EUR", "description": "rent"}
INT64_PAST = 2**63  # 9223372036854775808: what made pymongo raise OverflowError (a 500)


def _fields(problem: dict[str, Any]) -> set[object]:
    return {part for error in problem.get("errors", []) for part in error["loc"]}


async def _expense(stack: Stack, who: Account, **change: Any) -> tuple[int, Any]:
    return await stack.call("POST", "/v1/expenses", who, json={**LUNCH, **change})


# ---- integers have bounds -------------------------------------------------------------------


async def test_an_activity_cursor_past_any_seq_is_422_not_500(stack: Stack) -> None:
    ada = await stack.signup("Ada")
    group = await make_group(stack, ada)
    path = f"/v1/groups/{group['id']}/activity"
    for before in (INT64_PAST, MAX_SEQ + 1, 0, -1):
        status, problem = await stack.call("GET", f"{path}?before={before}", ada)
        assert (status, problem["code"]) == (422, "validation"), (before, problem)
        assert "before" in _fields(problem)
    status, page = await stack.call("GET", f"{path}?before={MAX_SEQ}", ada)
    assert status == 200, page
    assert page["items"]  # the group's creation and membership are below any seq
    for limit in (0, 201, INT64_PAST):
        status, problem = await stack.call("GET", f"{path}?limit={limit}", ada)
        assert status == 422, (limit, problem)


@pytest.mark.parametrize(
    ("how", "sent"),
    [
        ("body", INT64_PAST),
        ("body", MAX_SEQ + 1),
        ("body", -1),
        ("body", "1"),  # a JSON string is not a JSON integer
        ("body", 1.5),
        ("body", True),
        ("query", str(INT64_PAST)),
        ("query", "-1"),
    ],
)
async def test_an_expected_version_out_of_bounds_is_422(
    stack: Stack, how: str, sent: object
) -> None:
    ada = await stack.signup("Ada")
    _, created = await _expense(stack, ada)
    path = f"/v1/expenses/{created['id']}"
    if how == "body":
        status, problem = await stack.call(
            "PATCH", path, ada, json={"description": "x", "expected_version": sent}
        )
    else:
        status, problem = await stack.call("DELETE", f"{path}?expected_version={sent}", ada)
    assert (status, problem["code"]) == (422, "validation"), problem
    assert "expected_version" in _fields(problem)
    _, still = await stack.call("GET", path, ada)
    assert still == created


async def test_versions_up_to_the_bound_are_preconditions_that_conflict(stack: Stack) -> None:
    ada = await stack.signup("Ada")
    _, created = await _expense(stack, ada)
    path = f"/v1/expenses/{created['id']}"
    status, problem = await stack.call(
        "PATCH", path, ada, json={"description": "x", "expected_version": MAX_SEQ}
    )
    assert (status, problem["code"]) == (409, "conflict"), problem
    status, problem = await stack.call(
        "PATCH", path, ada, json={"description": "x"}, headers={"If-Match": f'"{INT64_PAST}"'}
    )
    assert (status, problem["code"]) == (400, "bad_precondition"), problem
    status, problem = await stack.call(
        "DELETE", path, ada, headers={"If-Match": f'"{MAX_SEQ + 1}"'}
    )
    assert (status, problem["code"]) == (400, "bad_precondition"), problem
    status, changed = await stack.call(
        "PATCH", path, ada, json={"description": "x"}, headers={"If-Match": '"1"'}
    )
    assert (status, changed["version"]) == (200, 2), changed


async def test_socket_and_sync_versions_are_bounded_too(stack: Stack) -> None:
    ada = await stack.signup("Ada")
    _, created = await _expense(stack, ada)
    update = {"id": created["id"], "description": "x"}
    command = {
        "type": "expense.update",
        "payload": update,
        "expected_version": INT64_PAST,
        "command_id": "far-future-version",
    }
    status, body = await stack.call("POST", "/v1/sync/commands", ada, json={"commands": [command]})
    assert status == 200, body
    assert body["results"][0]["status"] == "rejected"
    assert ["expected_version"] in [e["loc"] for e in body["results"][0]["errors"]]
    device = await open_device(stack.base_url, ada.access_token)
    try:
        ack = await device.command(command)
        assert (ack["status"], ack["code"]) == ("rejected", "validation"), ack
    finally:
        await device.close()


BUDGET = {"name": "B", "amount": "10.00", "currency": "EUR"}
RULE = {"template": TEMPLATE, "start_date": "2026-11-20"}


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/budgets", {**BUDGET, "period": "weekly", "week_start": 7}, "week_start"),
        ("/v1/budgets", {**BUDGET, "period": "weekly", "week_start": "1"}, "week_start"),
        ("/v1/budgets", {**BUDGET, "thresholds": [2**63]}, "thresholds"),
        ("/v1/budgets", {**BUDGET, "thresholds": [50.5]}, "thresholds"),
        ("/v1/recurring", {**RULE, "every": 2**63}, "every"),
        ("/v1/recurring", {**RULE, "count": "3"}, "count"),
        ("/v1/recurring", {**RULE, "day_of_month": True}, "day_of_month"),
    ],
)
async def test_body_integers_are_json_integers_within_their_bounds(
    stack: Stack, path: str, body: dict[str, Any], field: str
) -> None:
    ada = await stack.signup("Ada")
    status, problem = await stack.call("POST", path, ada, json=body)
    assert (status, problem["code"]) == (422, "validation"), problem
    assert field in _fields(problem), problem
    status, made = await stack.call(
        "POST", path, ada, json={**body, field: [80] if field == "thresholds" else 1}
    )
    assert status == 201, made


async def test_every_integer_a_request_may_carry_has_bounds_in_the_openapi_document(
    stack: Stack,
) -> None:
    status, document = await stack.call("GET", "/v1/openapi.json")
    assert status == 200
    schemas = document["components"]["schemas"]
    unbounded: list[str] = []

    def walk(schema: Any, where: str, seen: frozenset[str]) -> None:
        if isinstance(schema, list):
            for index, item in enumerate(schema):
                walk(item, f"{where}[{index}]", seen)
            return
        if not isinstance(schema, dict):
            return
        ref = schema.get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[-1]
            if name not in seen:
                walk(schemas[name], f"{where}->{name}", seen | {name})
            return
        if schema.get("type") == "integer" and ("minimum" not in schema or "maximum" not in schema):
            unbounded.append(where)
        for key, value in schema.items():
            if key in ("properties", "patternProperties", "$defs"):
                for name, sub in value.items():
                    walk(sub, f"{where}.{name}", seen)
            elif key in ("items", "anyOf", "oneOf", "allOf", "additionalProperties", "not"):
                walk(value, f"{where}.{key}", seen)

    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            for parameter in operation.get("parameters", []):
                walk(parameter["schema"], f"{method} {path} ?{parameter['name']}", frozenset())
            for media in operation.get("requestBody", {}).get("content", {}).values():
                walk(media.get("schema"), f"{method} {path} body", frozenset())
    assert unbounded == []
    activity = document["paths"]["/v1/groups/{id}/activity"]["get"]["parameters"]
    before = next(p for p in activity if p["name"] == "before")
    assert (before["schema"]["anyOf"][0]["minimum"], before["schema"]["anyOf"][0]["maximum"]) == (
        1,
        MAX_SEQ,
    )


# ---- dates are ISO 8601 strings -------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"date": 0}, "date"),
        ({"date": "0"}, "date"),
        ({"date": 20261120}, "date"),
        ({"date": "20261120"}, "date"),
        ({"date": 1.7e9}, "date"),
        ({"date": "2026-11-20T00:00:00Z"}, "date"),
        ({"occurred_at": 0}, "occurred_at"),
        ({"occurred_at": 0.5}, "occurred_at"),
        ({"occurred_at": "1763660000"}, "occurred_at"),
        ({"occurred_at": "2026-11-20T10:00Z"}, "occurred_at"),
        ({"occurred_at": "2026-11-20"}, "occurred_at"),
    ],
)
async def test_numbers_and_other_shapes_are_not_dates_in_a_body(
    stack: Stack, change: dict[str, Any], field: str
) -> None:
    ada = await stack.signup("Ada")
    status, problem = await _expense(stack, ada, **change)
    assert (status, problem["code"]) == (422, "validation"), problem
    assert field in _fields(problem)


async def test_iso_dates_and_rfc3339_times_are_accepted(stack: Stack) -> None:
    ada = await stack.signup("Ada")
    status, created = await _expense(stack, ada, occurred_at="2026-11-20T12:30:00.250+01:00")
    assert status == 201, created
    assert created["date"] == "2026-11-20"
    assert datetime.fromisoformat(created["occurred_at"]) == datetime(
        2026, 11, 20, 11, 30, 0, 250000, tzinfo=UTC
    )
    status, created = await _expense(stack, ada, occurred_at="2026-11-20t12:30:00z")
    assert status == 201, created


async def test_numbers_are_not_dates_in_query_strings(stack: Stack) -> None:
    ada = await stack.signup("Ada")
    group = await make_group(stack, ada)
    gid = group["id"]
    refused = [
        "/v1/expenses?to=0",
        "/v1/expenses?from=-9.8e-115",
        "/v1/expenses/summary?from=1763596800",
        "/v1/budgets?on=-9.8e-115",
        f"/v1/groups/{gid}/stats?to=0",
        f"/v1/groups/{gid}/balances?as_of=0.5",
        f"/v1/groups/{gid}/balances?as_of=0",
        f"/v1/groups/{gid}/balances?as_of=2026-11-20T10:00:00",  # no offset
        "/v1/currency/rates?date=0",
    ]
    for path in refused:
        status, problem = await stack.call("GET", path, ada)
        assert (status, problem["code"]) == (422, "validation"), (path, problem)
    accepted = [
        "/v1/expenses?to=2026-11-20&from=2026-01-01",
        "/v1/budgets?on=2026-11-20",
        f"/v1/groups/{gid}/stats?to=2026-11-20",
        f"/v1/groups/{gid}/balances?as_of={datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}",
    ]
    for path in accepted:
        status, body = await stack.call("GET", path, ada)
        assert status == 200, (path, body)


async def test_a_socket_command_refuses_a_number_as_a_date(stack: Stack) -> None:
    ada = await stack.signup("Ada")
    device = await open_device(stack.base_url, ada.access_token)
    try:
        ack = await device.command({"type": "expense.create", "payload": {**LUNCH, "date": 0}})
        assert (ack["status"], ack["code"]) == ("rejected", "validation"), ack
        assert ["payload", "date"] in [e["loc"] for e in ack["errors"]]
        ack = await device.command(
            {"type": "expense.create", "payload": LUNCH, "made_at": "1763660000"}
        )
        assert (ack["status"], ack["code"]) == ("rejected", "validation"), ack
    finally:
        await device.close()


async def test_the_openapi_document_says_date_and_date_time(stack: Stack) -> None:
    _, document = await stack.call("GET", "/v1/openapi.json")
    schemas = document["components"]["schemas"]
    expense = schemas["CreateExpense"]["properties"]
    assert expense["date"]["format"] == "date"
    assert expense["occurred_at"]["anyOf"][0]["format"] == "date-time"
    listed = {
        p["name"]: p["schema"] for p in document["paths"]["/v1/expenses"]["get"]["parameters"]
    }
    assert listed["to"]["anyOf"][0]["format"] == "date"
    as_of = next(
        p["schema"]
        for p in document["paths"]["/v1/groups/{id}/balances"]["get"]["parameters"]
        if p["name"] == "as_of"
    )
    assert as_of["anyOf"][0]["format"] == "date-time"
