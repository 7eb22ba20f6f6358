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
from actors.handling import handlers, on
from actors.kernel import ActorDefinition
from bus.budgets import CreateBudget, DeleteBudget, UpdateBudget
from bus.goals import ContributeToGoal, CreateGoal, DeleteGoal, UpdateGoal, WithdrawFromGoal
from bus.recurring import (
    AdvanceRecurring,
    CreateRecurring,
    DeleteRecurring,
    PauseRecurring,
    ResumeRecurring,
    UpdateRecurring,
)
from bus.subjects import EXPENSE_EVENTS

BUDGETS = ActorDefinition(
    name="budgets",
    reads_rates=True,
    handlers=handlers(
        on(CreateBudget, create_budget),
        on(UpdateBudget, update_budget),
        on(DeleteBudget, delete_budget),
        on(CreateGoal, create_goal),
        on(UpdateGoal, update_goal),
        on(DeleteGoal, delete_goal),
        on(ContributeToGoal, contribute),
        on(WithdrawFromGoal, withdraw),
        on(CreateRecurring, create_rule),
        on(UpdateRecurring, update_rule),
        on(DeleteRecurring, delete_rule),
        on(PauseRecurring, pause_rule),
        on(ResumeRecurring, resume_rule),
        on(AdvanceRecurring, advance_rule),
    ),
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
