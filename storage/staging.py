"""What a unit of work holds before it writes: a document as MongoDB stores it, a private copy
a handler may change, and an event staged before its ``seq`` is known."""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from beanie import Document
from bson.decimal128 import Decimal128
from pydantic import BaseModel

from bus.ids import new_id
from storage.documents import EventRecord

D = TypeVar("D", bound=Document)


def to_bson(doc: Document) -> dict[str, Any]:
    """A document as MongoDB stores it: field aliases (``_id``), decimals as Decimal128.

    Our documents are flat apart from plain JSON data, so this avoids Beanie's generic
    (and, per document, far slower) encoder on the hot path.
    """
    data: dict[str, Any] = doc.model_dump(by_alias=True, exclude={"revision_id"})
    for key, value in data.items():
        if isinstance(value, Decimal):
            data[key] = Decimal128(value)
    return data


_SHARED = (str, int, float, datetime, date, Decimal, type(None))
"""Field values that cannot be changed in place (bool is an int): a copy may share them."""


def private_copy(doc: D) -> D:
    """A copy of ``doc`` its reader may change freely, as a deep copy is, but made by copying
    only the fields that can be changed in place (lists, dicts, models); most of a document is
    strings, numbers and times, which a deep copy would walk for nothing. A document that says
    how it is deep-copied (``__deepcopy__``) is copied its own way."""
    if type(doc).__deepcopy__ is not BaseModel.__deepcopy__:
        own: D = doc.model_copy(deep=True)
        return own
    copied: D = doc.model_copy()
    for values in (copied.__dict__, copied.__pydantic_private__ or {}):
        for name, value in values.items():
            if not isinstance(value, _SHARED):
                values[name] = deepcopy(value)
    return copied


@dataclass
class StagedEvent:
    """An event before its `seq` is known."""

    scope: str
    type: str
    data: dict[str, Any]
    command_id: str
    occurred_at: datetime
    event_id: str = field(default_factory=new_id)
    seq: int = 0
    device_id: str | None = None

    def to_record(self) -> EventRecord:
        return EventRecord(
            id=self.event_id,
            scope=self.scope,
            seq=self.seq,
            type=self.type,
            command_id=self.command_id,
            occurred_at=self.occurred_at,
            data=self.data,
            device_id=self.device_id,
        )
