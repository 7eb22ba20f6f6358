"""Documents to client-visible entities (the shape of API responses and event data)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any, TypeVar

from pydantic import BaseModel

from bus.entities import (
    Category,
    Expense,
    Group,
    GroupEntry,
    GroupExpense,
    Invite,
    Session,
    Settlement,
    Trip,
    User,
    WriteOff,
)
from storage.accounts import SessionDoc, UserDoc
from storage.groups import GroupDoc, GroupEntryDoc, InviteDoc
from storage.ledger import CategoryDoc, ExpenseDoc, TripDoc


def with_offset(moment: datetime | None, offset_min: int | None) -> datetime | None:
    """A stored UTC instant shown again with the UTC offset the device gave."""
    if moment is None:
        return None
    if offset_min is None:
        return moment
    return moment.astimezone(timezone(timedelta(minutes=offset_min)))


def offset_minutes(moment: datetime | None) -> int | None:
    if moment is None or moment.utcoffset() is None:
        return None
    offset = moment.utcoffset()
    return int(offset.total_seconds() // 60) if offset is not None else None


E = TypeVar("E", bound=BaseModel)


def _project(entity: type[E], doc: BaseModel, **overrides: Any) -> E:
    """The entity's fields taken from the document (same names), then ``overrides``."""
    values = {name: getattr(doc, name) for name in entity.model_fields if hasattr(doc, name)}
    return entity.model_validate({**values, **overrides})


def user_entity(doc: UserDoc) -> User:
    return _project(User, doc, email_verified=doc.email_verified_at is not None)


def expense_entity(doc: ExpenseDoc) -> Expense:
    return _project(
        Expense,
        doc,
        date=date.fromisoformat(doc.date),
        occurred_at=with_offset(doc.occurred_at, doc.occurred_offset_min),
        rate_date=date.fromisoformat(doc.rate_date) if doc.rate_date else None,
    )


def category_entity(doc: CategoryDoc) -> Category:
    return _project(Category, doc)


def trip_entity(doc: TripDoc) -> Trip:
    return _project(
        Trip,
        doc,
        start_date=date.fromisoformat(doc.start_date),
        end_date=date.fromisoformat(doc.end_date),
    )


def session_entity(doc: SessionDoc) -> Session:
    return _project(Session, doc, reason=doc.revoked_reason)


def group_entity(doc: GroupDoc) -> Group:
    return _project(Group, doc)


def invite_entity(doc: InviteDoc) -> Invite:
    return _project(Invite, doc)


_ENTRY_KINDS: dict[str, type[GroupEntry]] = {
    "expense": GroupExpense,
    "settlement": Settlement,
    "write_off": WriteOff,
}


def entry_entity(doc: GroupEntryDoc) -> GroupEntry:
    """A ledger entry as its kind's entity (a group expense, a settlement or a write-off)."""
    return _project(
        _ENTRY_KINDS[doc.kind],
        doc,
        date=date.fromisoformat(doc.date),
        rate_date=date.fromisoformat(doc.rate_date) if doc.rate_date else None,
    )
