"""The budgets actor: budgets kept current from expense events (pure rules in ``periods`` and
``spending``), savings goals, and recurring expenses (``recurrence``, ``scheduler``)."""

from __future__ import annotations

from actors.budgets.budget_reactions import apply_expense, prefetch, refill_conversions
from actors.budgets.budgets import create_budget, delete_budget, update_budget
from actors.budgets.erasure import erase_person
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
from actors.erasure import USER_DELETED
from actors.handling import handlers, on
from actors.kernel import ActorDefinition
from actors.reads import caller, own, shared
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
from storage.budgets import BudgetDoc, BudgetTallyDoc, GoalDoc, RecurringDoc

_BUDGET = (own(BudgetDoc, "budget"), own(BudgetTallyDoc, "budget"))
"""A budget and its tally (kept under the budget's id)."""
_GOAL = (own(GoalDoc, "goal"),)
_RULE = (own(RecurringDoc, "recurring"),)
_TEMPLATE = (
    shared("categories", "template.category_id"),
    shared("trips", "template.trip_id"),
)
"""What a recurring rule's expense will name, checked to be the owner's."""

BUDGETS = ActorDefinition(
    name="budgets",
    reads_rates=True,
    handlers=handlers(
        on(
            CreateBudget,
            create_budget,
            reads=(
                *_BUDGET,
                shared("groups", "group_id"),
                shared("categories", "category_ids"),
                caller(),
            ),
        ),
        on(UpdateBudget, update_budget, reads=(*_BUDGET, shared("categories", "category_ids"))),
        on(DeleteBudget, delete_budget, reads=_BUDGET[:1]),
        on(CreateGoal, create_goal, reads=(*_GOAL, caller())),
        on(UpdateGoal, update_goal, reads=_GOAL),
        on(DeleteGoal, delete_goal, reads=_GOAL),
        on(ContributeToGoal, contribute, reads=_GOAL),
        on(WithdrawFromGoal, withdraw, reads=_GOAL),
        on(CreateRecurring, create_rule, reads=(*_RULE, *_TEMPLATE, caller())),
        on(UpdateRecurring, update_rule, reads=(*_RULE, *_TEMPLATE)),
        on(DeleteRecurring, delete_rule, reads=_RULE),
        on(PauseRecurring, pause_rule, reads=_RULE),
        on(ResumeRecurring, resume_rule, reads=_RULE),
        on(AdvanceRecurring, advance_rule, reads=_RULE),
    ),
    reactions={
        **dict.fromkeys(EXPENSE_EVENTS, apply_expense),
        "rates.updated": refill_conversions,
        USER_DELETED: erase_person,
    },
    prefetch_events=prefetch,
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
