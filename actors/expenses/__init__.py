"""The expenses actor: personal expenses, categories and trips."""

from __future__ import annotations

from actors.erasure import USER_DELETED
from actors.expenses.catalog import (
    archive_category,
    create_category,
    create_trip,
    delete_trip,
    rename_category,
    seed_default_categories,
    update_trip,
)
from actors.expenses.erasure import erase_person
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
from actors.reads import caller, own, ref, shared
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

_REFS = (
    ref(CategoryDoc, "category_id"),
    ref(TripDoc, "trip_id"),
    shared("receipts", "receipt_id"),
    caller(),
)
"""What a new or changed expense is checked against, and the person whose home currency it
is valued in."""

EXPENSES = ActorDefinition(
    name="expenses",
    reads_rates=True,
    handlers=handlers(
        on(CreateExpense, create_expense, reads=(own(ExpenseDoc, "expense"), *_REFS)),
        on(UpdateExpense, update_expense, reads=(own(ExpenseDoc, "expense"), *_REFS)),
        on(DeleteExpense, delete_expense, reads=(own(ExpenseDoc, "expense"),)),
        on(CreateCategory, create_category, reads=(own(CategoryDoc, "category"),)),
        on(RenameCategory, rename_category, reads=(own(CategoryDoc, "category"),)),
        on(ArchiveCategory, archive_category, reads=(own(CategoryDoc, "category"),)),
        on(CreateTrip, create_trip, reads=(own(TripDoc, "trip"),)),
        on(UpdateTrip, update_trip, reads=(own(TripDoc, "trip"),)),
        on(DeleteTrip, delete_trip, reads=(own(TripDoc, "trip"),)),
    ),
    reactions={
        "user.registered": seed_default_categories,
        "rates.updated": fill_home_values,
        "receipt.scanned": apply_scanned,
        USER_DELETED: erase_person,
    },
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
