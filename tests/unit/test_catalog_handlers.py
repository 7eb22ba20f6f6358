"""The expenses actor's categories, decided on the in-memory unit of work: the default
categories a new person gets (once), creating with a client id, renaming and archiving; and
what the actor's batch prefetches for its handlers. No server is started."""

from __future__ import annotations

from typing import Any

import pytest

from actors.changes import change_data, new_entity_id
from actors.expenses import EXPENSES
from actors.expenses.catalog import (
    archive_category,
    create_category,
    create_trip,
    default_category_id,
    rename_category,
    seed_default_categories,
)
from actors.expenses.rules import DEFAULT_CATEGORIES
from bus.envelopes import Event
from bus.expense_commands import ArchiveCategory, CreateCategory, CreateTrip, RenameCategory
from bus.ids import user_scope
from storage.accounts import UserDoc
from storage.ledger import CategoryDoc, ExpenseDoc, TripDoc
from storage.receipts import ReceiptDoc
from storage.views import user_entity
from tests.support.expense_docs import bus_event, category_doc, new_id, user_doc
from tests.support.fake_work import NOW, MemoryWork, command, decide, reads_of


def _registered(user: UserDoc) -> Event:
    return bus_event(user_scope(user.id), "user.registered", change_data(user_entity(user)))


async def _seed(event: Event, work: MemoryWork) -> MemoryWork:
    await seed_default_categories(event, work)
    work.commit()
    return work.next()


async def test_a_new_person_gets_the_default_categories_once(documents: None) -> None:
    ada = user_doc("ada")
    event = _registered(ada)
    work = await _seed(event, MemoryWork(ada, command_id=event.command_id))

    names = [name for name, _, _ in DEFAULT_CATEGORIES]
    seeded = [work.one(CategoryDoc, default_category_id(ada.id, name)) for name in names]
    assert [(c.owner_id, c.name, c.is_default, c.version) for c in seeded] == [
        (ada.id, name, True, 1) for name in names
    ]
    assert (seeded[0].icon, seeded[0].color) == DEFAULT_CATEGORIES[0][1:]
    assert [(e.scope, e.type, e.seq) for e in work.committed] == [
        (user_scope(ada.id), "category.created", seq) for seq in range(1, len(names) + 1)
    ]
    assert work.committed[0].data["entity"]["id"] == seeded[0].id

    work = await _seed(event, work)  # redelivered
    assert len(work.committed) == len(names)


async def test_default_categories_keep_what_the_person_or_someone_else_already_has(
    documents: None,
) -> None:
    ada, eve = user_doc("ada"), user_doc("eve")
    food = default_category_id(ada.id, "Food & Drink")
    renamed = category_doc(ada.id, "Eating out", id=food, version=3)
    squatted = category_doc(eve.id, "Mine", id=default_category_id(ada.id, "Groceries"))
    work = await _seed(_registered(ada), MemoryWork(ada, eve, renamed, squatted))

    assert work.one(CategoryDoc, food) == renamed
    assert work.one(CategoryDoc, squatted.id) == squatted
    groceries = work.one(CategoryDoc, default_category_id(ada.id, "Groceries#1"))
    assert (groceries.owner_id, groceries.name) == (ada.id, "Groceries")
    assert len(work.committed) == len(DEFAULT_CATEGORIES) - 1


async def test_create_category_with_a_derived_or_a_client_id(documents: None) -> None:
    ada, eve = user_doc("ada"), user_doc("eve")
    work = MemoryWork(ada, eve)
    sent = command("category.create", ada.id)
    made = await decide(
        create_category, sent, CreateCategory(name="Books", icon="book", color="#112233"), work
    )
    assert made.accepted
    assert made.entity is not None
    category_id = new_entity_id("category", sent.command_id, None)
    assert made.entity == {
        "id": category_id,
        "name": "Books",
        "icon": "book",
        "color": "#112233",
        "archived": False,
        "is_default": False,
        "version": 1,
        "created_at": NOW.isoformat().replace("+00:00", "Z"),
        "updated_at": NOW.isoformat().replace("+00:00", "Z"),
    }
    assert work.one(CategoryDoc, category_id).owner_id == ada.id
    [event] = work.committed
    assert (event.scope, event.type, event.data["entity"]) == (
        user_scope(ada.id),
        "category.created",
        made.entity,
    )

    again = await decide(
        create_category,
        command("category.create", ada.id),
        CreateCategory(id=category_id, name="Other"),
        work,
    )
    assert (again.code, again.message, again.entity) == (
        "conflict",
        "a category with this id exists",
        made.entity,
    )
    taken = await decide(
        create_category,
        command("category.create", eve.id),
        CreateCategory(id=category_id, name="Mine"),
        work,
    )
    assert (taken.code, taken.message, taken.entity) == (
        "validation",
        "this id is already taken",
        None,
    )
    assert [(e.loc, e.msg) for e in taken.errors] == [(["id"], "choose another UUID")]
    assert work.one(CategoryDoc, category_id).name == "Books"
    assert len(work.committed) == 1


async def test_rename_and_archive_move_the_version_on_and_keep_the_state_before(
    documents: None,
) -> None:
    ada = user_doc("ada")
    coffee = category_doc(ada.id)
    work = MemoryWork(ada, coffee)
    renamed = await decide(
        rename_category,
        command("category.rename", ada.id, expected_version=1),
        RenameCategory(id=coffee.id, name="Cafés"),
        work,
    )
    assert renamed.entity is not None
    assert (renamed.entity["name"], renamed.version) == ("Cafés", 2)
    work = work.next()
    archived = await decide(
        archive_category,
        command("category.archive", ada.id, expected_version=2),
        ArchiveCategory(id=coffee.id),
        work,
    )
    assert archived.entity is not None
    assert (archived.entity["archived"], archived.entity["name"], archived.version) == (
        True,
        "Cafés",
        3,
    )
    stored = work.one(CategoryDoc, coffee.id)
    assert (stored.name, stored.archived, stored.version) == ("Cafés", True, 3)
    assert [(e.scope, e.type, e.data["before"]["version"]) for e in work.committed] == [
        (user_scope(ada.id), "category.renamed", 1),
        (user_scope(ada.id), "category.archived", 2),
    ]
    assert work.committed[0].data["before"]["name"] == "Coffee"


async def test_changing_a_category_not_the_issuers_or_at_a_stale_version_is_refused(
    documents: None,
) -> None:
    ada, eve = user_doc("ada"), user_doc("eve")
    hers, mine = category_doc(eve.id), category_doc(ada.id, version=2)
    work = MemoryWork(ada, eve, hers, mine)
    for target in (hers.id, new_id()):
        for refused in (
            await decide(
                rename_category,
                command("category.rename", ada.id),
                RenameCategory(id=target, name="X"),
                work,
            ),
            await decide(
                archive_category,
                command("category.archive", ada.id),
                ArchiveCategory(id=target),
                work,
            ),
        ):
            assert (refused.code, refused.message, refused.entity) == (
                "not_found",
                "no such category",
                None,
            )
    for stale in (
        await decide(
            rename_category,
            command("category.rename", ada.id, expected_version=1),
            RenameCategory(id=mine.id, name="X"),
            work,
        ),
        await decide(
            archive_category,
            command("category.archive", ada.id, expected_version=1),
            ArchiveCategory(id=mine.id),
            work,
        ),
    ):
        assert (stale.code, stale.message) == ("conflict", "version 1 is stale (now 2)")
        assert stale.entity is not None
        assert (stale.entity["id"], stale.version) == (mine.id, 2)
    assert work.committed == []
    assert (work.one(CategoryDoc, hers.id), work.one(CategoryDoc, mine.id)) == (hers, mine)


# ---- what a batch loads before its handlers run -------------------------------------------


@pytest.mark.parametrize(
    ("command_type", "payload", "model"),
    [
        ("expense.create", {"amount": "1.00", "currency": "EUR", "date": "2026-11-20"}, ExpenseDoc),
        ("category.create", {"name": "Pets"}, CategoryDoc),
        (
            "trip.create",
            {
                "name": "Lisbon",
                "start_date": "2026-12-01",
                "end_date": "2026-12-05",
                "currency": "EUR",
            },
            TripDoc,
        ),
    ],
)
def test_a_batch_loads_the_id_a_create_will_use(
    command_type: str, payload: dict[str, Any], model: type[Any]
) -> None:
    sent = command(command_type, "ada", payload)
    kind = command_type.partition(".")[0]
    wanted = reads_of(EXPENSES, sent)
    assert wanted[model] == [new_entity_id(kind, sent.command_id, None)]
    assert wanted.get(UserDoc, []) == (["ada"] if kind == "expense" else [])


def test_a_batch_loads_what_an_expense_refers_to_and_whose_it_is() -> None:
    expense, category, trip, receipt = new_id(), new_id(), new_id(), new_id()
    refs = {"id": expense, "category_id": category, "trip_id": trip, "receipt_id": receipt}
    other = command("expense.delete", "bob", {"id": new_id()})
    wanted = reads_of(EXPENSES, command("expense.update", "ada", refs), other)
    assert wanted[ExpenseDoc] == [expense, other.payload["id"]]
    assert (wanted[CategoryDoc], wanted[TripDoc]) == ([category], [trip])
    assert (wanted[ReceiptDoc], wanted[UserDoc]) == ([receipt], ["ada"])


async def test_a_category_or_trip_needs_someone_signed_in(documents: None) -> None:
    category = CreateCategory(name="Pets")
    trip = CreateTrip.model_validate(
        {"name": "Lisbon", "start_date": "2026-12-01", "end_date": "2026-12-05", "currency": "EUR"}
    )
    for handler, sent, payload in (
        (create_category, command("category.create", None), category),
        (create_trip, command("trip.create", None), trip),
    ):
        work = MemoryWork()
        refused = await decide(handler, sent, payload, work)
        assert (refused.code, refused.message) == ("forbidden", "sign in first")
        assert work.stored == {}
        assert work.committed == []
