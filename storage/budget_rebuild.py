"""What ``ledgerbus rebuild budgets`` reads and writes: every scope with budgets, the event log
of a scope's budgets and spending, and the rebuild's own reports (see ``deploy.rebuild``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

from storage.budgets import BudgetDoc, BudgetRebuildDoc
from storage.documents import EventRecord

BUDGET_EVENTS = r"^(budget|expense|group_expense)\."


async def budget_scopes() -> list[str]:
    """Every scope that holds a budget (live or deleted), sorted."""
    return sorted(await BudgetDoc.get_pymongo_collection().distinct("scope"))


async def clear_rebuild_reports() -> None:
    """Forget the previous rebuild's reports."""
    await BudgetRebuildDoc.get_pymongo_collection().delete_many({})


async def logged_budget_events(scope: str) -> AsyncIterator[Mapping[str, Any]]:
    """The scope's budget and expense events in the order they were committed (type, scope and
    entity only)."""
    cursor = (
        EventRecord.get_pymongo_collection()
        .find(
            {"scope": scope, "type": {"$regex": BUDGET_EVENTS}},
            {"type": 1, "scope": 1, "data.entity": 1},
        )
        .sort("seq", 1)
    )
    async for row in cursor:
        yield row
