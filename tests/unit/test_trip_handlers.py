"""The expenses actor's trips, decided on the in-memory unit of work: creating with a derived
or client id, changes that keep the dates in order, tombstones, and who may touch which trip.
No server is started."""

from __future__ import annotations

from datetime import date
from typing import Any

from actors.changes import new_entity_id
from actors.expenses.catalog import create_trip, delete_trip, update_trip
from bus.expense_commands import CreateTrip, DeleteTrip, UpdateTrip
from bus.ids import user_scope
from storage.ledger import TripDoc
from tests.support.expense_docs import new_id, trip_doc, user_doc
from tests.support.fake_work import MemoryWork, command, decide


def _trip(**fields: Any) -> CreateTrip:
    values: dict[str, Any] = {
        "name": "Porto",
        "destination": "Portugal",
        "start_date": date(2026, 12, 1),
        "end_date": date(2026, 12, 5),
        "currency": "EUR",
    }
    return CreateTrip(**{**values, **fields})


async def test_create_trip_with_a_derived_or_a_client_id(documents: None) -> None:
    ada, eve = user_doc("ada"), user_doc("eve")
    work = MemoryWork(ada, eve)
    sent = command("trip.create", ada.id)
    made = await decide(create_trip, sent, _trip(), work)
    trip_id = new_entity_id("trip", sent.command_id, None)
    assert made.accepted
    assert made.entity is not None
    assert (made.entity["id"], made.entity["start_date"], made.entity["end_date"]) == (
        trip_id,
        "2026-12-01",
        "2026-12-05",
    )
    stored = work.one(TripDoc, trip_id)
    assert (stored.owner_id, stored.destination, stored.version) == (ada.id, "Portugal", 1)
    [event] = work.committed
    assert (event.scope, event.type, event.data["entity"]) == (
        user_scope(ada.id),
        "trip.created",
        made.entity,
    )

    again = await decide(create_trip, command("trip.create", ada.id), _trip(id=trip_id), work)
    assert (again.code, again.message, again.entity) == (
        "conflict",
        "a trip with this id exists",
        made.entity,
    )
    taken = await decide(create_trip, command("trip.create", eve.id), _trip(id=trip_id), work)
    assert (taken.code, taken.message, taken.entity) == (
        "validation",
        "this id is already taken",
        None,
    )
    assert len(work.committed) == 1


async def test_update_trip_changes_what_is_sent_and_keeps_dates_in_order(
    documents: None,
) -> None:
    ada = user_doc("ada")
    lisbon = trip_doc(ada.id)  # 2026-11-10 .. 2026-11-20
    work = MemoryWork(ada, lisbon)
    moved = await decide(
        update_trip,
        command("trip.update", ada.id, expected_version=1),
        UpdateTrip(id=lisbon.id, end_date=date(2026, 11, 25), destination=None),
        work,
    )
    assert moved.accepted
    assert moved.version == 2
    stored = work.one(TripDoc, lisbon.id)
    assert (stored.name, stored.start_date, stored.end_date, stored.destination) == (
        "Lisbon",
        "2026-11-10",
        "2026-11-25",
        None,
    )
    [event] = work.committed
    assert (event.type, event.data["before"]["end_date"]) == ("trip.updated", "2026-11-20")

    work = work.next()
    backwards = UpdateTrip(id=lisbon.id, end_date=date(2026, 11, 9))  # before the stored start
    refused = await decide(update_trip, command("trip.update", ada.id), backwards, work)
    assert (refused.code, refused.message) == ("validation", "end_date is before start_date")
    assert [(e.loc, e.msg) for e in refused.errors] == [(["end_date"], "before start_date")]
    assert work.one(TripDoc, lisbon.id) == stored
    assert len(work.committed) == 1


async def test_delete_trip_leaves_a_tombstone_once(documents: None) -> None:
    ada = user_doc("ada")
    lisbon = trip_doc(ada.id)
    work = MemoryWork(ada, lisbon)
    gone = await decide(
        delete_trip,
        command("trip.delete", ada.id, expected_version=1),
        DeleteTrip(id=lisbon.id),
        work,
    )
    assert gone.accepted
    assert gone.entity is not None
    assert (gone.entity["id"], gone.version) == (lisbon.id, 2)
    stored = work.one(TripDoc, lisbon.id)
    assert (stored.deleted, stored.version) == (True, 2)
    [event] = work.committed
    assert (event.scope, event.type) == (user_scope(ada.id), "trip.deleted")
    assert (event.data["entity"], event.data["before"]["version"]) == (gone.entity, 1)

    work = work.next()
    again = await decide(
        delete_trip, command("trip.delete", ada.id), DeleteTrip(id=lisbon.id), work
    )
    assert again.code == "not_found"
    assert len(work.committed) == 1


async def test_a_trip_not_there_for_the_issuer_or_at_a_stale_version_is_refused(
    documents: None,
) -> None:
    ada, eve = user_doc("ada"), user_doc("eve")
    hers, deleted = trip_doc(eve.id), trip_doc(ada.id, deleted=True)
    mine = trip_doc(ada.id, version=5)
    work = MemoryWork(ada, eve, hers, deleted, mine)
    for target in (hers.id, deleted.id, new_id()):
        change = await decide(
            update_trip, command("trip.update", ada.id), UpdateTrip(id=target, name="X"), work
        )
        removal = await decide(
            delete_trip, command("trip.delete", ada.id), DeleteTrip(id=target), work
        )
        for refused in (change, removal):
            assert (refused.code, refused.message, refused.entity) == (
                "not_found",
                "no such trip",
                None,
            )
    for stale in (
        await decide(
            update_trip,
            command("trip.update", ada.id, expected_version=4),
            UpdateTrip(id=mine.id, name="X"),
            work,
        ),
        await decide(
            delete_trip,
            command("trip.delete", ada.id, expected_version=4),
            DeleteTrip(id=mine.id),
            work,
        ),
    ):
        assert (stale.code, stale.message) == ("conflict", "version 4 is stale (now 5)")
        assert stale.entity is not None
        assert (stale.entity["id"], stale.version) == (mine.id, 5)
    assert work.committed == []
    assert [work.one(TripDoc, t.id) for t in (hers, deleted, mine)] == [hers, deleted, mine]
