"""The shape of a synthetic fraud data set, shared by every generator: the people, their
groups, the stream of API-shaped records in the order they reached the API, and the labels.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

ItemKind = Literal["expense", "receipt", "trip", "budget", "group_expense"]


@dataclass(frozen=True)
class User:
    id: str
    home_currency: str
    utc_offset_minutes: int
    categories: dict[str, str]  # category id -> name


@dataclass(frozen=True)
class Group:
    id: str
    member_ids: tuple[str, ...]
    admin_ids: tuple[str, ...]


@dataclass(frozen=True)
class Item:
    at: datetime  # UTC moment it reached the API (the stream is sorted by this)
    kind: ItemKind
    owner_id: str
    data: dict[str, Any]  # the API-shaped dict


@dataclass(frozen=True)
class Dataset:
    seed: int
    users: tuple[User, ...]
    groups: tuple[Group, ...]
    stream: tuple[Item, ...]
    labels: dict[str, str]  # expense id -> pattern name, for injected expenses only
    outlier_k: dict[str, float] = field(default_factory=dict)  # outlier id -> MADs above median


def iso(moment: datetime | None) -> str | None:
    """A datetime as the API writes it (pydantic's JSON: UTC as "Z", other offsets kept)."""
    if moment is None:
        return None
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
