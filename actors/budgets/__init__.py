"""The budgets actor: budgets kept current from expense events (pure rules in ``periods`` and
``spending``), savings goals, and recurring expenses (``recurrence``, ``scheduler``)."""

from __future__ import annotations

from actors.budgets.budgets import (
    apply_expense,
    create_budget,
    delete_budget,
    refill_conversions,
    update_budget,
)
from actors.budgets.goals import contribute, create_goal, delete_goal, update_goal, withdraw
from actors.budgets.recurring import (
    advance_rule,
    create_rule,
    delete_rule,
    pause_rule,
    resume_rule,
    update_rule,
)
from actors.budgets.runtime import BudgetsRuntime
from actors.kernel import ActorDefinition
from bus.subjects import EXPENSE_EVENTS

BUDGETS = ActorDefinition(
    name="budgets",
    reads_rates=True,
    handlers={
        "budget.create": create_budget,
        "budget.update": update_budget,
        "budget.delete": delete_budget,
        "goal.create": create_goal,
        "goal.update": update_goal,
        "goal.delete": delete_goal,
        "goal.contribute": contribute,
        "goal.withdraw": withdraw,
        "recurring.create": create_rule,
        "recurring.update": update_rule,
        "recurring.delete": delete_rule,
        "recurring.pause": pause_rule,
        "recurring.resume": resume_rule,
        "recurring.advance": advance_rule,
    },
    reactions={
        **dict.fromkeys(EXPENSE_EVENTS, apply_expense),
        "rates.updated": refill_conversions,
    },
    runtime=BudgetsRuntime,
    emits=(
        "budget.created",
        "budget.updated",
        "budget.deleted",
        "budget.threshold_crossed",
        "budget.exceeded",
        "goal.created",
        "goal.updated",
        "goal.deleted",
        "goal.contributed",
        "goal.withdrawn",
        "goal.achieved",
        "recurring.created",
        "recurring.updated",
        "recurring.deleted",
        "recurring.paused",
        "recurring.resumed",
        "recurring.advanced",
    ),
)
