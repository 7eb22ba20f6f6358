"""The JSON Schema of a request model says exactly what its code accepts (unit): known currency
codes and timezones as shared enums, entity ids, integers written as ``3.0``, fields a change
may leave out but not null, split shapes, budget and settlement rules, days that exist."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from typing import Any

import jsonschema_rs
import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

import http_edge.app  # noqa: F401  (registers every route on API)
from bus.budgets import CreateBudget, UpdateBudget
from bus.conversions import ConvertRequest
from bus.expense_commands import CreateExpense, UpdateExpense, UpdateTrip
from bus.goals import CreateGoal, UpdateGoal
from bus.groups import (
    CreateGroupExpense,
    CreateSettlement,
    Split,
    UpdateGroup,
    UpdateGroupExpense,
)
from bus.limits import DAY_PATTERN, UUID_PATTERN, Email, EntityId, Timezone, _zones
from bus.money import CurrencyCode, known_currencies, minor_units
from bus.recurring import CreateRecurring, UpdateRecurring
from http_edge.api import openapi_document
from http_edge.app import API
from http_edge.group_schemas import InviteBody
from http_edge.inputs import _json_integer

ADA = "6f1c2c9e-7d7a-4a53-9b8e-2f0d0c4b1a21"
BOB = "0b9e1c7a-3d2f-4e5a-8b6c-9d0e1f2a3b4c"
ENTITY: TypeAdapter[str] = TypeAdapter(EntityId)


def _accepts(model: type[BaseModel], data: dict[str, Any]) -> bool:
    try:
        model.model_validate(data)
    except ValidationError:
        return False
    return True


def _schema_accepts(model: type[BaseModel], data: dict[str, Any]) -> bool:
    return bool(jsonschema_rs.validator_for(model.model_json_schema()).is_valid(data))


def _agree(model: type[BaseModel], data: dict[str, Any]) -> bool:
    """The schema and the code give ``data`` the same answer; returns that answer."""
    code = _accepts(model, data)
    assert _schema_accepts(model, data) == code, (model.__name__, data, code)
    return code


# ---- shared enums ---------------------------------------------------------------------------


def test_currency_codes_are_one_shared_enum_of_the_known_codes() -> None:
    document = openapi_document(API.operations, "ledgerbus", "test")
    schemas = document["components"]["schemas"]
    assert schemas["CurrencyCode"]["enum"] == sorted(known_currencies())
    text = json.dumps(document)
    assert text.count(json.dumps(sorted(known_currencies()))) == 1  # once, referred to elsewhere
    refs = set(re.findall(r'"\$ref": "([^"]+)"', text))
    assert all(r.removeprefix("#/components/schemas/") in schemas for r in refs), refs
    display = next(
        p for p in document["paths"]["/v1/expenses"]["get"]["parameters"] if p["name"] == "display"
    )
    assert {"$ref": "#/components/schemas/CurrencyCode"} in display["schema"]["anyOf"]
    codes: TypeAdapter[str] = TypeAdapter(CurrencyCode)
    assert codes.validate_python("EUR") == "EUR"
    with pytest.raises(ValidationError):
        codes.validate_python("XQX")  # pattern-shaped, unknown: now outside the enum too


def test_timezones_are_one_shared_enum_of_the_zones_the_code_accepts() -> None:
    document = openapi_document(API.operations, "ledgerbus", "test")
    enum = document["components"]["schemas"]["Timezone"]["enum"]
    assert set(enum) == _zones()
    assert "" not in enum
    assert "UTC" in enum
    zones: TypeAdapter[str] = TypeAdapter(Timezone)
    for name in enum[:: max(1, len(enum) // 50)]:
        assert zones.validate_python(name) == name
    with pytest.raises(ValidationError):
        zones.validate_python("")


# ---- entity ids -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        ADA,
        ADA.upper(),
        "{" + ADA + "}",
        "urn:uuid:" + ADA,
        ADA.replace("-", ""),
        ADA + " ",
        ADA[:-1],
        "",
    ],
)
def test_an_entity_id_is_accepted_exactly_when_its_pattern_matches(text: str) -> None:
    schema = ENTITY.json_schema()
    assert (schema["format"], schema["pattern"]) == ("uuid", UUID_PATTERN)
    try:
        read = ENTITY.validate_python(text)
    except ValidationError:
        read = None
    assert (read is not None) == bool(re.fullmatch(UUID_PATTERN, text)), text
    if read is not None:
        assert read == text.lower()


# ---- integers -------------------------------------------------------------------------------


def test_an_integral_json_number_is_the_integer_it_names() -> None:
    assert InviteBody.model_validate({"max_uses": 778.0, "expires_in_s": 3600.0}).max_uses == 778
    budget = {"name": "B", "amount": "1.00", "currency": "EUR", "week_start": 2.0}
    read = CreateBudget.model_validate({**budget, "thresholds": [100.0, 50]})
    assert (read.week_start, read.thresholds) == (2, [50, 100])
    assert _json_integer(211.0) == "211"
    assert _json_integer(211) == "211"
    schema = InviteBody.model_json_schema()["properties"]["max_uses"]
    assert (schema["type"], schema["minimum"], schema["maximum"]) == ("integer", 1, 1000)


@pytest.mark.parametrize("value", ["3", True, 3.5, float("inf"), None])
def test_strings_booleans_and_fractions_are_not_integers(value: object) -> None:
    assert not _accepts(InviteBody, {"max_uses": value})
    assert _json_integer(value) is None


# ---- changes: left out, or null ------------------------------------------------------------

NOT_NULL = [
    (UpdateGroup, {"group_id": ADA}, ["name", "currency", "timezone", "settings"]),
    (
        UpdateGroupExpense,
        {"id": ADA, "group_id": BOB},
        ["amount", "currency", "date", "paid_by", "split"],
    ),
    (
        UpdateBudget,
        {"id": ADA},
        [
            *("name", "amount", "currency", "period", "starts_on", "week_start", "timezone"),
            *("category_ids", "categories", "rollover", "thresholds"),
        ],
    ),
    (UpdateGoal, {"id": ADA}, ["name", "target_amount"]),
    (UpdateRecurring, {"id": ADA}, ["template"]),
    (UpdateExpense, {"id": ADA}, ["type", "amount", "currency", "date", "tags"]),
    (UpdateTrip, {"id": ADA}, ["name", "start_date", "end_date", "currency"]),
]


@pytest.mark.parametrize(("model", "base", "fields"), NOT_NULL)
def test_a_field_a_change_needs_when_present_is_not_nullable_in_its_schema(
    model: type[BaseModel], base: dict[str, Any], fields: list[str]
) -> None:
    props = model.model_json_schema()["properties"]
    for name in fields:
        assert "null" not in json.dumps(props[name]), (model.__name__, name, props[name])
        assert not _agree(model, {**base, name: None})
    assert _agree(model, base)


@pytest.mark.parametrize(
    ("model", "base"),
    [
        (UpdateGroup, {"group_id": ADA}),
        (UpdateExpense, {"id": ADA}),
        (UpdateGroupExpense, {"id": ADA, "group_id": BOB}),
    ],
)
def test_a_description_sent_as_null_is_cleared(
    model: type[BaseModel], base: dict[str, Any]
) -> None:
    assert _agree(model, {**base, "description": None})
    read = model.model_validate({**base, "description": None})
    assert read.model_dump()["description"] == ""
    assert "description" in read.model_fields_set


# ---- cross-field rules the schema states ---------------------------------------------------

SHARE = [{"user_id": ADA, "value": "5.00"}]


@pytest.mark.parametrize(
    ("split", "valid"),
    [
        ({"method": "equal", "members": [ADA]}, True),
        ({"method": "equal", "shares": SHARE}, False),
        ({"method": "equal", "members": [ADA], "shares": SHARE}, False),
        ({"method": "equal"}, False),
        ({"method": "equal", "members": None}, False),
        ({"method": "exact", "shares": SHARE}, True),
        ({"method": "percent", "shares": SHARE}, True),
        ({"method": "shares", "members": [ADA]}, False),
        ({"method": "adjustment", "shares": SHARE, "members": [ADA]}, False),
        ({"method": "adjustment"}, False),
        ({"method": "thirds", "shares": SHARE}, False),
    ],
)
def test_each_split_method_has_its_own_shape_in_the_schema(
    split: dict[str, Any], valid: bool
) -> None:
    assert "oneOf" in Split.model_json_schema()
    assert _agree(Split, split) == valid


BUDGET = {"name": "B", "amount": "10.00", "currency": "EUR"}


@pytest.mark.parametrize(
    ("fields", "valid"),
    [
        ({}, True),
        ({"category_ids": [ADA]}, True),
        ({"categories": ["food"]}, False),
        ({"group_id": ADA, "categories": ["food"]}, True),
        ({"group_id": ADA, "category_ids": [ADA]}, False),
        ({"group_id": None, "category_ids": [ADA]}, True),
        ({"period": "custom", "starts_on": "2026-11-01", "ends_on": "2026-11-30"}, True),
        ({"period": "custom", "starts_on": "2026-11-01"}, False),
        ({"period": "custom", "starts_on": "2026-11-01", "ends_on": None}, False),
        ({"period": "custom", "ends_on": "2026-11-30"}, False),
        ({"period": "weekly", "ends_on": "2026-11-30"}, False),
        ({"ends_on": "2026-11-30"}, False),
        ({"ends_on": None}, True),
        (
            {"period": "custom", "starts_on": "2026-11-01", "ends_on": "2026-11-30"}
            | {"rollover": True},
            False,
        ),
        ({"rollover": True}, True),
        ({"thresholds": [80, 50]}, True),
        ({"thresholds": [50, 50]}, False),
        ({"category_ids": [ADA, ADA]}, False),
        ({"category_ids": [ADA, ADA.upper()]}, True),
        ({"group_id": ADA, "categories": ["Food", "food "]}, True),
        ({"group_id": ADA, "categories": ["food", "food"]}, False),
    ],
)
def test_the_budget_schema_states_its_cross_field_rules(
    fields: dict[str, Any], valid: bool
) -> None:
    assert _agree(CreateBudget, {**BUDGET, **fields}) == valid


def test_thresholds_and_categories_are_sets_kept_in_order() -> None:
    read = CreateBudget.model_validate({**BUDGET, "thresholds": [100, 50, 80]})
    assert read.thresholds == [50, 80, 100]
    shared = CreateBudget.model_validate(
        {**BUDGET, "group_id": ADA, "categories": ["Food", "food "]}
    )
    assert shared.categories == ["food"]
    personal = CreateBudget.model_validate({**BUDGET, "category_ids": [ADA, ADA.upper()]})
    assert personal.category_ids == [ADA]


@pytest.mark.parametrize(
    ("fields", "valid"),
    [
        ({"to": BOB, "amount": "5.00", "currency": "EUR"}, True),
        ({"to": BOB, "amount": "5.00"}, False),
        ({"to": BOB, "amount": None, "currency": "EUR"}, False),
        ({"expense_id": BOB}, True),
        ({"expense_id": None, "to": BOB}, False),
    ],
)
def test_a_settlement_without_a_bill_names_its_transfer(
    fields: dict[str, Any], valid: bool
) -> None:
    body = {"group_id": ADA, "from": "1e0c2c9e-7d7a-4a53-9b8e-2f0d0c4b1a21", **fields}
    assert _agree(CreateSettlement, body) == valid


# ---- days -----------------------------------------------------------------------------------


def test_the_day_pattern_matches_exactly_the_days_that_exist() -> None:
    pattern = re.compile(DAY_PATTERN)
    day, seen = date(1970, 1, 1), 0
    while day <= date(2099, 12, 31):
        assert pattern.fullmatch(day.isoformat()), day
        day += timedelta(days=1)
        seen += 1
    assert seen == 47482
    for year in (1970, 1972, 2000, 2024, 2026, 2099):
        for month in range(1, 13):
            for dom in (29, 30, 31):
                text = f"{year}-{month:02d}-{dom:02d}"
                try:
                    date.fromisoformat(text)
                    exists = True
                except ValueError:
                    exists = False
                assert bool(pattern.fullmatch(text)) == exists, text
    for text in ("1969-12-31", "2100-01-01", "2026-00-10", "2026-13-01", "2026-01-00"):
        assert not pattern.fullmatch(text)


# ---- decimals per currency ------------------------------------------------------------------

PLACES_CASES = [
    (currency, amount)
    for currency in ("JPY", "EUR", "KWD", "CLF")
    for amount in ("12", "12.3", "12.34", "12.345", "12.3456", "12.00", "12.0")
]


@pytest.mark.parametrize(("currency", "amount"), PLACES_CASES)
def test_the_schema_holds_amounts_to_their_currencys_decimals(currency: str, amount: str) -> None:
    expense = {"amount": amount, "currency": currency, "date": "2026-11-20"}
    assert _agree(CreateExpense, expense) == (_places(amount) <= minor_units(currency))
    _agree(CreateBudget, {**BUDGET, "amount": amount, "currency": currency})
    _agree(CreateGoal, {"name": "G", "target_amount": amount, "currency": currency})
    _agree(ConvertRequest, {"amount": amount, "from": currency, "to": "EUR"})
    bill = {
        "group_id": ADA,
        "amount": amount,
        "currency": currency,
        "date": "2026-11-20",
        "paid_by": [{"user_id": ADA, "amount": "12"}],
    }
    _agree(CreateGroupExpense, bill)
    percent = {**bill, "amount": "12"}
    percent["split"] = {"method": "percent", "shares": [{"user_id": ADA, "value": amount}]}
    assert _agree(CreateGroupExpense, percent)  # a percentage is not money
    settlement = {"group_id": ADA, "from": BOB, "to": ADA, "amount": amount, "currency": currency}
    _agree(CreateSettlement, settlement)


def _places(amount: str) -> int:
    return len(amount.partition(".")[2])


@pytest.mark.parametrize(
    ("method", "value", "valid"),
    [
        ("exact", "-1.00", False),
        ("percent", "-5", False),
        ("shares", "-1", False),
        ("shares", "0", True),
        ("adjustment", "-1.00", True),
    ],
)
def test_only_an_adjustment_may_be_negative_in_the_schema(
    method: str, value: str, valid: bool
) -> None:
    """The splits actor refuses the others (422 "must not be negative"); the schema says so."""
    split = {"method": method, "shares": [{"user_id": ADA, "value": value}]}
    assert _schema_accepts(Split, split) == valid
    assert _accepts(Split, split)  # the model leaves the sign to the actor, which knows the method


@pytest.mark.parametrize(
    ("unit", "valid"), [("day", False), ("week", False), ("month", True), (None, True)]
)
def test_a_day_of_month_is_for_month_and_year_rules_in_the_schema(
    unit: str | None, valid: bool
) -> None:
    rule: dict[str, Any] = {
        "template": {"amount": "9.99", "currency": "EUR"},
        "start_date": "2026-11-20",
        "day_of_month": 3,
    }
    if unit is not None:
        rule["unit"] = unit
    assert _schema_accepts(CreateRecurring, rule) == valid


@pytest.mark.parametrize(
    "text",
    ["ada@example.org", "a\x1cb@c.de", "a\x85b@c.de", "a\ufeffb@c.de", "a\u2003b@c.de", "é@b.cd"],
)
def test_an_email_is_accepted_exactly_when_its_pattern_matches_in_every_engine(text: str) -> None:
    emails: TypeAdapter[str] = TypeAdapter(Email)
    schema = emails.json_schema()
    try:
        emails.validate_python(text)
        code = True
    except ValidationError:
        code = False
    assert jsonschema_rs.validator_for(schema).is_valid(text) == code, text
    assert bool(re.search(schema["pattern"], text)) == code, text
