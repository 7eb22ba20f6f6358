"""The expenses the budgets actor has applied, as it keeps them (one record per expense, with
its value in each budget currency it was counted in), and the rates they are converted by.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from actors.budgets.periods import first_period
from actors.budgets.runtime import BudgetsRuntime
from actors.budgets.spending import PLACEMENT_SLACK_DAYS, BudgetRules, Convert, Spend, pin
from actors.kernel import runtime_of
from actors.work import Work
from storage.budget_reads import spend_rows
from storage.budgets import SpendDoc


def convert_of(work: Work) -> Convert:
    return runtime_of(work, BudgetsRuntime).convert


def spend_of_doc(doc: SpendDoc | None) -> Spend | None:
    if doc is None:
        return None
    return Spend(
        id=doc.id,
        scope=doc.scope,
        version=doc.version,
        counts=doc.counts,
        day=date.fromisoformat(doc.date),
        occurred_at=datetime.fromisoformat(doc.occurred_at) if doc.occurred_at else None,
        category=doc.category,
        amount=doc.amount,
        currency=doc.currency,
        value=doc.value,
        value_currency=doc.value_currency,
        conversions={c: Decimal(v) if v is not None else None for c, v in doc.conversions.items()},
    )


def doc_of_spend(spend: Spend) -> SpendDoc:
    return SpendDoc(
        id=spend.id,
        scope=spend.scope,
        version=spend.version,
        counts=spend.counts,
        date=spend.day.isoformat(),
        occurred_at=spend.occurred_at.isoformat() if spend.occurred_at else None,
        category=spend.category,
        amount=spend.amount,
        currency=spend.currency,
        value=spend.value,
        value_currency=spend.value_currency,
        conversions={
            c: format(v, "f") if v is not None else None for c, v in spend.conversions.items()
        },
        awaiting=any(v is None for v in spend.conversions.values()),
    )


def _spend_of_row(row: dict[str, Any]) -> Spend:
    doc = SpendDoc.model_validate(row)
    spend = spend_of_doc(doc)
    assert spend is not None
    return spend


async def spends_for(work: Work, rules: BudgetRules) -> list[Spend]:
    """Every expense of the budget's scope that may fall in its periods: as written, and as
    staged by this batch (a day either side: a moment may fall on another local day)."""
    calendar = rules.calendar
    slack = timedelta(days=PLACEMENT_SLACK_DAYS)
    first = first_period(calendar).start - slack
    last = calendar.ends_on + slack if calendar.ends_on else None
    rows = await spend_rows(work.session, rules.scope, first, last)
    found = {row["_id"]: _spend_of_row(row) for row in rows}
    for doc in work.staged_of(SpendDoc):
        if doc.scope == rules.scope:
            spend = spend_of_doc(doc)
            assert spend is not None
            found[doc.id] = spend
    return list(found.values())


async def pinned(work: Work, spend: Spend, currency: str, convert: Convert) -> Spend:
    """``spend`` with its value in ``currency`` fixed, and kept with its record if that is new."""
    pinned = pin(spend, [currency], convert)
    if pinned is not spend:
        record = await work.get(SpendDoc, spend.id)
        if record is not None and record.version == spend.version:
            work.put(doc_of_spend(pinned))
    return pinned
