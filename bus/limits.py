"""Validated field types and limits shared by payloads and entities."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StringConstraints,
    WithJsonSchema,
)
from pydantic.json_schema import JsonSchemaValue, SkipJsonSchema
from pydantic_core import CoreSchema

MIN_DATE = date(1970, 1, 1)
MAX_DATE = date(2099, 12, 31)

_YEAR = r"(19[7-9][0-9]|20[0-9]{2})"
_LEAP_YEAR = r"(19(7[26]|8[048]|9[26])|20([02468][048]|[13579][26]))"  # every 4th: 2000 is one
_MONTH_DAY = (
    r"((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])"
    r"|(0[469]|11)-(0[1-9]|[12][0-9]|30)"
    r"|02-(0[1-9]|1[0-9]|2[0-8]))"
)
_YEAR_TO_DAY = f"({_YEAR}-{_MONTH_DAY}|{_LEAP_YEAR}-02-29)"
DAY_PATTERN = f"^{_YEAR_TO_DAY}$"
"""A day as the API writes it: ISO 8601 ``yyyy-mm-dd``, years MIN_DATE..MAX_DATE, and only
days that exist (no 2026-02-30 or 2026-04-31; 02-29 in leap years only), so every string the
pattern lets through is a date the code takes."""
TIMESTAMP_PATTERN = (
    f"^{_YEAR_TO_DAY}[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]{{1,9}})?"
    "([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
)
"""A moment as the API writes it: RFC 3339 with seconds and a UTC offset (``Z`` or ``+01:00``)."""

MAX_SEQ = 2**53 - 1
"""The largest version, sequence number or cursor position a request may name: the largest
integer every JSON client reads exactly (JavaScript's ``Number.MAX_SAFE_INTEGER``), far inside
MongoDB's 64-bit integers, so no number a client sends overflows a query."""


def _check_date(value: date) -> date:
    if not MIN_DATE <= value <= MAX_DATE:
        raise ValueError(f"date must be between {MIN_DATE} and {MAX_DATE}")
    return value


def _written(kind: type[date], pattern: str, shape: str) -> BeforeValidator:
    """Only text in ``pattern`` (or a ``kind`` object, from code): a number, or a string that
    pydantic would read as a Unix time (``0``, ``-9.8e-115``), is not a date."""
    compiled = re.compile(pattern)

    def check(value: object) -> object:
        if isinstance(value, kind) and (kind is datetime or not isinstance(value, datetime)):
            return value
        if isinstance(value, str) and compiled.fullmatch(value):
            return value
        raise ValueError(f"must be {shape}")

    return BeforeValidator(check)


def _check_aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("timestamp must carry a UTC offset, e.g. 2026-11-20T18:30:00+01:00")
    _check_date(value.date())
    return value


def _check_timezone(value: str) -> str:
    if value not in _zones():
        raise ValueError(f"unknown IANA timezone {value!r}, e.g. 'Europe/Paris'")
    return value


_ZONES: frozenset[str] | None = None


def _zones() -> frozenset[str]:
    """The IANA zones this server can load (read once, when first needed): what a
    ``Timezone`` accepts, and exactly its schema's ``enum``."""
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(name for name in available_timezones() | {"UTC"} if _loads(name))
    return _ZONES


def _loads(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
"""An entity id as a client may write it: a UUID's 32 hex digits, either case, in 8-4-4-4-12
groups (no braces, ``urn:uuid:`` or missing hyphens). It is kept in lower case."""
_UUID = re.compile(UUID_PATTERN)


def _check_uuid(value: str) -> str:
    if not _UUID.fullmatch(value):
        raise ValueError("must be a UUID such as '6f1c2c9e-7d7a-4a53-9b8e-2f0d0c4b1a21'")
    return value.lower()


def _integral(value: object) -> object:
    """A JSON number without a fraction (``211.0``) is the integer it names: JSON Schema's
    ``integer`` includes it, and some clients write every number as a float."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class SharedSchema:
    """Marks a type whose JSON Schema is one named definition (``$defs``, and so
    ``components/schemas`` in the OpenAPI document) that every use refers to: a long ``enum``
    (currency codes, timezones) is written once, not at every field. ``make`` is called when a
    schema is first generated, not at import."""

    def __init__(self, name: str, make: Callable[[], dict[str, Any]]) -> None:
        self.name = name
        self.make = make

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        make = self.make

        def json_schema(_core: CoreSchema, _handler: GetJsonSchemaHandler) -> JsonSchemaValue:
            return make()

        inner = handler(source)
        metadata = {**inner.get("metadata", {}), "pydantic_js_functions": [json_schema]}
        return cast(CoreSchema, {**inner, "ref": self.name, "metadata": metadata})


_DEVICE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")  # printable, no spaces: safe in logs


def device_id_or_none(value: object) -> str | None:
    """A device id a client sent (header or socket auth), if it is a plain token; else None."""
    return value if isinstance(value, str) and _DEVICE_ID.fullmatch(value) else None


Day = Annotated[
    date,
    _written(date, DAY_PATTERN, "an ISO 8601 date string such as '2026-11-20'"),
    AfterValidator(_check_date),
    WithJsonSchema({"type": "string", "format": "date", "pattern": DAY_PATTERN}),
]
"""A calendar day: a ``yyyy-mm-dd`` string on the wire (bodies, query strings, socket commands)."""
AwareDatetime = Annotated[
    datetime,
    _written(
        datetime,
        TIMESTAMP_PATTERN,
        "an RFC 3339 string with seconds and a UTC offset, such as '2026-11-20T18:30:00+01:00'",
    ),
    AfterValidator(_check_aware),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": TIMESTAMP_PATTERN}),
]
"""A moment with its UTC offset: an RFC 3339 string on the wire."""
Version = Annotated[int, Field(ge=0, le=MAX_SEQ)]
"""An entity version a write expects in a query string (``?expected_version=3``)."""
JSON_INTEGER = BeforeValidator(_integral)
"""For an integer in a JSON body, written last: ``Annotated[int, Strict(), Field(ge=1,
le=10), JSON_INTEGER]`` takes a JSON number without a fraction (``3`` or ``3.0``), never a
string (``"3"``), a boolean or a fraction (``3.5``). (Last, so that the bounds stay
``minimum``/``maximum`` in the JSON Schema.)"""


def _timezone_schema() -> dict[str, Any]:
    return {
        "type": "string",
        "enum": sorted(_zones()),
        "description": "An IANA timezone name, such as 'Europe/Paris'.",
        "examples": ["Europe/Paris"],
    }


Timezone = Annotated[
    str, AfterValidator(_check_timezone), SharedSchema("Timezone", _timezone_schema)
]
"""An IANA timezone name the server knows: its JSON Schema is the ``enum`` of them all."""
EntityId = Annotated[
    str,
    AfterValidator(_check_uuid),
    WithJsonSchema(
        {
            "type": "string",
            "format": "uuid",
            "pattern": UUID_PATTERN,
            "examples": ["6f1c2c9e-7d7a-4a53-9b8e-2f0d0c4b1a21"],
        }
    ),
]
"""An entity id: see :data:`UUID_PATTERN`."""


def _none_is_empty(value: object) -> object:
    return "" if value is None else value


NULL_CLEARS = BeforeValidator(_none_is_empty)
"""On a change's optional text whose empty value is ``""`` (a description): null clears it,
like ``""``, so a client may send either."""
Unset = SkipJsonSchema[None]
"""``field: T | Unset = None`` in a change: the field may be left out, but null is not a value
of it (its JSON Schema has no ``null``; the model refuses an explicit null)."""
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Notes = Annotated[str, StringConstraints(max_length=2000)]
SPACE_CLASS = (
    r"\t\n\x0B\x0C\r \x1C-\x1F\x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\uFEFF"
)
r"""Every character some regex engine calls whitespace (Python's and Rust's ``\s``, ECMA's, which
a JSON Schema validator uses), written out: a pattern with ``[^...]`` of it means the same in
the code and in every client's validator."""
NOT_BLANK = f"[^{SPACE_CLASS}]"
"""A text that must say something holds a character that is not whitespace (so the schema
refuses what the code, which trims, would find empty)."""
Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=120, pattern=NOT_BLANK),
]
Tag = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40, pattern=NOT_BLANK)
]
Tags = Annotated[list[Tag], Field(max_length=20)]
EMAIL_PATTERN = f"^[^@{SPACE_CLASS}]+@[^@{SPACE_CLASS}]+[.][^@{SPACE_CLASS}]+$"
Email = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=254, pattern=EMAIL_PATTERN)
]
