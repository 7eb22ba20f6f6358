"""Handlers of categories and trips, and the default categories made for each new user."""

from __future__ import annotations

from actors.changes import change_data, id_taken, new_entity_id, next_version, stale, stored_changes
from actors.expenses.rules import DEFAULT_CATEGORIES
from actors.kernel import Decision, accept, reject
from actors.work import Work
from bus.envelopes import Command, Event
from bus.expense_commands import (
    ArchiveCategory,
    CreateCategory,
    CreateTrip,
    DeleteTrip,
    RenameCategory,
    UpdateTrip,
)
from bus.ids import derived_id, user_scope
from storage.ledger import CategoryDoc, TripDoc
from storage.views import category_entity, trip_entity


def default_category_id(user_id: str, name: str) -> str:
    return derived_id("category", user_id, name)


async def _free_default_id(work: Work, user_id: str, name: str) -> str | None:
    """The deterministic id of a default category, or None if this user already has it.

    Ids are one namespace across users and a client may choose its own: should someone else
    have taken the id, the next derived one is used instead.
    """
    for attempt in range(8):
        category_id = default_category_id(user_id, name if attempt == 0 else f"{name}#{attempt}")
        existing = await work.get(CategoryDoc, category_id)
        if existing is None:
            return category_id
        if existing.owner_id == user_id:
            return None
    raise RuntimeError(f"no free id for the default category {name!r}")


async def seed_default_categories(event: Event, work: Work) -> None:
    """On `user.registered`: the default categories (deterministic ids, so only once)."""
    user_id = event.data["entity"]["id"]
    for name, icon, color in DEFAULT_CATEGORIES:
        category_id = await _free_default_id(work, user_id, name)
        if category_id is None:
            continue
        doc = CategoryDoc(
            id=category_id,
            owner_id=user_id,
            name=name,
            icon=icon,
            color=color,
            is_default=True,
            version=1,
            created_at=work.now,
            updated_at=work.now,
        )
        work.put(doc)
        work.emit(user_scope(user_id), "category.created", change_data(category_entity(doc)))


async def create_category(command: Command, p: CreateCategory, work: Work) -> Decision:
    owner = command.actor.user_id
    if owner is None:
        return reject("forbidden", "sign in first")
    category_id = new_entity_id("category", command.command_id, p.id)
    existing = await work.get(CategoryDoc, category_id)
    if (
        taken := id_taken(
            existing, owner, category_entity(existing) if existing else None, "a category"
        )
    ) is not None:
        return taken
    doc = CategoryDoc(
        id=category_id,
        owner_id=owner,
        name=p.name,
        icon=p.icon,
        color=p.color,
        version=1,
        created_at=work.now,
        updated_at=work.now,
    )
    work.put(doc)
    entity = category_entity(doc)
    work.emit(user_scope(owner), "category.created", change_data(entity))
    return accept(entity)


async def _own_category(command: Command, category_id: str, work: Work) -> CategoryDoc | None:
    doc = await work.get(CategoryDoc, category_id)
    return doc if doc is not None and doc.owner_id == command.actor.user_id else None


async def rename_category(command: Command, p: RenameCategory, work: Work) -> Decision:
    doc = await _own_category(command, p.id, work)
    if doc is None:
        return reject("not_found", "no such category")
    if (conflict := stale(command, category_entity(doc))) is not None:
        return conflict
    renamed = next_version(doc, work.now, name=p.name)
    work.put(renamed)
    entity = category_entity(renamed)
    work.emit(
        user_scope(doc.owner_id), "category.renamed", change_data(entity, category_entity(doc))
    )
    return accept(entity)


async def archive_category(command: Command, p: ArchiveCategory, work: Work) -> Decision:
    doc = await _own_category(command, p.id, work)
    if doc is None:
        return reject("not_found", "no such category")
    if (conflict := stale(command, category_entity(doc))) is not None:
        return conflict
    archived = next_version(doc, work.now, archived=True)
    work.put(archived)
    entity = category_entity(archived)
    work.emit(
        user_scope(doc.owner_id), "category.archived", change_data(entity, category_entity(doc))
    )
    return accept(entity)


async def create_trip(command: Command, p: CreateTrip, work: Work) -> Decision:
    owner = command.actor.user_id
    if owner is None:
        return reject("forbidden", "sign in first")
    trip_id = new_entity_id("trip", command.command_id, p.id)
    existing = await work.get(TripDoc, trip_id)
    if (
        taken := id_taken(existing, owner, trip_entity(existing) if existing else None, "a trip")
    ) is not None:
        return taken
    doc = TripDoc(
        id=trip_id,
        owner_id=owner,
        name=p.name,
        destination=p.destination,
        start_date=p.start_date.isoformat(),
        end_date=p.end_date.isoformat(),
        currency=p.currency,
        version=1,
        created_at=work.now,
        updated_at=work.now,
    )
    work.put(doc)
    entity = trip_entity(doc)
    work.emit(user_scope(owner), "trip.created", change_data(entity))
    return accept(entity)


async def _own_trip(command: Command, trip_id: str, work: Work) -> TripDoc | None:
    doc = await work.get(TripDoc, trip_id)
    ok = doc is not None and doc.owner_id == command.actor.user_id and not doc.deleted
    return doc if ok else None


async def update_trip(command: Command, p: UpdateTrip, work: Work) -> Decision:
    doc = await _own_trip(command, p.id, work)
    if doc is None:
        return reject("not_found", "no such trip")
    if (conflict := stale(command, trip_entity(doc))) is not None:
        return conflict
    updated = next_version(doc, work.now, **stored_changes(p))
    if updated.end_date < updated.start_date:
        return reject("validation", "end_date is before start_date", end_date="before start_date")
    work.put(updated)
    entity = trip_entity(updated)
    work.emit(user_scope(doc.owner_id), "trip.updated", change_data(entity, trip_entity(doc)))
    return accept(entity)


async def delete_trip(command: Command, p: DeleteTrip, work: Work) -> Decision:
    doc = await _own_trip(command, p.id, work)
    if doc is None:
        return reject("not_found", "no such trip")
    if (conflict := stale(command, trip_entity(doc))) is not None:
        return conflict
    gone = next_version(doc, work.now, deleted=True)
    work.put(gone)
    work.emit(
        user_scope(doc.owner_id), "trip.deleted", change_data(trip_entity(gone), trip_entity(doc))
    )
    return accept(trip_entity(gone))
