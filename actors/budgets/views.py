"""``rpc.budgets.views``: budgets with their status and goals with their progress, computed
by the budgets actor's rules from what it holds (the asker has checked access)."""

from __future__ import annotations

from datetime import timedelta

from actors.budgets.definitions import rules_of
from actors.budgets.goals import progress
from actors.budgets.periods import local_day
from actors.budgets.spending import load_tally, period_for_status, status
from bus.budgets import BudgetView, Views, ViewsQuery
from bus.envelopes import utcnow
from bus.goals import GoalView
from bus.rpc import QueryFailed
from storage.budget_reads import budget_entity, goal_entity
from storage.budgets import BudgetDoc, BudgetTallyDoc, GoalDoc

FUTURE_DAYS = 400  # a status may be asked of a period up to about a year ahead


async def answer_views(data: bytes) -> Views:
    query = ViewsQuery.model_validate_json(data)
    now = utcnow()
    if query.on is not None and query.on > now.date() + timedelta(days=FUTURE_DAYS):
        raise QueryFailed("validation", f"`on` may be at most {FUTURE_DAYS} days ahead")
    budgets = await BudgetDoc.find({"_id": {"$in": query.budget_ids}, "deleted": False}).to_list()
    tallies = {
        t.id: t for t in await BudgetTallyDoc.find({"_id": {"$in": query.budget_ids}}).to_list()
    }
    goals = await GoalDoc.find({"_id": {"$in": query.goal_ids}, "deleted": False}).to_list()
    by_id = {b.id: b for b in budgets}
    budget_views = []
    for budget_id in query.budget_ids:
        doc = by_id.get(budget_id)
        if doc is None:
            continue
        rules = rules_of(doc)
        held = tallies.get(doc.id)
        tally = load_tally(held.periods) if held is not None else {}
        period = period_for_status(rules, now, query.on)
        budget_views.append(
            BudgetView(
                **budget_entity(doc).model_dump(), status=status(doc.id, rules, tally, period, now)
            )
        )
    goal_by_id = {g.id: g for g in goals}
    goal_views = [
        GoalView(
            **goal_entity(goal).model_dump(),
            progress=progress(goal, local_day(now, goal.timezone), now),
        )
        for goal_id in query.goal_ids
        if (goal := goal_by_id.get(goal_id)) is not None
    ]
    return Views(budgets=budget_views, goals=goal_views)
