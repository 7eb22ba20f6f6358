"""A budget's tally (what it has counted per period) written back, and the alerts a count
reaches raised once per threshold per period.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from actors.budgets.spending import Alert, Tally, dump_tally
from actors.work import Work
from storage.budgets import BudgetDoc, BudgetTallyDoc


def _alert_data(doc: BudgetDoc, alert: Alert) -> dict[str, Any]:
    return {
        "entity": {
            "budget_id": doc.id,
            "name": doc.name,
            "group_id": doc.group_id,
            "period_start": alert.period.start.isoformat(),
            "period_end": (alert.period.end - timedelta(days=1)).isoformat(),
            "threshold": alert.threshold,
            "spent": format(alert.spent, "f"),
            "available": format(alert.available, "f"),
            "percent_used": format(alert.percent_used, "f"),
            "currency": doc.currency,
        },
        "version": None,
    }


def raise_alerts(work: Work, doc: BudgetDoc, raised: list[Alert]) -> None:
    for alert in raised:
        work.emit(doc.scope, f"budget.{alert.kind}", _alert_data(doc, alert))


def put_tally(work: Work, doc: BudgetDoc, held: BudgetTallyDoc | None, tally: Tally) -> None:
    version = held.version + 1 if held is not None else 1
    work.put(
        BudgetTallyDoc(
            id=doc.id,
            scope=doc.scope,
            periods=dump_tally(tally),
            version=version,
            updated_at=work.now,
        )
    )
