"""Unit tests of the input rules in bus/: dates are ISO 8601 strings, amounts follow one written
rule that the schema pattern states exactly, integers a client sends are bounded, and a
transfer of the balances' plan is a settlement body."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from bus.budgets import Label, UpdateBudget
from bus.client_commands import ClientCommand
from bus.entities import Debt
from bus.expense_commands import CreateExpense, UpdateExpense
from bus.groups import CreateGroupExpense, CreateSettlement, GroupSettings, UpdateGroupExpense
from bus.limits import (
    DAY_PATTERN,
    MAX_SEQ,
    TIMESTAMP_PATTERN,
    AwareDatetime,
    Day,
    Name,
    Tag,
)
from bus.money import (
    AMOUNT_PATTERN,
    MAX_PLACES,
    POSITIVE_AMOUNT_PATTERN,
    MoneyError,
    PositiveAmount,
    SignedAmount,
    check_places,
    known_currencies,
    minor_units,
)
from http_edge.routes.receipts import _as_written
from realtime.catchup import ResumeRequest

DAY: TypeAdapter[date] = TypeAdapter(Day)
MOMENT: TypeAdapter[datetime] = TypeAdapter(AwareDatetime)
POSITIVE: TypeAdapter[Decimal] = TypeAdapter(PositiveAmount)
SIGNED: TypeAdapter[Decimal] = TypeAdapter(SignedAmount)
ADA, BOB, GROUP = (str(uuid.uuid4()) for _ in range(3))


def _accepts(adapter: TypeAdapter[Any], value: object) -> bool:
    try:
        adapter.validate_python(value)
    except ValidationError:
        return False
    return True


# ---- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", [0, 1.5, "0", "-9.8e-115", "1763596800", "20261120", "2026-11-20T00:00:00Z", True]
)
def test_numbers_and_timestamps_are_not_days(value: object) -> None:
    assert not _accepts(DAY, value)


@pytest.mark.parametrize("value", [0, 0.5, "0.5", "0", "2026-11-20", "2026-11-20T10:00:00"])
def test_numbers_days_and_times_without_offset_are_not_moments(value: object) -> None:
    assert not _accepts(MOMENT, value)


def test_iso_strings_and_objects_from_code_are_dates() -> None:
    assert DAY.validate_python("2026-11-20") == date(2026, 11, 20)
    assert DAY.validate_python(date(2026, 11, 20)) == date(2026, 11, 20)
    assert not _accepts(DAY, datetime(2026, 11, 20, tzinfo=UTC))  # a moment is not a day
    assert MOMENT.validate_python("2026-11-20T10:00:00+01:00").utcoffset() is not None
    assert MOMENT.validate_python(datetime(2026, 11, 20, tzinfo=UTC)).year == 2026


def test_the_date_schemas_say_format_and_the_pattern_the_code_applies() -> None:
    assert DAY.json_schema() == {"type": "string", "format": "date", "pattern": DAY_PATTERN}
    assert MOMENT.json_schema() == {
        "type": "string",
        "format": "date-time",
        "pattern": TIMESTAMP_PATTERN,
    }


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.from_regex(DAY_PATTERN, fullmatch=True))
def test_every_day_the_pattern_allows_is_a_day_unless_the_calendar_lacks_it(text: str) -> None:
    try:
        real = date.fromisoformat(text)
    except ValueError:
        assert not _accepts(DAY, text)  # 2026-02-30: the pattern is the shape, the calendar rules
    else:
        assert DAY.validate_python(text) == real


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.from_regex(TIMESTAMP_PATTERN, fullmatch=True))
def test_every_moment_the_pattern_allows_is_read(text: str) -> None:
    try:
        date.fromisoformat(text[:10])
    except ValueError:
        return
    assert MOMENT.validate_python(text).tzinfo is not None


def test_socket_commands_share_the_date_rules() -> None:
    with pytest.raises(ValidationError):
        ClientCommand.model_validate({"type": "expense.create", "payload": {}, "made_at": 0})
    with pytest.raises(ValidationError) as exc:
        CreateExpense.model_validate({"amount": "1.00", "currency": "EUR", "date": 0})
    assert {"date"} == {part for err in exc.value.errors() for part in err["loc"]}


# ---- amounts --------------------------------------------------------------------------------


def test_the_most_decimals_allowed_are_those_of_the_finest_currency() -> None:
    assert max(minor_units(code) for code in known_currencies()) == MAX_PLACES


@pytest.mark.parametrize(
    "value",
    [
        *(" 12.50", "12.50 ", "12.50\n", "\t1", "+12", "1e3", "12.", ".5", "1,200", "1_000"),
        *("0", "0.00", "-1", "1000000000000", "12.34567", "١٢.٣٠", 12, 12.5, True, None),
    ],
)
def test_amounts_outside_the_rule_are_refused(value: object) -> None:
    assert not _accepts(POSITIVE, value)


@pytest.mark.parametrize(
    ("value", "read"),
    [
        ("12.5", "12.5"),
        ("12", "12"),
        ("0.01", "0.01"),
        ("007.50", "7.50"),
        ("999999999999.9999", "999999999999.9999"),
    ],
)
def test_amounts_inside_the_rule_are_read_as_written(value: str, read: str) -> None:
    assert str(POSITIVE.validate_python(value)) == read


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.from_regex(POSITIVE_AMOUNT_PATTERN, fullmatch=True))
def test_every_amount_the_schema_pattern_allows_is_accepted(text: str) -> None:
    assert POSITIVE.validate_python(text) > 0


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.text(alphabet="0123456789.-+e \n", max_size=20) | st.from_regex(AMOUNT_PATTERN))
def test_every_amount_accepted_matches_the_schema_pattern(text: str) -> None:
    assert _accepts(POSITIVE, text) == bool(re.fullmatch(POSITIVE_AMOUNT_PATTERN, text))
    assert _accepts(SIGNED, text) == bool(re.fullmatch(AMOUNT_PATTERN, text))


@pytest.mark.parametrize(
    ("amount", "currency"),
    [("12.500", "USD"), ("12.505", "USD"), ("1.5", "JPY"), ("1500.0", "JPY"), ("1.2500", "KWD")],
)
def test_more_decimals_than_the_currency_has_are_refused_as_written(
    amount: str, currency: str
) -> None:
    with pytest.raises(MoneyError, match=currency):
        check_places(Decimal(amount), currency)
    with pytest.raises(ValidationError, match=currency):
        CreateExpense.model_validate({"amount": amount, "currency": currency, "date": "2026-11-20"})
    with pytest.raises(ValidationError, match=currency):
        UpdateExpense.model_validate({"id": ADA, "amount": amount, "currency": currency})


def test_an_amount_from_code_counts_by_value() -> None:
    """What code builds (an amount read from a receipt) is not a client's writing."""
    made = CreateExpense(amount=Decimal("1500.00"), currency="JPY", date=date(2026, 11, 20))
    assert made.model_dump(mode="json")["amount"] == "1500"


def test_a_bills_parts_are_held_to_its_currency() -> None:
    bill: dict[str, Any] = {
        "group_id": GROUP,
        "amount": "10.00",
        "currency": "EUR",
        "date": "2026-11-20",
        "paid_by": [{"user_id": ADA, "amount": "10.00"}],
        "split": {
            "method": "exact",
            "shares": [{"user_id": ADA, "value": "5.00"}, {"user_id": BOB, "value": "5.00"}],
        },
    }
    CreateGroupExpense.model_validate(bill)
    for wrong in (
        {**bill, "paid_by": [{"user_id": ADA, "amount": "10.000"}]},
        {**bill, "split": {"method": "exact", "shares": [{"user_id": ADA, "value": "10.000"}]}},
    ):
        with pytest.raises(ValidationError, match="EUR has 2"):
            CreateGroupExpense.model_validate(wrong)
        with pytest.raises(ValidationError, match="EUR has 2"):
            UpdateGroupExpense.model_validate({**wrong, "id": BOB})
    percent = {"method": "percent", "shares": [{"user_id": ADA, "value": "33.3333"}]}
    CreateGroupExpense.model_validate({**bill, "split": percent})  # a percentage, not money


def test_the_schema_of_a_sent_amount_is_the_pattern() -> None:
    schema = POSITIVE.json_schema()
    assert (schema["type"], schema["pattern"]) == ("string", POSITIVE_AMOUNT_PATTERN)


# ---- integers -------------------------------------------------------------------------------


@pytest.mark.parametrize("version", [MAX_SEQ + 1, 2**63, -1, "3", 1.5, True])
def test_a_socket_commands_expected_version_is_a_bounded_integer(version: object) -> None:
    with pytest.raises(ValidationError):
        ClientCommand.model_validate(
            {"type": "expense.update", "payload": {}, "expected_version": version}
        )


def test_a_socket_commands_expected_version_takes_an_integral_number_as_http_does() -> None:
    sent = {"type": "expense.update", "payload": {}, "expected_version": 3.0}
    assert ClientCommand.model_validate_json(json.dumps(sent)).expected_version == 3


def test_a_socket_resume_names_seqs_within_the_bound() -> None:
    assert ResumeRequest.model_validate({"scopes": {f"user:{ADA}": MAX_SEQ}})
    with pytest.raises(ValidationError):
        ResumeRequest.model_validate({"scopes": {f"user:{ADA}": 2**63}})


# ---- settlements take the plan's names ------------------------------------------------------


def test_a_plan_transfer_is_a_settlement_body() -> None:
    transfer = Debt(from_user=BOB, to_user=ADA, amount=Decimal("15.00"), currency="EUR")
    body = transfer.model_dump(mode="json")
    assert set(body) == {"from", "to", "amount", "currency"}
    settlement = CreateSettlement.model_validate({**body, "group_id": GROUP})
    assert (settlement.from_user, settlement.to_user, str(settlement.amount)) == (
        BOB,
        ADA,
        "15.00",
    )
    assert set(Debt.model_json_schema()["properties"]) <= set(
        CreateSettlement.model_json_schema()["properties"]
    )


def test_the_old_settlement_names_remain_and_each_field_is_named_once() -> None:
    old = {"from_user": BOB, "to_user": ADA, "amount": "1.00", "currency": "EUR"}
    assert CreateSettlement.model_validate({**old, "group_id": GROUP}).to_user == ADA
    both = {**old, "from": BOB, "group_id": GROUP}
    with pytest.raises(ValidationError):
        CreateSettlement.model_validate(both)
    with pytest.raises(ValidationError, match="same member"):
        CreateSettlement.model_validate(
            {"from": BOB, "to": BOB, "amount": "1.00", "currency": "EUR", "group_id": GROUP}
        )


def test_a_settlement_command_keeps_its_field_names_on_the_bus() -> None:
    """The actor reads what the edge sends: the payload goes out under the field names."""
    sent = CreateSettlement.model_validate(
        {"from": BOB, "to": ADA, "amount": "2", "currency": "EUR", "group_id": GROUP}
    ).model_dump(mode="json", exclude_unset=True)
    assert sent == {
        "group_id": GROUP,
        "from_user": BOB,
        "to_user": ADA,
        "amount": "2.00",
        "currency": "EUR",
    }
    assert CreateSettlement.model_validate(sent).from_user == BOB


def test_a_receipt_total_is_applied_in_its_currencys_minor_units_when_nothing_is_lost() -> None:
    assert str(_as_written(Decimal("1500.00"), "JPY")) == "1500"
    assert str(_as_written(Decimal("12.5"), "USD")) == "12.50"
    # More decimals than the currency has: kept as read, so the expense is refused by name.
    assert str(_as_written(Decimal("1500.50"), "JPY")) == "1500.50"
    assert _as_written(None, "USD") is None
    assert str(_as_written(Decimal("3.10"), None)) == "3.10"


@pytest.mark.parametrize("value", ["true", "false", 1, 0, "yes"])
def test_switches_in_bodies_are_json_booleans_only(value: object) -> None:
    with pytest.raises(ValidationError):
        GroupSettings.model_validate_json(json.dumps({"simplify_debts": value}))
    with pytest.raises(ValidationError):
        UpdateBudget.model_validate_json(json.dumps({"id": ADA, "rollover": value}))
    assert GroupSettings.model_validate_json('{"simplify_debts": false}').simplify_debts is False
    assert UpdateBudget.model_validate_json(json.dumps({"id": ADA, "rollover": True})).rollover


@pytest.mark.parametrize("blank", [" ", "\t\n", "\x1c", "\u3000", "\u2028 "])
def test_a_name_tag_or_label_of_whitespace_alone_is_refused_by_the_code_and_the_schema(
    blank: str,
) -> None:
    for kind in (Name, Tag, Label):
        adapter: TypeAdapter[str] = TypeAdapter(kind)
        with pytest.raises(ValidationError):
            adapter.validate_python(blank)
        assert re.search(adapter.json_schema()["pattern"], blank) is None
        assert (
            adapter.validate_python(f"{blank}lunch{blank}").strip(" \t\n\x1c\u3000\u2028")
            == "lunch"
        )
