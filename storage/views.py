"""Documents to client-visible entities (the shape of API responses and event data)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from bus.entities import Category, Expense, Session, Trip, User
from storage.accounts import SessionDoc, UserDoc
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


def user_entity(doc: UserDoc) -> User:
    return User(
        id=doc.id,
        email=doc.email,
        name=doc.name,
        home_currency=doc.home_currency,
        timezone=doc.timezone,
        version=doc.version,
        created_at=doc.created_at,
        updated_at=doc.updated_at,
    )


def expense_entity(doc: ExpenseDoc) -> Expense:
    return Expense(
        id=doc.id,
        type=doc.type,
        amount=doc.amount,
        currency=doc.currency,
        category_id=doc.category_id,
        description=doc.description,
        merchant=doc.merchant,
        date=date.fromisoformat(doc.date),
        occurred_at=with_offset(doc.occurred_at, doc.occurred_offset_min),
        notes=doc.notes,
        tags=doc.tags,
        trip_id=doc.trip_id,
        version=doc.version,
        created_at=doc.created_at,
        updated_at=doc.updated_at,
        made_at=doc.made_at,
    )


def category_entity(doc: CategoryDoc) -> Category:
    return Category(
        id=doc.id,
        name=doc.name,
        icon=doc.icon,
        color=doc.color,
        archived=doc.archived,
        is_default=doc.is_default,
        version=doc.version,
        created_at=doc.created_at,
        updated_at=doc.updated_at,
    )


def trip_entity(doc: TripDoc) -> Trip:
    return Trip(
        id=doc.id,
        name=doc.name,
        destination=doc.destination,
        start_date=date.fromisoformat(doc.start_date),
        end_date=date.fromisoformat(doc.end_date),
        currency=doc.currency,
        version=doc.version,
        created_at=doc.created_at,
        updated_at=doc.updated_at,
    )


def session_entity(doc: SessionDoc) -> Session:
    return Session(
        id=doc.id,
        user_id=doc.user_id,
        revoked=doc.revoked,
        reason=doc.revoked_reason,
        version=doc.version,
    )
