"""What the budgets actor says of budgets and goals now: a budget's status and projection, a
goal's progress. The budget and goal routes ask it for these on every read."""

from __future__ import annotations

from datetime import date

from aiohttp import web

from bus.budgets import Views, ViewsQuery
from bus.subjects import BUDGET_VIEWS_RPC
from http_edge.queries import ask_actor


async def views(
    request: web.Request, budget_ids: list[str], goal_ids: list[str], on: date | None = None
) -> Views:
    """Status and progress from the budgets actor (failures: ``http_edge.queries``)."""
    return await ask_actor(
        request,
        BUDGET_VIEWS_RPC,
        ViewsQuery(budget_ids=budget_ids, goal_ids=goal_ids, on=on),
        Views,
        what="budget status",
    )
