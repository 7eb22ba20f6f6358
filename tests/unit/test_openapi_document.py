"""The OpenAPI document states what the edge checks itself (unit: built from the routes)."""

from __future__ import annotations

import re
from typing import Any

from http_edge.api import openapi_document
from http_edge.app import API
from http_edge.dispatch import MAX_KEY_LENGTH
from http_edge.openapi_parts import PATH_PATTERNS, route_path


def _document() -> dict[str, Any]:
    return openapi_document(API.operations, "ledgerbus", "test")


def _parameter(op: dict[str, Any], name: str) -> dict[str, Any]:
    return next(p for p in op["parameters"] if p["name"] == name)


def test_command_headers_carry_the_limits_the_edge_enforces() -> None:
    op = _document()["paths"]["/v1/expenses/{id}"]["patch"]
    key = _parameter(op, "Idempotency-Key")["schema"]
    assert (key["minLength"], key["maxLength"]) == (1, MAX_KEY_LENGTH)
    pattern = re.compile(_parameter(op, "If-Match")["schema"]["pattern"])
    assert [bool(pattern.search(v)) for v in ('"3"', 'W/"12"', "", "*", '"x"', "W/")] == [
        True,
        True,
        True,
        False,
        False,
        False,
    ]
    assert {"400", "404", "409"} <= set(op["responses"])


def test_every_path_id_is_a_uuid_or_has_its_own_pattern_and_may_be_404() -> None:
    for path, methods in _document()["paths"].items():
        for op in methods.values():
            for param in op.get("parameters", []):
                if param["in"] != "path":
                    continue
                if param["name"] in PATH_PATTERNS:
                    assert param["schema"]["pattern"] == PATH_PATTERNS[param["name"]][0]
                else:
                    assert param["schema"]["format"] == "uuid", (path, param)
                assert "404" in op["responses"], path


def test_login_and_refresh_document_401() -> None:
    paths = _document()["paths"]
    assert "401" in paths["/v1/auth/login"]["post"]["responses"]
    assert "401" in paths["/v1/auth/refresh"]["post"]["responses"]


def test_receipt_upload_documents_its_multipart_form() -> None:
    op = _document()["paths"]["/v1/receipts"]["post"]
    form = op["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["required"] == ["file"]
    assert set(form["properties"]) == {"file", "expense_id", "group_id", "auto_apply"}
    assert form["additionalProperties"] is False
    assert {"200", "202", "413", "415", "422"} <= set(op["responses"])


def test_documented_exceptions_are_described() -> None:
    paths = _document()["paths"]
    assert "archived" in paths["/v1/categories/{id}"]["delete"]["description"]
    assert "404 until" in paths["/v1/expenses/{id}/risk"]["get"]["description"]


def test_routes_match_uuid_ids_only_so_fixed_segments_stay_apart() -> None:
    route = route_path("/v1/groups/{id}/members/{user_id}")
    assert route.count("[0-9a-fA-F]{8}") == 2
    assert route_path("/v1/invites/{token}/accept") == "/v1/invites/{token}/accept"


def test_a_create_links_to_the_operations_on_what_it_made() -> None:
    paths = _document()["paths"]
    group_links = paths["/v1/groups"]["post"]["responses"]["201"]["links"]
    assert group_links["get_group"]["parameters"] == {"id": "$response.body#/id"}
    bill_links = paths["/v1/groups/{id}/expenses"]["post"]["responses"]["201"]["links"]
    assert bill_links["update_group_expense"]["parameters"] == {
        "id": "$request.path.id",
        "expense_id": "$response.body#/id",
    }
