"""Money rules in one place: ISO 4217 codes, minor units and exact decimal amounts.

Minor units come from Babel's CLDR currency data, not a hand-typed list. An amount with more
precision than its currency allows is rejected, never silently rounded.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation
from functools import cache
from typing import Annotated, Any

from babel.numbers import get_currency_precision, list_currencies
from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer, WithJsonSchema

from bus.limits import SharedSchema

# Codes that are not money people spend: precious metals, testing and accounting units.
_NOT_SPENDABLE = frozenset(
    {"XXX", "XTS", "XAU", "XAG", "XPT", "XPD", "XBA", "XBB", "XBC", "XBD", "XDR", "XSU", "XUA"}
)
_PLAIN_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")
MAX_AMOUNT = Decimal("1000000000000")  # 10^12 in any currency is beyond any personal expense
MAX_PLACES = 4
"""The most minor units any spendable currency has (CLF, UYW); KWD has 3, USD 2, JPY 0."""

AMOUNT_PATTERN = r"^-?[0-9]{1,12}(\.[0-9]{1,4})?$"
"""An amount a client writes: ASCII digits, at most 12 before the point (below MAX_AMOUNT) and
MAX_PLACES after it, an optional leading ``-`` and nothing else (no ``+``, exponent, spaces or
separators). Its currency may allow fewer decimals (see :func:`check_places`)."""
POSITIVE_AMOUNT_PATTERN = r"^(?=[0-9.]*[1-9])[0-9]{1,12}(\.[0-9]{1,4})?$"
""":data:`AMOUNT_PATTERN` greater than zero: what parsing it and :func:`check_positive` let
through (the schema says it in one pattern)."""
_WRITTEN = re.compile(AMOUNT_PATTERN)

ROUNDING = ROUND_HALF_EVEN
"""The one rounding mode of every conversion (banker's rounding: halves go to the even digit,
so rounding errors do not drift one way over many conversions)."""

RATE_DIGITS = 12
"""Significant digits of a cross rate. The rate reported with a conversion is this rounded
rate, and the converted amount is exactly ``amount * rate`` rounded to the target's minor units,
so every converted number can be recomputed from what is shown."""

_WIDE = Context(prec=60, rounding=ROUNDING)  # products and quotients never lose digits here


class MoneyError(ValueError):
    """An amount or currency code that breaks the money rules."""


@cache
def known_currencies() -> frozenset[str]:
    """ISO 4217 codes accepted for amounts."""
    return frozenset(code for code in list_currencies() if code not in _NOT_SPENDABLE)


def minor_units(currency: str) -> int:
    """Digits after the decimal point for ``currency`` (JPY 0, USD 2, KWD 3)."""
    return int(get_currency_precision(currency))


def check_currency(code: str) -> str:
    """Return ``code`` if it is a known upper-case ISO 4217 code, else raise MoneyError."""
    if len(code) != 3 or not code.isascii() or not code.isupper() or code not in known_currencies():
        raise MoneyError(f"unknown currency code {code!r} (ISO 4217, upper case, e.g. 'EUR')")
    return code


def parse_amount(value: object) -> Decimal:
    """Parse a decimal amount given as a plain decimal string (or, from code, an int or a
    Decimal); floats are refused, and so is any space around the digits."""
    if isinstance(value, (bool, float)):
        raise MoneyError('amounts are decimal strings such as "12.34", not floats')
    if isinstance(value, int):
        value = str(value)
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, str):
        text = value
        if len(text) > 32 or not _PLAIN_DECIMAL.fullmatch(text):
            raise MoneyError('amount must be a plain decimal string such as "12.34"')
        try:
            amount = Decimal(text)
        except InvalidOperation as exc:
            raise MoneyError(f"not a decimal amount: {value!r}") from exc
    else:
        raise MoneyError('amount must be a decimal string such as "12.34"')
    if not amount.is_finite():
        raise MoneyError("amount must be finite")
    return amount


def parse_written_amount(value: object) -> Decimal:
    """An amount in a request: a JSON string matching :data:`AMOUNT_PATTERN`, nothing looser
    (no JSON number, space, sign but a leading ``-``, exponent, or more than 12 digits before
    the point and 4 after). Its decimals are kept as written ("12.500" has three), so that
    :func:`check_places` can hold them to its currency. A Decimal from code counts by value."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise MoneyError("amount must be finite")
        value = _by_value(value)
        text = format(value, "f")
    elif isinstance(value, str):
        text = value
    elif isinstance(value, (bool, int, float)):
        raise MoneyError('amounts are JSON strings such as "12.34", not numbers')
    else:
        raise MoneyError('amount must be a decimal string such as "12.34"')
    if not _WRITTEN.fullmatch(text):
        raise MoneyError(
            'amount must be a plain decimal string such as "12.34": digits (at most 12 before '
            "the point and 4 after it), an optional leading '-', no spaces, '+' or exponent"
        )
    return Decimal(text)


def _by_value(amount: Decimal) -> Decimal:
    """``amount`` without trailing zeros after the point (1500.00 -> 1500, 12.50 -> 12.5)."""
    reduced = amount.normalize(_WIDE)
    exponent = reduced.as_tuple().exponent
    return reduced.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else reduced


def check_places(amount: Decimal, currency: str) -> Decimal:
    """:func:`check_precision` for an amount as a client wrote it: no more decimals than
    ``currency`` has, trailing zeros included ("12.500" is refused for USD, "1.0" for JPY)."""
    digits = minor_units(currency)
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > digits:
        raise MoneyError(
            f"{currency} has {digits} decimal place{'s' if digits != 1 else ''}; got {amount}"
        )
    return check_precision(amount, currency)


def check_positive(amount: Decimal) -> Decimal:
    """Amounts of expenses are strictly positive and below MAX_AMOUNT."""
    if amount <= 0:
        raise MoneyError("amount must be greater than zero")
    if amount >= MAX_AMOUNT:
        raise MoneyError(f"amount must be less than {MAX_AMOUNT}")
    return amount


def check_precision(amount: Decimal, currency: str) -> Decimal:
    """Reject more decimal places than ``currency`` has; normalise to exactly its minor units."""
    digits = minor_units(currency)
    exponent = amount.normalize(_WIDE).as_tuple().exponent
    if isinstance(exponent, int) and -exponent > digits:
        raise MoneyError(
            f"{currency} has {digits} decimal place{'s' if digits != 1 else ''}; got {amount}"
        )
    if abs(amount) > MAX_AMOUNT:
        raise MoneyError(f"amounts are at most {MAX_AMOUNT} in any currency")
    return amount.quantize(Decimal(1).scaleb(-digits), context=_WIDE)


@cache
def _quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))


def round_to_currency(amount: Decimal, currency: str) -> Decimal:
    """``amount`` rounded (half-even) to exactly ``currency``'s minor units."""
    return amount.quantize(_quantum(currency), rounding=ROUNDING, context=_WIDE)


def round_rate(rate: Decimal) -> Decimal:
    """A rate rounded (half-even) to :data:`RATE_DIGITS` significant digits, without trailing
    zeros (1/1250 is 0.0008)."""
    if rate.is_zero():
        return rate
    exponent = rate.adjusted() - RATE_DIGITS + 1
    rounded = rate.quantize(Decimal(1).scaleb(exponent), rounding=ROUNDING, context=_WIDE)
    return rounded.normalize(_WIDE)


def cross_rate(from_per_base: Decimal, to_per_base: Decimal) -> Decimal:
    """The rate from one currency to another, both quoted as units per one base currency unit
    (EUR for ECB rates): ``to_per_base / from_per_base``, rounded to :data:`RATE_DIGITS`."""
    return round_rate(_WIDE.divide(to_per_base, from_per_base))


def convert(amount: Decimal, rate: Decimal, to_currency: str) -> Decimal:
    """``amount * rate`` in ``to_currency``, rounded half-even to its minor units."""
    return round_to_currency(_WIDE.multiply(amount, rate), to_currency)


MIN_RATE = Decimal("0.000001")
MAX_RATE = Decimal("10000000")


def check_rate(rate: Decimal) -> Decimal:
    """A rate against one base unit: finite, positive and within sane bounds (1e-6 .. 1e7)."""
    if not rate.is_finite() or rate <= 0:
        raise MoneyError(f"a rate must be a positive number; got {rate}")
    if not MIN_RATE <= rate <= MAX_RATE:
        raise MoneyError(f"a rate of {rate} per base unit is outside {MIN_RATE}..{MAX_RATE}")
    return rate


def format_amount(amount: Decimal) -> str:
    """The JSON form of an amount: a plain decimal string."""
    return format(amount, "f")


def _money_error_to_value_error(func):  # type: ignore[no-untyped-def]
    def wrapper(value: object) -> object:
        try:
            return func(value)
        except MoneyError as exc:
            raise ValueError(str(exc)) from exc

    return wrapper


Amount = Annotated[
    Decimal,
    BeforeValidator(_money_error_to_value_error(parse_amount)),
    PlainSerializer(format_amount, return_type=str, when_used="always"),
    WithJsonSchema({"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$", "examples": ["12.34"]}),
]
"""A decimal amount, a JSON string on the wire (what the API answers: rates have more digits)."""


PositiveAmount = Annotated[
    Decimal,
    BeforeValidator(_money_error_to_value_error(parse_written_amount)),
    AfterValidator(_money_error_to_value_error(check_positive)),
    PlainSerializer(format_amount, return_type=str, when_used="always"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": POSITIVE_AMOUNT_PATTERN,
            "examples": ["12.34"],
            "description": "A decimal string greater than zero, with no more decimals than its "
            "currency has (USD 2: '12.5' and '12.50', not '12.500'; JPY 0; KWD 3).",
        }
    ),
]
"""An amount a client sends (an expense, a bill, a payment, a budget): see
:data:`POSITIVE_AMOUNT_PATTERN` and :func:`check_places`."""

SignedAmount = Annotated[
    Decimal,
    BeforeValidator(_money_error_to_value_error(parse_written_amount)),
    PlainSerializer(format_amount, return_type=str, when_used="always"),
    WithJsonSchema({"type": "string", "pattern": AMOUNT_PATTERN, "examples": ["-1.50"]}),
]
"""A number a client sends that may be negative or zero (a split's share or adjustment)."""


def _places_pattern(places: int) -> str:
    """:data:`POSITIVE_AMOUNT_PATTERN` with at most ``places`` decimals (a subset of it, so a
    generator drawing from this one never makes a string the other refuses)."""
    if places == 0:
        return r"^(?=[0-9]*[1-9])[0-9]{1,12}$"
    return rf"^(?=[0-9.]*[1-9])[0-9]{{1,12}}(\.[0-9]{{1,{places}}})?$"


def places_rules(
    currency: str, amounts: Callable[[str], dict[str, Any]], optional: bool = False
) -> list[dict[str, Any]]:
    """A JSON Schema rule saying :func:`check_places` of a body: one ``anyOf`` branch per
    number of minor units *d*, where the field ``currency`` is one of the codes with *d* and
    the amounts (``amounts(pattern)``, a schema putting ``pattern`` on each amount field) have
    at most *d* decimals; with ``optional``, one more branch for no currency (or null). The
    branches exclude each other, so a generator picks one instead of filtering."""
    by_places: dict[int, list[str]] = {}
    for code in sorted(known_currencies()):
        by_places.setdefault(minor_units(code), []).append(code)
    branches: list[dict[str, Any]] = [
        {
            "properties": {
                currency: {"enum": codes},
                **amounts(_places_pattern(places))["properties"],
            },
            "required": [currency],
        }
        for places, codes in sorted(by_places.items())
    ]
    if optional:
        branches.append({"properties": {currency: {"type": "null"}}})
    return [{"anyOf": branches}]


def _currency_schema() -> dict[str, Any]:
    return {
        "type": "string",
        "enum": sorted(known_currencies()),
        "description": "An ISO 4217 currency code in upper case.",
        "examples": ["EUR"],
    }


CurrencyCode = Annotated[
    str,
    AfterValidator(_money_error_to_value_error(check_currency)),
    SharedSchema("CurrencyCode", _currency_schema),
]
"""An ISO 4217 currency code in upper case, one of :func:`known_currencies`: its JSON Schema
is the ``enum`` of them, one shared definition."""


Percent = Annotated[
    Decimal,
    PlainSerializer(format_amount, return_type=str, when_used="always"),
    Field(json_schema_extra={"type": "string", "examples": ["83.4"]}),
]
"""A percentage such as 83.4, as a decimal string like amounts."""
