"""What a syncing device reads: a scope's change feed, the heads of its scopes, and a scope's
full state with the `seq` it corresponds to.

A scope's event log has no gaps at any moment: the `seq` counter is taken in the transaction
that writes the events, so a transaction holding `seq` n+1 commits only after the one holding
n (they conflict on the counter). Reading events after a `seq` in order therefore never skips
one that shows up later.
"""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from bus.ids import group_scope, personal_scopes, split_scope
from storage.accounts import UserDoc
from storage.budget_reads import budget_entity, goal_entity, rule_entity
from storage.budgets import BudgetDoc, GoalDoc, RecurringDoc
from storage.documents import EventRecord, ScopeCounter
from storage.fraud import FlagDoc
from storage.fraud_reads import flag_entity, visible_flags
from storage.group_reads import balances_entity, group_for, group_ids_of
from storage.groups import GroupBalanceDoc, GroupDoc, GroupEntryDoc
from storage.ledger import CategoryDoc, ExpenseDoc, TripDoc
from storage.notification_reads import inbox_state
from storage.transactions import in_transaction
from storage.views import (
    category_entity,
    entry_entity,
    expense_entity,
    group_entity,
    trip_entity,
    user_entity,
)

SNAPSHOT_MAX_ENTITIES = 50_000


class SnapshotTooLarge(Exception):
    def __init__(self) -> None:
        super().__init__(f"this scope holds more than {SNAPSHOT_MAX_ENTITIES} entities")


async def can_read(user_id: str, scope: str) -> bool:
    """Whether ``user_id`` may read ``scope`` now: their own (``user:`` and ``inbox:``), or a
    group they are in."""
    try:
        kind, ident = split_scope(scope)
    except ValueError:
        return False
    if kind in ("user", "inbox"):
        return ident == user_id
    if kind == "group":
        return await group_for(user_id, ident) is not None
    return False


async def readable_scopes(user_id: str) -> list[str]:
    """Every scope ``user_id`` may read: their own two and their groups'."""
    return [*personal_scopes(user_id), *(group_scope(g) for g in await group_ids_of(user_id))]


async def heads(scopes: list[str]) -> dict[str, int]:
    """The last `seq` of each scope (0 for one with no events yet)."""
    rows = ScopeCounter.get_pymongo_collection().find({"_id": {"$in": scopes}})
    found = {row["_id"]: row["seq"] async for row in rows}
    return {scope: found.get(scope, 0) for scope in scopes}


async def changes(scope: str, after: int, limit: int) -> list[dict[str, Any]]:
    """The scope's events after `seq` ``after``, in order, at most ``limit``."""
    cursor = (
        EventRecord.get_pymongo_collection()
        .find({"scope": scope, "seq": {"$gt": after}})
        .sort("seq", 1)
        .limit(limit)
    )
    return [
        EventRecord.model_validate(row).to_event().model_dump(mode="json") async for row in cursor
    ]


async def _all(model: Any, query: dict[str, Any], session: AsyncClientSession) -> list[Any]:
    cursor = model.get_pymongo_collection().find(query, session=session)
    docs = []
    async for raw in cursor:
        docs.append(model.model_validate(raw))
        if len(docs) > SNAPSHOT_MAX_ENTITIES:
            raise SnapshotTooLarge
    return docs


async def _planning(scope: str, kind: str, session: AsyncClientSession) -> dict[str, Any]:
    """A scope's budgets (and, for a person, goals and recurring rules), as their events show
    them; a budget's status is a read of its own (`GET /v1/budgets/{id}/status`)."""
    live = {"scope": scope, "deleted": False}
    found: dict[str, Any] = {
        "budgets": [
            budget_entity(d).model_dump(mode="json") for d in await _all(BudgetDoc, live, session)
        ]
    }
    if kind == "user":
        found["goals"] = [
            goal_entity(d).model_dump(mode="json") for d in await _all(GoalDoc, live, session)
        ]
        found["recurring"] = [
            rule_entity(d).model_dump(mode="json") for d in await _all(RecurringDoc, live, session)
        ]
    return found


async def snapshot(scope: str) -> dict[str, Any]:
    """The full current state of ``scope`` and the `seq` it corresponds to, read in one
    transaction (so the state is exactly that after event `seq`)."""
    kind, ident = split_scope(scope)
    client = EventRecord.get_pymongo_collection().database.client

    async def read(session: AsyncClientSession) -> dict[str, Any]:
        counter = await ScopeCounter.get_pymongo_collection().find_one(
            {"_id": scope}, session=session
        )
        seq = counter["seq"] if counter else 0
        if kind == "inbox":
            inbox = await inbox_state(ident, SNAPSHOT_MAX_ENTITIES + 1, session)
            if len(inbox["notifications"]) > SNAPSHOT_MAX_ENTITIES:
                raise SnapshotTooLarge
            return {"scope": scope, "seq": seq, "state": inbox}
        if kind == "user":
            user = await UserDoc.get_pymongo_collection().find_one({"_id": ident}, session=session)
            live = {"owner_id": ident, "deleted": False}
            state: dict[str, Any] = {
                "user": user_entity(UserDoc.model_validate(user)).model_dump(mode="json")
                if user
                else None,
                "expenses": [
                    expense_entity(d).model_dump(mode="json")
                    for d in await _all(ExpenseDoc, live, session)
                ],
                "categories": [
                    category_entity(d).model_dump(mode="json")
                    for d in await _all(CategoryDoc, {"owner_id": ident}, session)
                ],
                "trips": [
                    trip_entity(d).model_dump(mode="json")
                    for d in await _all(TripDoc, live, session)
                ],
                "flags": [  # open flags this person may see (as `GET /v1/flags` lists them)
                    flag_entity(d).model_dump(mode="json")
                    for d in await _all(
                        FlagDoc,
                        {"$and": [await visible_flags(ident, session), {"status": "open"}]},
                        session,
                    )
                ],
            }
        else:
            group = await GroupDoc.get_pymongo_collection().find_one(
                {"_id": ident}, session=session
            )
            doc = GroupDoc.model_validate(group)
            raw = await GroupBalanceDoc.get_pymongo_collection().find_one(
                {"_id": ident}, session=session
            )
            balances = GroupBalanceDoc.model_validate(raw) if raw else None
            entries = await _all(GroupEntryDoc, {"group_id": ident, "deleted": False}, session)
            state = {
                "group": group_entity(doc).model_dump(mode="json"),
                "expenses": [
                    entry_entity(e).model_dump(mode="json") for e in entries if e.kind == "expense"
                ],
                "settlements": [
                    entry_entity(e).model_dump(mode="json")
                    for e in entries
                    if e.kind == "settlement"
                ],
                "write_offs": [
                    entry_entity(e).model_dump(mode="json")
                    for e in entries
                    if e.kind == "write_off"
                ],
                "balances": balances_entity(doc, balances).model_dump(mode="json"),
            }
        state.update(await _planning(scope, kind, session))
        return {"scope": scope, "seq": seq, "state": state}

    return await in_transaction(client, read)
