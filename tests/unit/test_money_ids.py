"""Unit tests of the value rules in bus/: money, ids, subjects, payloads and access tokens."""

from __future__ import annotations

import time
import uuid
from decimal import Decimal
from typing import Any

import jwt
import pytest
from pydantic import ValidationError

from bus.expense_commands import CreateExpense, CreateTrip, UpdateExpense, UpdateTrip
from bus.ids import scoped_command_id, split_scope
from bus.money import (
    MoneyError,
    check_currency,
    check_precision,
    minor_units,
    parse_amount,
)
from bus.subjects import command_subject, event_subject, events_of_type, scope_events
from bus.tokens import InvalidToken, issue_access_token, verify_access_token

SECRET = "unit-test-secret-" + "0123456789abcdef" * 4
ISSUER = "ledgerbus"
EXPENSE_ID = "6f1c2c9e-7d7a-4a53-9b8e-2f0d0c4b1a21"
TRIP = {"name": "Kyoto", "start_date": "2026-04-01", "end_date": "2026-04-10", "currency": "JPY"}


def _error_fields(exc: pytest.ExceptionInfo[ValidationError]) -> set[object]:
    return {part for err in exc.value.errors() for part in err["loc"]}


# ---- money --------------------------------------------------------------------------------


@pytest.mark.parametrize(("currency", "digits"), [("JPY", 0), ("USD", 2), ("EUR", 2), ("KWD", 3)])
def test_minor_units_come_from_the_currency(currency: str, digits: int) -> None:
    assert digits == minor_units(currency)


@pytest.mark.parametrize(
    ("amount", "currency"),
    [("12.345", "EUR"), ("100.5", "JPY"), ("1.2345", "KWD"), ("0.001", "USD")],
)
def test_more_decimals_than_the_currency_has_is_rejected_not_rounded(
    amount: str, currency: str
) -> None:
    with pytest.raises(MoneyError, match=currency):
        check_precision(Decimal(amount), currency)


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        ("7.5", "USD", "7.50"),
        ("7", "USD", "7.00"),
        ("1500", "JPY", "1500"),
        ("1500.0", "JPY", "1500"),
        ("1.25", "KWD", "1.250"),
    ],
)
def test_precision_check_normalises_to_exactly_the_minor_units(
    amount: str, currency: str, shown: str
) -> None:
    assert shown == str(check_precision(Decimal(amount), currency))


def test_payload_shows_a_usd_amount_with_two_decimals() -> None:
    payload = CreateExpense.model_validate(
        {"amount": "7.5", "currency": "USD", "date": "2026-11-20"}
    )
    assert payload.model_dump(mode="json")["amount"] == "7.50"


def test_payload_rejects_an_over_precise_amount_instead_of_rounding() -> None:
    with pytest.raises(ValidationError) as exc:
        CreateExpense.model_validate({"amount": "7.505", "currency": "USD", "date": "2026-11-20"})
    assert "USD has 2 decimal places" in str(exc.value)


@pytest.mark.parametrize("value", [12.5, 12.0, True])
def test_floats_and_booleans_are_refused_as_amounts(value: object) -> None:
    with pytest.raises(MoneyError, match="not floats"):
        parse_amount(value)


@pytest.mark.parametrize("value", ["1e3", "1E3", "2.5e-1"])
def test_exponent_notation_is_refused(value: str) -> None:
    with pytest.raises(MoneyError, match="plain decimal"):
        parse_amount(value)


@pytest.mark.parametrize("value", ["", "   ", "abc", "12,30", "NaN", "Infinity", "1" * 33])
def test_text_that_is_not_a_finite_decimal_is_refused(value: str) -> None:
    with pytest.raises(MoneyError):
        parse_amount(value)


@pytest.mark.parametrize(
    "value",
    [
        "1_000",  # Python's Decimal accepts digit separators
        "\u0661\u0662.\u0663\u0660",  # Arabic-Indic digits: Decimal reads them as 12.30
    ],
)
def test_amounts_outside_the_documented_plain_decimal_pattern_are_refused(value: str) -> None:
    """The schema promises `^-?\\d+(\\.\\d+)?$` (ASCII digits); the parser must not be looser."""
    with pytest.raises(MoneyError):
        parse_amount(value)


def test_decimal_strings_and_ints_parse_exactly() -> None:
    assert (Decimal("12.30"), Decimal("7"), Decimal("0.1")) == (
        parse_amount("12.30"),
        parse_amount(7),
        parse_amount("0.1"),
    )


@pytest.mark.parametrize("value", [" 0.1", "0.1 ", "0.1\n", "\t0.1"])
def test_space_around_an_amount_is_refused(value: str) -> None:
    with pytest.raises(MoneyError, match="plain decimal"):
        parse_amount(value)


@pytest.mark.parametrize("code", ["usd", "Eur", "XYZ", "EU", "EURO", "XXX", "XTS", "XAU", ""])
def test_lowercase_unknown_and_non_spendable_currency_codes_are_refused(code: str) -> None:
    with pytest.raises(MoneyError, match="currency"):
        check_currency(code)


@pytest.mark.parametrize("code", ["EUR", "USD", "JPY", "KWD", "CHF"])
def test_upper_case_iso_codes_are_accepted(code: str) -> None:
    assert code == check_currency(code)


@pytest.mark.parametrize("amount", ["0", "-5.00", "1000000000000"])
def test_payload_amount_must_be_positive_and_below_the_maximum(amount: str) -> None:
    with pytest.raises(ValidationError) as exc:
        CreateExpense.model_validate({"amount": amount, "currency": "EUR", "date": "2026-11-20"})
    assert {"amount"} == _error_fields(exc)


# ---- ids and subjects ---------------------------------------------------------------------


def test_same_issuer_and_key_give_the_same_command_id() -> None:
    first = scoped_command_id("user-a", "key-1")
    assert first == scoped_command_id("user-a", "key-1")
    assert str(uuid.UUID(first)) == first


def test_two_issuers_with_the_same_key_get_different_command_ids() -> None:
    assert scoped_command_id("user-a", "key-1") != scoped_command_id("user-b", "key-1")


def test_one_issuer_with_two_keys_gets_two_command_ids() -> None:
    assert scoped_command_id("user-a", "key-1") != scoped_command_id("user-a", "key-2")


def test_command_subject_has_three_tokens_with_the_verb_joined() -> None:
    assert command_subject("expenses", "expense.create") == "cmd.expenses.expense_create"
    assert command_subject("accounts", "user.register") == "cmd.accounts.user_register"


def test_event_subject_names_scope_kind_id_entity_and_verb() -> None:
    assert event_subject("user:u1", "expense.created") == "evt.user.u1.expense.created"
    assert event_subject("group:g7", "category.archived") == "evt.group.g7.category.archived"


def test_scope_events_is_every_event_of_one_scope() -> None:
    assert scope_events("user:u1") == "evt.user.u1.>"
    assert scope_events("group:g7") == "evt.group.g7.>"


def test_events_of_type_matches_one_type_in_any_scope() -> None:
    assert events_of_type("user.registered") == "evt.*.*.user.registered"


def test_split_scope_returns_kind_and_id() -> None:
    assert split_scope("user:abc") == ("user", "abc")
    assert split_scope("group:g:1") == ("group", "g:1")


@pytest.mark.parametrize("scope", ["", "user", "user:", ":abc", "team:abc", "USER:abc"])
def test_split_scope_refuses_anything_but_user_or_group_with_an_id(scope: str) -> None:
    with pytest.raises(ValueError, match="not a scope"):
        split_scope(scope)


def test_event_subject_refuses_a_bad_scope() -> None:
    with pytest.raises(ValueError, match="not a scope"):
        event_subject("u1", "expense.created")


# ---- payloads -----------------------------------------------------------------------------


def test_trip_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(ValidationError, match="end_date is before start_date"):
        CreateTrip.model_validate({**TRIP, "end_date": "2026-03-31"})


def test_one_day_trip_is_accepted() -> None:
    trip = CreateTrip.model_validate({**TRIP, "end_date": TRIP["start_date"]})
    assert trip.start_date == trip.end_date


def test_trip_update_with_both_dates_out_of_order_is_refused() -> None:
    with pytest.raises(ValidationError, match="end_date is before start_date"):
        UpdateTrip.model_validate(
            {"id": EXPENSE_ID, "start_date": "2026-05-02", "end_date": "2026-05-01"}
        )


@pytest.mark.parametrize("field", ["name", "start_date", "end_date", "currency"])
def test_trip_update_refuses_null_for_required_fields(field: str) -> None:
    with pytest.raises(ValidationError, match=f"{field} cannot be null"):
        UpdateTrip.model_validate({"id": EXPENSE_ID, field: None})


@pytest.mark.parametrize("field", ["type", "amount", "currency", "date", "tags"])
def test_expense_update_refuses_null_for_required_fields(field: str) -> None:
    with pytest.raises(ValidationError, match=f"{field} cannot be null"):
        UpdateExpense.model_validate({"id": EXPENSE_ID, field: None})


@pytest.mark.parametrize("field", ["merchant", "notes", "category_id", "trip_id", "occurred_at"])
def test_expense_update_null_clears_an_optional_field(field: str) -> None:
    update = UpdateExpense.model_validate({"id": EXPENSE_ID, field: None})
    assert ({"id", field}, None) == (update.model_fields_set, getattr(update, field))


def test_expense_update_leaves_unsent_fields_unset() -> None:
    update = UpdateExpense.model_validate({"id": EXPENSE_ID, "description": "taxi"})
    assert update.model_dump(mode="json", exclude_unset=True) == {
        "id": EXPENSE_ID,
        "description": "taxi",
    }


@pytest.mark.parametrize(
    ("model", "data"),
    [
        (CreateExpense, {"amount": "1.00", "currency": "EUR", "date": "2026-11-20"}),
        (UpdateExpense, {"id": EXPENSE_ID}),
        (CreateTrip, TRIP),
    ],
)
def test_payloads_refuse_unknown_fields(model: Any, data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as exc:
        model.model_validate({**data, "colour": "red"})
    assert {"colour"} == _error_fields(exc)
    assert exc.value.errors()[0]["type"] == "extra_forbidden"


def test_expense_occurred_at_without_offset_is_refused() -> None:
    with pytest.raises(ValidationError, match="UTC offset"):
        CreateExpense.model_validate(
            {
                "amount": "1.00",
                "currency": "EUR",
                "date": "2026-11-20",
                "occurred_at": "2026-11-20T10:00:00",
            }
        )


# ---- access tokens ------------------------------------------------------------------------


def _issue(**overrides: Any) -> str:
    values: dict[str, Any] = {"secret": SECRET, "issuer": ISSUER, "ttl_s": 900}
    values.update(overrides)
    token, _ = issue_access_token("user-1", "session-1", **values)
    return token


def test_issued_token_verifies_to_its_user_and_session() -> None:
    now = time.time()
    token, ttl = issue_access_token(
        "user-1", "session-1", secret=SECRET, issuer=ISSUER, ttl_s=900, now=now
    )
    claims = verify_access_token(token, secret=SECRET, issuer=ISSUER)
    assert ("user-1", "session-1", float(int(now) + 900), 900) == (
        claims.user_id,
        claims.session_id,
        claims.expires_at,
        ttl,
    )


def test_expired_token_is_refused() -> None:
    token = _issue(ttl_s=60, now=time.time() - 3600)
    with pytest.raises(InvalidToken, match="expired"):
        verify_access_token(token, secret=SECRET, issuer=ISSUER)


def test_token_from_another_issuer_is_refused() -> None:
    token = _issue(issuer="someone-else")
    with pytest.raises(InvalidToken, match="issuer"):
        verify_access_token(token, secret=SECRET, issuer=ISSUER)


def test_token_signed_with_another_secret_is_refused() -> None:
    token = _issue(secret="another-secret-" + "fedcba9876543210" * 4)
    with pytest.raises(InvalidToken, match="Signature"):
        verify_access_token(token, secret=SECRET, issuer=ISSUER)


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": "user-1",
        "sid": "session-1",
        "iss": ISSUER,
        "iat": now,
        "exp": now + 900,
        "typ": "access",
    }
    claims.update(overrides)
    return claims


def test_unsigned_alg_none_token_is_refused() -> None:
    token = jwt.encode(_claims(), None, algorithm="none")
    with pytest.raises(InvalidToken, match="alg value is not allowed"):
        verify_access_token(token, secret=SECRET, issuer=ISSUER)


def test_token_with_another_algorithm_is_refused_even_with_the_right_secret() -> None:
    token = jwt.encode(_claims(), SECRET, algorithm="HS512")
    with pytest.raises(InvalidToken, match="alg value is not allowed"):
        verify_access_token(token, secret=SECRET, issuer=ISSUER)


def test_token_of_another_kind_is_refused() -> None:
    token = jwt.encode(_claims(typ="refresh"), SECRET, algorithm="HS256")
    with pytest.raises(InvalidToken, match="not an access token"):
        verify_access_token(token, secret=SECRET, issuer=ISSUER)


def test_token_without_a_session_claim_is_refused() -> None:
    claims = _claims()
    del claims["sid"]
    token = jwt.encode(claims, SECRET, algorithm="HS256")
    with pytest.raises(InvalidToken, match="sid"):
        verify_access_token(token, secret=SECRET, issuer=ISSUER)


def test_commands_are_serialised_on_the_scope_they_write() -> None:
    from actors.inbound import partition_key
    from bus.client import build_command

    rates = build_command("rates.set", {"day": "2026-11-03", "rates": {"ARS": "1250"}}, issuer=None)
    refresh = build_command("rates.refresh", {}, issuer=None)
    assert partition_key(rates) == partition_key(refresh) == "system:rates"
    user_id = "6f1c2c9e-7d7a-4a53-9b8e-2f0d0c4b1a21"
    register = build_command("user.register", {"user_id": user_id}, issuer=None)
    assert partition_key(register) == f"user:{user_id}"
    expense = build_command("expense.create", {}, issuer="u1")
    assert partition_key(expense) == "user:u1"
    broken = build_command("user.register", {}, issuer=None)  # no user_id: still some lane
    assert partition_key(broken) == f"user:{broken.command_id}"
