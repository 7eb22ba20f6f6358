"""A deleted account's budgets, goals and recurring rules erased (``user.deleted``).

What counts the person's own spending goes (budgets, tallies, spend records, goals); their
recurring rules stop, a group's ones included, since a rule they made would go on paying bills
in their name. A group's budget they made stays: it counts the group's spending, not theirs.
"""

from __future__ import annotations

from actors.erasure import deleted_person
from actors.work import Work
from bus.envelopes import Event
from bus.ids import user_scope
from storage.budgets import (
    BudgetDoc,
    BudgetScopeDoc,
    BudgetTallyDoc,
    GoalDoc,
    RecurringDoc,
    SpendDoc,
)


async def erase_person(event: Event, work: Work) -> None:
    if (user_id := deleted_person(event)) is None:
        return
    scope = user_scope(user_id)
    for model in (BudgetDoc, BudgetTallyDoc, SpendDoc, GoalDoc):
        work.erase(model, {"scope": scope})
    work.erase(BudgetScopeDoc, {"_id": scope})
    work.erase(RecurringDoc, {"$or": [{"scope": scope}, {"owner_id": user_id}]})
