"""Budgets kept current from expense events (personal and group) and from newly arrived rates:
each expense counted once, in every budget of its scope.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from beanie import Document

from actors.budgets.budget_lookups import scope_budgets, touch_scope
from actors.budgets.budget_tallies import put_tally, raise_alerts
from actors.budgets.definitions import rules_of
from actors.budgets.runtime import BudgetsRuntime
from actors.budgets.spend_records import convert_of, doc_of_spend, spend_of_doc
from actors.budgets.spending import (
    Spend,
    affected,
    alerts,
    apply,
    contribution,
    load_tally,
    pin,
    spend_of_expense,
    spend_of_group_expense,
)
from actors.kernel import runtime_of
from actors.work import Work
from bus.conversions import RatesChanged
from bus.envelopes import Event
from bus.subjects import EXPENSE_EVENTS
from storage.budgets import BudgetDoc, BudgetScopeDoc, BudgetTallyDoc, SpendDoc
from storage.rates import days_served


def spend_id(event: Event) -> str | None:
    """The id of the spend record an expense event updates (see ``spend_of_expense``)."""
    entity = event.data.get("entity")
    kind = event.type.partition(".")[0]
    if kind not in ("expense", "group_expense") or not isinstance(entity, dict):
        return None
    return f"{kind}:{entity.get('id')}"


def prefetch(events: Sequence[Event]) -> Mapping[type[Document], list[str]]:
    """What a batch of expense events reads by id, in one query each: the spend records they
    update and their scopes' versions (their budgets and tallies: ``BudgetsRuntime.preload``)."""
    spends = [i for e in events if (i := spend_id(e)) is not None]
    scopes = [e.scope for e in events if e.type in EXPENSE_EVENTS]
    return {SpendDoc: spends, BudgetScopeDoc: list(dict.fromkeys(scopes))}


def spend_of_event(event: Event) -> Spend | None:
    entity = event.data.get("entity")
    if not isinstance(entity, dict):
        return None
    deleted = event.type.endswith(".deleted")
    if event.type.startswith("expense."):
        return spend_of_expense(event.scope, entity, deleted)
    if event.type.startswith("group_expense."):
        return spend_of_group_expense(event.scope, entity, deleted)
    return None


async def move_spend(
    work: Work, budgets: list[BudgetDoc], before: Spend | None, after: Spend
) -> None:
    """Take ``before``'s contribution out of each budget and put ``after``'s in, raising what
    that reaches."""
    convert = convert_of(work)
    for budget in budgets:
        rules = rules_of(budget)
        old, new = contribution(rules, before, convert), contribution(rules, after, convert)
        if old == new:
            continue
        tally_doc = await work.get(BudgetTallyDoc, budget.id)
        tally = load_tally(tally_doc.periods) if tally_doc is not None else {}
        touched = [apply(tally, old, -1), apply(tally, new, 1)]
        raised = alerts(rules, tally, affected(rules, tally, touched), work.now)
        put_tally(work, budget, tally_doc, tally)
        raise_alerts(work, budget, raised)


async def apply_expense(event: Event, work: Work) -> None:
    """Apply one expense event to every budget of its scope: what its previous version applied
    is taken away and the new one added (an event not newer than what is held changes nothing,
    so redelivered and reordered events count once)."""
    spend = spend_of_event(event)
    if spend is None:
        return
    held = await work.get(SpendDoc, spend.id)
    if held is not None and held.version >= spend.version:
        return
    await touch_scope(work, event.scope)
    budgets = await scope_budgets(work, event.scope)
    spend = pin(spend, {b.currency for b in budgets}, convert_of(work))
    work.put(doc_of_spend(spend))
    await move_spend(work, budgets, spend_of_doc(held), spend)


REFILL_PER_EVENT = 500  # expenses given a rate they were waiting for, per `rates.updated`


async def refill_conversions(event: Event, work: Work) -> None:
    """New rates arrived: expenses counted as awaiting a rate in some budget's currency are
    converted now where the new days serve them, and move from awaiting to spent."""
    change = RatesChanged.model_validate(event.data["entity"])
    if not change.days:
        return
    max_age = runtime_of(work, BudgetsRuntime).reader.book.max_age_days
    query = {"awaiting": True, "date": days_served(change.days, max_age)}
    for spend_id in await work.find_ids(SpendDoc, query, REFILL_PER_EVENT, sort="date"):
        spend = spend_of_doc(await work.get(SpendDoc, spend_id))
        if spend is None:
            continue
        missing = [c for c, v in spend.conversions.items() if v is None]
        known = {c: v for c, v in spend.conversions.items() if v is not None}
        refilled = pin(replace(spend, conversions=known), missing, convert_of(work))
        if refilled.conversions == spend.conversions:
            continue
        work.put(doc_of_spend(refilled))
        await touch_scope(work, spend.scope)
        await move_spend(work, await scope_budgets(work, spend.scope), spend, refilled)
