"""A stored budget as the spending rules see it."""

from __future__ import annotations

from datetime import date

from actors.budgets.periods import Calendar
from actors.budgets.spending import BudgetRules
from storage.budgets import BudgetDoc

COUNTING_FIELDS = frozenset(
    {
        "currency",
        "period",
        "starts_on",
        "ends_on",
        "week_start",
        "timezone",
        "category_ids",
        "categories",
    }
)
"""A budget's fields that decide which expenses count where: changing one recounts it."""

DEFINITION_FIELDS = (*sorted(COUNTING_FIELDS), "amount", "rollover", "thresholds", "deleted")
"""Everything of a budget's definition that its spending and alerts depend on."""


def calendar_of(doc: BudgetDoc) -> Calendar:
    return Calendar(
        kind=doc.period,  # type: ignore[arg-type]
        timezone=doc.timezone,
        starts_on=date.fromisoformat(doc.starts_on),
        ends_on=date.fromisoformat(doc.ends_on) if doc.ends_on else None,
        week_start=doc.week_start,
    )


def rules_of(doc: BudgetDoc) -> BudgetRules:
    return BudgetRules(
        scope=doc.scope,
        amount=doc.amount,
        currency=doc.currency,
        calendar=calendar_of(doc),
        category_ids=frozenset(doc.category_ids),
        categories=frozenset(doc.categories),
        rollover=doc.rollover,
        thresholds=tuple(doc.thresholds),
    )
