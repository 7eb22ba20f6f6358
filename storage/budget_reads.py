"""Reads of budgets, goals and recurring rules: what the edge lists (always scoped to what the
caller may see) and what the budgets actor counts from."""

from __future__ import annotations

from datetime import date
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from bus.budgets import Budget
from bus.goals import Goal
from bus.ids import group_scope, user_scope
from bus.recurring import RecurringRule
from storage.budgets import BudgetDoc, GoalDoc, RecurringDoc, SpendDoc
from storage.group_reads import group_for, group_ids_of
from storage.queries import decode_time_cursor, encode_cursor


def budget_entity(doc: BudgetDoc) -> Budget:
    return Budget.model_validate(doc.model_dump(exclude={"scope", "revision_id"}))


def goal_entity(doc: GoalDoc) -> Goal:
    return Goal.model_validate(doc.model_dump(exclude={"scope", "revision_id"}))


def rule_entity(doc: RecurringDoc) -> RecurringRule:
    data = doc.model_dump(exclude={"scope", "revision_id", "last_occurrence", "max_count"})
    return RecurringRule.model_validate({**data, "count": doc.max_count})


async def budget_for(user_id: str, budget_id: str) -> BudgetDoc | None:
    """The budget if ``user_id`` may see it: their own, or their group's while a member."""
    doc = await BudgetDoc.get(budget_id)
    if doc is None or doc.deleted:
        return None
    if doc.group_id is None:
        return doc if doc.owner_id == user_id else None
    return doc if await group_for(user_id, doc.group_id) is not None else None


async def _page(
    model: type[BudgetDoc] | type[GoalDoc] | type[RecurringDoc],
    query: dict[str, Any],
    limit: int,
    cursor: str | None,
) -> tuple[list[Any], str | None]:
    """Oldest first (created_at, then id), one page; the cursor continues after the last."""
    if cursor:
        after, last_id = decode_time_cursor(cursor)
        query = {
            "$and": [
                query,
                {
                    "$or": [
                        {"created_at": {"$gt": after}},
                        {"created_at": after, "_id": {"$gt": last_id}},
                    ]
                },
            ]
        }
    docs = await model.find(query).sort("created_at", "_id").limit(limit + 1).to_list()
    more = len(docs) > limit
    docs = docs[:limit]
    next_cursor = (
        encode_cursor([docs[-1].created_at.isoformat(), str(docs[-1].id)]) if more else None
    )
    return docs, next_cursor


async def budgets_of(
    user_id: str, group_id: str | None, limit: int, cursor: str | None
) -> tuple[list[BudgetDoc], str | None]:
    """The caller's budgets and their groups' (or one group's, if a member)."""
    if group_id is not None:
        scopes = [group_scope(group_id)] if await group_for(user_id, group_id) else []
    else:
        scopes = [user_scope(user_id), *(group_scope(g) for g in await group_ids_of(user_id))]
    if not scopes:
        return [], None
    return await _page(BudgetDoc, {"scope": {"$in": scopes}, "deleted": False}, limit, cursor)


async def goal_for(user_id: str, goal_id: str) -> GoalDoc | None:
    doc = await GoalDoc.get(goal_id)
    return doc if doc is not None and not doc.deleted and doc.owner_id == user_id else None


async def goals_of(
    user_id: str, limit: int, cursor: str | None
) -> tuple[list[GoalDoc], str | None]:
    return await _page(GoalDoc, {"scope": user_scope(user_id), "deleted": False}, limit, cursor)


async def rule_for(user_id: str, rule_id: str) -> RecurringDoc | None:
    doc = await RecurringDoc.get(rule_id)
    return doc if doc is not None and not doc.deleted and doc.owner_id == user_id else None


async def rules_of(
    user_id: str, active: bool | None, limit: int, cursor: str | None
) -> tuple[list[RecurringDoc], str | None]:
    """The caller's rules; ``active``: only those that will still fire and are not paused
    (False: only paused or ended ones)."""
    query: dict[str, Any] = {"scope": user_scope(user_id), "deleted": False}
    if active is True:
        query.update(paused=False, next_date={"$ne": None})
    elif active is False:
        query["$or"] = [{"paused": True}, {"next_date": None}]
    return await _page(RecurringDoc, query, limit, cursor)


async def due_rules(through: date, limit: int) -> list[RecurringDoc]:
    """Rules with an occurrence due on or before ``through`` (the scheduler's work)."""
    query = {
        "deleted": False,
        "paused": False,
        "next_date": {"$ne": None, "$lte": through.isoformat()},
    }
    return await RecurringDoc.find(query).sort("next_date").limit(limit).to_list()


async def spend_rows(
    session: AsyncClientSession | None, scope: str, first: date, last: date | None
) -> list[dict[str, Any]]:
    """The budgets actor's records of a scope's expenses dated ``first`` .. ``last``
    (inclusive; None: no end), raw, read in the caller's transaction."""
    when: dict[str, Any] = {"$gte": first.isoformat()}
    if last is not None:
        when["$lte"] = last.isoformat()
    cursor = SpendDoc.get_pymongo_collection().find(
        {"scope": scope, "date": when, "counts": True}, session=session
    )
    return [row async for row in cursor]
