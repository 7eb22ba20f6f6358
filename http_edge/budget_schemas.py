"""Query strings and response pages of budgets, goals and recurring rules."""

from __future__ import annotations

from pydantic import BaseModel, Field

from bus.budgets import BudgetView
from bus.goals import GoalView
from bus.limits import Day, EntityId
from bus.recurring import RecurringRule
from http_edge.schemas import PageQuery, Strict


class BudgetListQuery(PageQuery):
    group_id: EntityId | None = Field(None, description="Only this group's budgets.")
    on: Day | None = Field(None, description="Show the status of the period containing this day.")


class StatusQuery(Strict):
    on: Day | None = Field(None, description="The period containing this day (default: today).")


class RuleListQuery(PageQuery):
    active: bool | None = Field(
        None, description="true: only rules that will still fire and are not paused."
    )


class BudgetPage(BaseModel):
    items: list[BudgetView]
    next_cursor: str | None


class GoalPage(BaseModel):
    items: list[GoalView]
    next_cursor: str | None


class RulePage(BaseModel):
    items: list[RecurringRule]
    next_cursor: str | None
