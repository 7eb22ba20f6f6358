"""Validated field types and limits shared by payloads and entities."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import AfterValidator, Field, StringConstraints

MIN_DATE = date(1970, 1, 1)
MAX_DATE = date(2099, 12, 31)


def _check_date(value: date) -> date:
    if not MIN_DATE <= value <= MAX_DATE:
        raise ValueError(f"date must be between {MIN_DATE} and {MAX_DATE}")
    return value


def _check_aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("timestamp must carry a UTC offset, e.g. 2026-11-20T18:30:00+01:00")
    _check_date(value.date())
    return value


def _check_timezone(value: str) -> str:
    if value not in _zones():
        raise ValueError(f"unknown IANA timezone {value!r}, e.g. 'Europe/Paris'")
    try:
        ZoneInfo(value)
    except ZoneInfoNotFoundError as exc:
        raise ValueError(f"unknown IANA timezone {value!r}") from exc
    return value


_ZONES: frozenset[str] | None = None


def _zones() -> frozenset[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones()) | {"UTC"}
    return _ZONES


def _check_uuid(value: str) -> str:
    import uuid

    try:
        parsed = uuid.UUID(value)
    except ValueError as exc:
        raise ValueError("must be a UUID") from exc
    return str(parsed)


_DEVICE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")  # printable, no spaces: safe in logs


def device_id_or_none(value: object) -> str | None:
    """A device id a client sent (header or socket auth), if it is a plain token; else None."""
    return value if isinstance(value, str) and _DEVICE_ID.fullmatch(value) else None


Day = Annotated[date, AfterValidator(_check_date)]
AwareDatetime = Annotated[datetime, AfterValidator(_check_aware)]
Timezone = Annotated[str, AfterValidator(_check_timezone)]
EntityId = Annotated[
    str, AfterValidator(_check_uuid), Field(examples=["6f1c2c9e-7d7a-4a53-9b8e-2f0d0c4b1a21"])
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Notes = Annotated[str, StringConstraints(max_length=2000)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Tags = Annotated[list[Tag], Field(max_length=20)]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
]
