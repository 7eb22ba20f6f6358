"""The expenses actor: personal expenses, categories and trips."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from beanie import Document

from actors.changes import new_entity_id
from actors.expenses.catalog import (
    archive_category,
    create_category,
    create_trip,
    delete_trip,
    rename_category,
    seed_default_categories,
    update_trip,
)
from actors.expenses.expenses import (
    create_expense,
    delete_expense,
    fill_home_values,
    update_expense,
)
from actors.expenses.receipts import apply_scanned
from actors.expenses.runtime import ExpensesRuntime
from actors.handling import handlers, on
from actors.kernel import ActorDefinition
from bus.envelopes import Command
from bus.expense_commands import (
    ArchiveCategory,
    CreateCategory,
    CreateExpense,
    CreateTrip,
    DeleteExpense,
    DeleteTrip,
    RenameCategory,
    UpdateExpense,
    UpdateTrip,
)
from storage.ledger import CategoryDoc, ExpenseDoc, TripDoc
from storage.shared import people


def prefetch(commands: Sequence[Command]) -> Mapping[type[Document], list[str]]:
    """Load every expense, category and trip a batch will touch in three queries."""
    expenses: list[str] = []
    categories: list[str] = []
    trips: list[str] = []
    for command in commands:
        payload = command.payload
        given = payload.get("id") if isinstance(payload.get("id"), str) else None
        entity = command.type.partition(".")[0]
        if command.type == "expense.create":
            expenses.append(new_entity_id("expense", command.command_id, given))
        elif entity == "expense" and given:
            expenses.append(given)
        elif entity == "category":
            categories.append(new_entity_id("category", command.command_id, given))
        elif entity == "trip":
            trips.append(new_entity_id("trip", command.command_id, given))
        for key, bucket in (("category_id", categories), ("trip_id", trips)):
            if isinstance(payload.get(key), str):
                bucket.append(payload[key])
    owners = [c.actor.user_id for c in commands if c.actor.user_id is not None]
    return {ExpenseDoc: expenses, CategoryDoc: categories, TripDoc: trips, **people(owners)}


EXPENSES = ActorDefinition(
    name="expenses",
    reads_rates=True,
    handlers=handlers(
        on(CreateExpense, create_expense),
        on(UpdateExpense, update_expense),
        on(DeleteExpense, delete_expense),
        on(CreateCategory, create_category),
        on(RenameCategory, rename_category),
        on(ArchiveCategory, archive_category),
        on(CreateTrip, create_trip),
        on(UpdateTrip, update_trip),
        on(DeleteTrip, delete_trip),
    ),
    reactions={
        "user.registered": seed_default_categories,
        "rates.updated": fill_home_values,
        "receipt.scanned": apply_scanned,
    },
    prefetch=prefetch,
    runtime=ExpensesRuntime,
    emits=(
        "expense.created",
        "expense.updated",
        "expense.deleted",
        "expense.converted",
        "category.created",
        "category.renamed",
        "category.archived",
        "trip.created",
        "trip.updated",
        "trip.deleted",
    ),
)
