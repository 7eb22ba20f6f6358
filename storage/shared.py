"""What an actor may read of another actor's data: small read-only views, never the documents.

Each document has one owner, the actor that writes it. Another actor that needs a fact of it
(a person's timezone, a member's role, whether a category is someone's) reads it here, through
the reader its handler has (``actors.work.Work``: the batch's identity map, so a prefetch still
serves it), and gets a frozen value it cannot stage back. The import graph then shows every
such coupling: ``storage.shared`` and what imports it.

| view | document | owner |
| --- | --- | --- |
| :class:`Person` | ``UserDoc`` | accounts |
| :class:`GroupRoles` | ``GroupDoc`` | splits |
| :class:`Owned` (a category's name too) | ``CategoryDoc``, ``TripDoc`` | expenses |
| :class:`TripDates` | ``TripDoc`` | expenses |
| :func:`entry_state` | ``ExpenseDoc``, ``GroupEntryDoc`` | expenses, splits |
| :class:`Owned`, :func:`receipt_read` | ``ReceiptDoc`` | ocr |
| :class:`BudgetLimit` | ``BudgetDoc`` | budgets |

A batch prefetch names what it will read with :func:`prefetched` (the documents stay here).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal, Protocol, TypeVar

from beanie import Document

from bus.entities import Debt
from bus.money import format_amount
from bus.receipts import Receipt
from storage.account_tokens import AccountTokenDoc
from storage.accounts import UserDoc
from storage.budgets import BudgetDoc
from storage.groups import GroupBalanceDoc, GroupDoc, GroupEntryDoc
from storage.ledger import CategoryDoc, ExpenseDoc, TripDoc
from storage.receipt_reads import receipt_entity
from storage.receipts import ReceiptDoc

D = TypeVar("D", bound=Document)


class Reader(Protocol):
    """Reads by id and by query (a handler's ``Work`` is one)."""

    async def get(self, model: type[D], ident: str) -> D | None: ...

    async def find_ids(
        self, model: type[Document], query: dict[str, Any], limit: int, sort: str = "_id"
    ) -> list[str]: ...


def prefetched(
    *,
    people: Iterable[str] = (),
    groups: Iterable[str] = (),
    categories: Iterable[str] = (),
    trips: Iterable[str] = (),
    expenses: Iterable[str] = (),
    group_entries: Iterable[str] = (),
    receipts: Iterable[str] = (),
) -> dict[type[Document], list[str]]:
    """What a batch prefetch loads of other actors' data, so the views read from memory."""
    wanted: dict[type[Document], list[str]] = {
        UserDoc: list(people),
        GroupDoc: list(groups),
        CategoryDoc: list(categories),
        TripDoc: list(trips),
        ExpenseDoc: list(expenses),
        GroupEntryDoc: list(group_entries),
        ReceiptDoc: list(receipts),
    }
    return {model: ids for model, ids in wanted.items() if ids}


@dataclass(frozen=True, slots=True)
class Person:
    """A person's profile as other actors may use it (the accounts actor's)."""

    id: str
    name: str
    home_currency: str
    timezone: str


def _person(doc: UserDoc | None) -> Person | None:
    if doc is None:
        return None
    return Person(doc.id, doc.name, doc.home_currency, doc.timezone)


async def person(reader: Reader, user_id: str) -> Person | None:
    """The person with this id, if they have an account."""
    return _person(await reader.get(UserDoc, user_id))


@dataclass(frozen=True, slots=True)
class Addressee:
    """Where and how to write to a person (the notifications actor's mail)."""

    id: str
    name: str
    email: str
    timezone: str


async def addressee(user_id: str) -> Addressee | None:
    """The person's name and email address as they are now (read outside any transaction)."""
    doc = await UserDoc.get(user_id)
    return Addressee(doc.id, doc.name, doc.email, doc.timezone) if doc is not None else None


@dataclass(frozen=True, slots=True)
class AccountLink:
    """An account link's record, as the notifications actor mails it."""

    id: str
    purpose: str
    user_id: str
    email: str
    expires_at: datetime
    used_at: datetime | None


async def account_link(token_id: str) -> AccountLink | None:
    doc = await AccountTokenDoc.get(token_id)
    if doc is None:
        return None
    return AccountLink(doc.id, doc.purpose, doc.user_id, doc.email, doc.expires_at, doc.used_at)


async def person_by_email(reader: Reader, email: str) -> Person | None:
    """The person signed up with this email (any case), if any."""
    found = await reader.find_ids(UserDoc, {"email_lower": email.lower()}, 1)
    return _person(await reader.get(UserDoc, found[0])) if found else None


@dataclass(frozen=True, slots=True)
class GroupRoles:
    """Who belongs to a group and as what (the splits actor's)."""

    id: str
    timezone: str
    archived: bool
    roles: Mapping[str, str]  # member -> owner | admin | member
    name: str = ""

    def role_of(self, user_id: str | None) -> str | None:
        return self.roles.get(user_id) if user_id is not None else None

    @property
    def member_ids(self) -> list[str]:
        return list(self.roles)


async def group_roles(reader: Reader, group_id: str) -> GroupRoles | None:
    """The group's members and their roles, if the group exists."""
    doc = await reader.get(GroupDoc, group_id)
    if doc is None:
        return None
    roles = {str(m["user_id"]): str(m["role"]) for m in doc.members}
    return GroupRoles(doc.id, doc.timezone, doc.archived, roles, doc.name)


@dataclass(frozen=True, slots=True)
class Owned:
    """Whose an entity is, and whether it is still in use (archived or deleted: not)."""

    id: str
    owner_id: str
    live: bool
    name: str = ""  # a category's, as its owner named it


async def category_of(reader: Reader, category_id: str) -> Owned | None:
    """A category (the expenses actor's); archived ones are not live."""
    doc = await reader.get(CategoryDoc, category_id)
    return Owned(doc.id, doc.owner_id, not doc.archived, doc.name) if doc is not None else None


@dataclass(frozen=True, slots=True)
class TripDates:
    """A trip's days and currency (the expenses actor's)."""

    id: str
    owner_id: str
    live: bool
    start_date: date
    end_date: date
    currency: str


async def trip_dates(reader: Reader, trip_id: str) -> TripDates | None:
    doc = await reader.get(TripDoc, trip_id)
    if doc is None:
        return None
    start, end = date.fromisoformat(str(doc.start_date)), date.fromisoformat(str(doc.end_date))
    return TripDates(doc.id, doc.owner_id, not doc.deleted, start, end, doc.currency)


async def entry_state(
    reader: Reader, kind: Literal["expense", "group_expense"], entry_id: str
) -> tuple[int, bool] | None:
    """A personal expense's (the expenses actor's) or a group bill's (the splits actor's)
    version now, and whether it is deleted; None if it is not stored."""
    doc: ExpenseDoc | GroupEntryDoc | None
    if kind == "expense":
        doc = await reader.get(ExpenseDoc, entry_id)
    else:
        doc = await reader.get(GroupEntryDoc, entry_id)
    return (doc.version, doc.deleted) if doc is not None else None


async def receipt_read(reader: Reader, receipt_id: str) -> Receipt | None:
    """A receipt as its owner sees it (the ocr actor's record)."""
    doc = await reader.get(ReceiptDoc, receipt_id)
    return receipt_entity(doc) if doc is not None else None


@dataclass(frozen=True, slots=True)
class BudgetLimit:
    """A budget's limit and what it counts (the budgets actor's)."""

    id: str
    scope: str
    amount: Decimal
    currency: str
    category_ids: frozenset[str]


async def budget_limit(reader: Reader, budget_id: str) -> BudgetLimit | None:
    """A live budget's limit (None if deleted or unknown)."""
    doc = await reader.get(BudgetDoc, budget_id)
    if doc is None or doc.deleted:
        return None
    return BudgetLimit(doc.id, doc.scope, doc.amount, doc.currency, frozenset(doc.category_ids))


async def budget_ids_in(
    reader: Reader, scopes: list[str], limit: int, sort: str = "_id"
) -> list[str]:
    """The ids of the live budgets of ``scopes`` (at most ``limit``, by ``sort``)."""
    query = {"scope": {"$in": scopes}, "deleted": False}
    return await reader.find_ids(BudgetDoc, query, limit, sort=sort)


async def trip_of(reader: Reader, trip_id: str) -> Owned | None:
    """A trip (the expenses actor's); deleted ones are not live."""
    doc = await reader.get(TripDoc, trip_id)
    return Owned(doc.id, doc.owner_id, not doc.deleted) if doc is not None else None


async def receipt_of(reader: Reader, receipt_id: str) -> Owned | None:
    """A receipt (the ocr actor's record)."""
    doc = await reader.get(ReceiptDoc, receipt_id)
    return Owned(doc.id, doc.owner_id, True) if doc is not None else None


async def settle_plan(reader: Reader, group_id: str) -> list[tuple[str, str, str]]:
    """A group's fewest transfers that settle everyone, as the splits actor last stored them:
    (payer, payee, "<amount> <currency>")."""
    doc = await reader.get(GroupBalanceDoc, group_id)
    plan = [Debt.model_validate(d) for d in (doc.plan if doc is not None else [])]
    return [(d.from_user, d.to_user, f"{format_amount(d.amount)} {d.currency}") for d in plan]
