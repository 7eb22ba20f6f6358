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
| :class:`Owned` | ``CategoryDoc``, ``TripDoc`` | expenses |
| :class:`Owned` | ``ReceiptDoc`` | ocr |
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from beanie import Document

from storage.accounts import UserDoc
from storage.groups import GroupDoc
from storage.ledger import CategoryDoc, TripDoc
from storage.receipts import ReceiptDoc

D = TypeVar("D", bound=Document)


class Reader(Protocol):
    """Reads by id and by query (a handler's ``Work`` is one)."""

    async def get(self, model: type[D], ident: str) -> D | None: ...

    async def find_ids(
        self, model: type[Document], query: dict[str, Any], limit: int, sort: str = "_id"
    ) -> list[str]: ...


def people(user_ids: list[str]) -> dict[type[Document], list[str]]:
    """What a batch prefetch loads so that :func:`person` then reads from memory."""
    return {UserDoc: user_ids}


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

    def role_of(self, user_id: str | None) -> str | None:
        return self.roles.get(user_id) if user_id is not None else None


async def group_roles(reader: Reader, group_id: str) -> GroupRoles | None:
    """The group's members and their roles, if the group exists."""
    doc = await reader.get(GroupDoc, group_id)
    if doc is None:
        return None
    roles = {str(m["user_id"]): str(m["role"]) for m in doc.members}
    return GroupRoles(doc.id, doc.timezone, doc.archived, roles)


@dataclass(frozen=True, slots=True)
class Owned:
    """Whose an entity is, and whether it is still in use (archived or deleted: not)."""

    id: str
    owner_id: str
    live: bool


async def category_of(reader: Reader, category_id: str) -> Owned | None:
    """A category (the expenses actor's); archived ones are not live."""
    doc = await reader.get(CategoryDoc, category_id)
    return Owned(doc.id, doc.owner_id, not doc.archived) if doc is not None else None


async def trip_of(reader: Reader, trip_id: str) -> Owned | None:
    """A trip (the expenses actor's); deleted ones are not live."""
    doc = await reader.get(TripDoc, trip_id)
    return Owned(doc.id, doc.owner_id, not doc.deleted) if doc is not None else None


async def receipt_of(reader: Reader, receipt_id: str) -> Owned | None:
    """A receipt (the ocr actor's record)."""
    doc = await reader.get(ReceiptDoc, receipt_id)
    return Owned(doc.id, doc.owner_id, True) if doc is not None else None
