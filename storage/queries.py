"""Read queries the edge serves directly (CQRS read side), always scoped to the caller."""

from __future__ import annotations

import base64
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from beanie import SortDirection

from bus.entities import Category, Expense, Trip
from bus.money import format_amount
from storage.keyset import keyset_page
from storage.ledger import CategoryDoc, ExpenseDoc, TripDoc
from storage.views import category_entity, expense_entity, trip_entity


class BadCursor(ValueError):
    """A cursor that was not made by this server."""


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[Any]:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadCursor("invalid cursor") from exc
    if (
        not isinstance(values, list)
        or len(values) != 2
        or not all(isinstance(v, str) for v in values)
    ):
        raise BadCursor("invalid cursor")
    return values


def _after(cursor: str | None) -> tuple[str, str] | None:
    """The (value, id) a ``[value, id]`` cursor continues after; None for the first page."""
    if not cursor:
        return None
    value, last_id = decode_cursor(cursor)
    return value, last_id


def decode_time_cursor(cursor: str) -> tuple[datetime, str]:
    """A ``[time, id]`` cursor (lists ordered by when, then id): BadCursor if it is not one."""
    when, last_id = decode_cursor(cursor)
    try:
        return datetime.fromisoformat(when), last_id
    except ValueError as exc:
        raise BadCursor("invalid cursor") from exc


def older_than_cursor(cursor: str) -> dict[str, Any]:
    """The clause of a list newest first (``created_at``, then id) that keeps what comes after
    ``cursor``'s last item."""
    before, last_id = decode_time_cursor(cursor)
    return {
        "$or": [
            {"created_at": {"$lt": before}},
            {"created_at": before, "_id": {"$lt": last_id}},
        ]
    }


class Dated(Protocol):
    @property
    def id(self) -> Any: ...

    @property
    def created_at(self) -> datetime: ...


D = TypeVar("D", bound=Dated)


def newest_page(docs: list[D], limit: int) -> tuple[list[D], str | None]:
    """A page of a list newest first read with ``limit + 1``: its items, and the cursor of the
    next page when there is one."""
    page = docs[:limit]
    more = len(docs) > limit
    return page, encode_cursor(
        [page[-1].created_at.isoformat(), str(page[-1].id)]
    ) if more else None


@dataclass(frozen=True)
class ExpenseFilter:
    date_from: date | None = None
    date_to: date | None = None
    category_id: str | None = None
    trip_id: str | None = None
    type: str | None = None
    q: str | None = None


def _expense_query(owner: str, filters: ExpenseFilter) -> dict[str, Any]:
    query: dict[str, Any] = {"owner_id": owner, "deleted": False}
    if filters.date_from or filters.date_to:
        query["date"] = {}
        if filters.date_from:
            query["date"]["$gte"] = filters.date_from.isoformat()
        if filters.date_to:
            query["date"]["$lte"] = filters.date_to.isoformat()
    for key in ("category_id", "trip_id", "type"):
        if getattr(filters, key) is not None:
            query[key] = getattr(filters, key)
    if filters.q:
        pattern = {"$regex": re.escape(filters.q), "$options": "i"}
        query["$and"] = [{"$or": [{"description": pattern}, {"merchant": pattern}]}]
    return query


async def list_expenses(
    owner: str, filters: ExpenseFilter, limit: int, cursor: str | None
) -> tuple[list[Expense], str | None]:
    """Newest first (date, then id), one page; the cursor continues after the last item."""
    query = _expense_query(owner, filters)
    rows = await keyset_page(ExpenseDoc, query, "date", _after(cursor), limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor([rows[-1].date, rows[-1].id]) if more and rows else None
    return [expense_entity(r) for r in rows], next_cursor


@dataclass(frozen=True, slots=True)
class AmountRow:
    """What a summary needs of one expense."""

    currency: str
    date: date
    category_id: str | None
    amount: Decimal
    type: str = "expense"


class TooMany(ValueError):
    """More rows than a summary reads at once."""


SUMMARY_MAX_EXPENSES = 20_000


async def expense_amounts(
    owner: str, filters: ExpenseFilter, cap: int = SUMMARY_MAX_EXPENSES
) -> list[AmountRow]:
    """The amounts of every matching expense (at most ``cap``; TooMany beyond)."""
    projection = {"currency": 1, "date": 1, "category_id": 1, "amount": 1, "type": 1}
    cursor = ExpenseDoc.get_pymongo_collection().find(
        _expense_query(owner, filters), projection, limit=cap + 1
    )
    rows = [
        AmountRow(
            raw["currency"],
            date.fromisoformat(raw["date"]),
            raw.get("category_id"),
            raw["amount"].to_decimal(),
            raw["type"],
        )
        async for raw in cursor
    ]
    if len(rows) > cap:
        raise TooMany(f"more than {cap} expenses match; narrow the dates")
    return rows


async def get_expense(owner: str, expense_id: str) -> Expense | None:
    doc = await ExpenseDoc.find_one({"_id": expense_id, "owner_id": owner, "deleted": False})
    return expense_entity(doc) if doc else None


async def list_categories(owner: str, include_archived: bool) -> list[Category]:
    query: dict[str, Any] = {"owner_id": owner}
    if not include_archived:
        query["archived"] = False
    rows = await CategoryDoc.find(query).sort([("name", SortDirection.ASCENDING)]).to_list()
    return [category_entity(r) for r in rows]


async def list_trips(owner: str, limit: int, cursor: str | None) -> tuple[list[Trip], str | None]:
    query: dict[str, Any] = {"owner_id": owner, "deleted": False}
    rows = await keyset_page(TripDoc, query, "start_date", _after(cursor), limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor([rows[-1].start_date, rows[-1].id]) if more and rows else None
    return [trip_entity(r) for r in rows], next_cursor


async def get_trip(owner: str, trip_id: str) -> Trip | None:
    doc = await TripDoc.find_one({"_id": trip_id, "owner_id": owner, "deleted": False})
    return trip_entity(doc) if doc else None


def trip_totals(rows: list[AmountRow]) -> dict[str, Any]:
    """Expense totals of a trip per currency and per (category, currency); income apart."""
    per_currency: dict[str, Decimal] = defaultdict(Decimal)
    income: dict[str, Decimal] = defaultdict(Decimal)
    per_category: dict[tuple[str | None, str], Decimal] = defaultdict(Decimal)
    for row in rows:
        if row.type == "income":
            income[row.currency] += row.amount
            continue
        per_currency[row.currency] += row.amount
        per_category[(row.category_id, row.currency)] += row.amount
    return {
        "expense_count": sum(1 for r in rows if r.type == "expense"),
        "totals": [
            {"currency": c, "amount": format_amount(a)} for c, a in sorted(per_currency.items())
        ],
        "income": [{"currency": c, "amount": format_amount(a)} for c, a in sorted(income.items())],
        "by_category": [
            {"category_id": cat, "currency": cur, "amount": format_amount(a)}
            for (cat, cur), a in sorted(
                per_category.items(), key=lambda kv: (kv[0][0] or "", kv[0][1])
            )
        ],
    }
