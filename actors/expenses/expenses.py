"""Handlers of personal expenses: create, update, delete."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from actors.changes import (
    change_data,
    id_taken,
    new_entity_id,
    next_version,
    stale,
    stored_changes,
)
from actors.expenses.rules import amount_fits, home_value
from actors.expenses.runtime import ExpensesRuntime
from actors.kernel import Decision, accept, reject, runtime_of
from actors.work import Work
from bus.conversions import RatesChanged
from bus.envelopes import Command, Event
from bus.expense_commands import CreateExpense, DeleteExpense, UpdateExpense
from bus.ids import user_scope
from storage.ledger import CategoryDoc, ExpenseDoc, TripDoc
from storage.rates import awaiting_rates
from storage.shared import person, receipt_of
from storage.views import expense_entity, offset_minutes


def new_expense_doc(
    expense_id: str, owner: str, p: CreateExpense, now: datetime, made_at: datetime | None = None
) -> ExpenseDoc:
    """The stored form of a new expense (version 1) in its owner's scope."""
    return ExpenseDoc(
        id=expense_id,
        owner_id=owner,
        scope=user_scope(owner),
        type=p.type,
        amount=p.amount,
        currency=p.currency,
        category_id=p.category_id,
        description=p.description,
        merchant=p.merchant,
        date=p.date.isoformat(),
        occurred_at=p.occurred_at,
        occurred_offset_min=offset_minutes(p.occurred_at),
        notes=p.notes,
        tags=list(p.tags),
        trip_id=p.trip_id,
        version=1,
        created_at=now,
        updated_at=now,
        made_at=made_at,
        receipt_id=p.receipt_id,
    )


FILL_PER_EVENT = 1000  # expenses given a home value per `rates.updated`, in one transaction


async def _home_currency(work: Work, owner: str, fallback: str) -> str:
    """The owner's home currency now (their profile is the accounts actor's; read only)."""
    user = await person(work, owner)
    return user.home_currency if user is not None else fallback


def _home_fields(work: Work, amount: Any, currency: str, home: str, on: date) -> dict[str, Any]:
    book = runtime_of(work, ExpensesRuntime).reader.book
    return home_value(book, amount, currency, home, on)


async def home_fields_of(
    work: Work, doc: ExpenseDoc, amount: Any, currency: str, on: date
) -> dict[str, Any]:
    """The home value fields of ``doc`` at ``amount`` ``currency`` on ``on``, in the home
    currency it was recorded in (or its owner's now, for a new one)."""
    home = doc.home_currency or await _home_currency(work, doc.owner_id, currency)
    return _home_fields(work, amount, currency, home, on)


async def _check_refs(
    work: Work,
    owner: str,
    category_id: str | None,
    trip_id: str | None,
    receipt_id: str | None = None,
) -> Decision | None:
    if category_id is not None:
        category = await work.get(CategoryDoc, category_id)
        if category is None or category.owner_id != owner:
            return reject("not_found", "unknown category", category_id="no such category")
        if category.archived:
            return reject(
                "category_archived", "category is archived", category_id="category is archived"
            )
    if trip_id is not None:
        trip = await work.get(TripDoc, trip_id)
        if trip is None or trip.owner_id != owner or trip.deleted:
            return reject("not_found", "unknown trip", trip_id="no such trip")
    if receipt_id is not None:  # the ocr actor's record, read only
        receipt = await receipt_of(work, receipt_id)
        if receipt is None or receipt.owner_id != owner:
            return reject("not_found", "unknown receipt", receipt_id="no such receipt")
    return None


async def create_expense(command: Command, p: CreateExpense, work: Work) -> Decision:
    owner = command.actor.user_id
    if owner is None:
        return reject("forbidden", "sign in first")
    expense_id = new_entity_id("expense", command.command_id, p.id)
    existing = await work.get(ExpenseDoc, expense_id)
    if (
        taken := id_taken(
            existing, owner, expense_entity(existing) if existing else None, "an expense"
        )
    ) is not None:
        return taken
    if (bad := await _check_refs(work, owner, p.category_id, p.trip_id, p.receipt_id)) is not None:
        return bad
    doc = new_expense_doc(expense_id, owner, p, work.now, made_at=command.made_at)
    home = await _home_currency(work, owner, p.currency)
    doc = doc.model_copy(update=_home_fields(work, p.amount, p.currency, home, p.date))
    work.put(doc)
    entity = expense_entity(doc)
    work.emit(doc.scope, "expense.created", change_data(entity))
    return accept(entity)


async def _owned(work: Work, command: Command, expense_id: str) -> ExpenseDoc | None:
    doc = await work.get(ExpenseDoc, expense_id)
    if doc is None or doc.owner_id != command.actor.user_id or doc.deleted:
        return None
    return doc


async def update_expense(command: Command, p: UpdateExpense, work: Work) -> Decision:
    doc = await _owned(work, command, p.id)
    if doc is None:
        return reject("not_found", "no such expense")
    if (conflict := stale(command, expense_entity(doc))) is not None:
        return conflict
    changes = stored_changes(p)
    if "occurred_at" in changes:
        changes["occurred_offset_min"] = offset_minutes(changes["occurred_at"])
    amount, currency = changes.get("amount", doc.amount), changes.get("currency", doc.currency)
    if (reason := amount_fits(amount, currency)) is not None:
        return reject("validation", reason, amount=reason)
    bad = await _check_refs(
        work,
        doc.owner_id,
        changes.get("category_id"),
        changes.get("trip_id"),
        changes.get("receipt_id"),
    )
    if bad is not None:
        return bad
    if {"amount", "currency", "date"} & changes.keys():
        # Re-fixed at the (new) date, in the home currency the expense was recorded in.
        home = doc.home_currency or await _home_currency(work, doc.owner_id, currency)
        on = date.fromisoformat(changes.get("date", doc.date))
        changes.update(_home_fields(work, amount, currency, home, on))
    updated = next_version(doc, work.now, **changes)
    work.put(updated)
    entity = expense_entity(updated)
    work.emit(doc.scope, "expense.updated", change_data(entity, expense_entity(doc)))
    return accept(entity)


async def delete_expense(command: Command, p: DeleteExpense, work: Work) -> Decision:
    doc = await _owned(work, command, p.id)
    if doc is None:
        return reject("not_found", "no such expense")
    if (conflict := stale(command, expense_entity(doc))) is not None:
        return conflict
    gone = next_version(doc, work.now, deleted=True)
    work.put(gone)
    tombstone = expense_entity(gone)
    work.emit(doc.scope, "expense.deleted", change_data(tombstone, expense_entity(doc)))
    return accept(tombstone)


async def fill_home_values(event: Event, work: Work) -> None:
    """New rates arrived: give expenses still without a home value one, fixed at their own
    date, each as an `expense.converted` event in its owner's scope (only those the new days can
    serve: see ``storage.rates.awaiting_rates``)."""
    change = RatesChanged.model_validate(event.data["entity"])
    if not change.currencies or not change.days:
        return
    max_age = runtime_of(work, ExpensesRuntime).reader.book.max_age_days
    query = awaiting_rates(change.days, change.currencies, max_age, "home_currency")
    ids = await work.find_ids(ExpenseDoc, query, FILL_PER_EVENT, sort="date")
    for expense_id in ids:
        doc = await work.get(ExpenseDoc, expense_id)
        if doc is None or doc.home_currency is None:
            continue
        fields = _home_fields(
            work, doc.amount, doc.currency, doc.home_currency, date.fromisoformat(doc.date)
        )
        if fields["rate_status"] == "missing":
            continue
        converted = next_version(doc, work.now, **fields)
        work.put(converted)
        work.emit(
            doc.scope,
            "expense.converted",
            change_data(expense_entity(converted), expense_entity(doc)),
        )
