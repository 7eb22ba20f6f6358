"""`ledgerbus rebuild budgets`: recount every budget from the permanent event log into a
scratch collection and report where the live tallies differ.

For each scope that has budgets, the scope's events are read in `seq` order: the latest
version of each budget definition (``budget.*``) and of each expense (``expense.*`` and
``group_expense.*``) is kept, and every budget is counted afresh with the same pure rules the
budgets actor applies event by event. Results go to ``budget_rebuild`` (emptied first); the
live ``budget_tallies`` are only read. Alerts already sent are history, not recomputed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from actors.budgets.definitions import DEFINITION_FIELDS, rules_of
from actors.budgets.spending import (
    Spend,
    Tally,
    load_tally,
    recount,
    spend_of_expense,
    spend_of_group_expense,
    spending,
)
from bus.budgets import Budget
from bus.envelopes import utcnow
from bus.fx import MissingRate
from bus.ids import new_id
from bus.settings import Settings
from deploy.targets import open_database
from storage.budget_reads import budget_entity
from storage.budget_rebuild import budget_scopes, clear_rebuild_reports, logged_budget_events
from storage.budgets import BudgetDoc, BudgetRebuildDoc, BudgetTallyDoc
from storage.database import Database
from storage.rates import RatesReader

Spending = dict[str, tuple[Decimal, int, int]]


@dataclass
class ScopeLog:
    """What one scope's events say: the latest budget definitions and expense versions."""

    budgets: dict[str, dict[str, Any]] = field(default_factory=dict)
    spends: dict[str, Spend] = field(default_factory=dict)
    events: int = 0

    def fold(self, row: Mapping[str, Any]) -> None:
        self.events += 1
        kind, entity = row["type"], (row.get("data") or {}).get("entity")
        if not isinstance(entity, dict):
            return
        if kind.startswith("budget.") and "version" in entity:
            held = self.budgets.get(entity["id"])
            if held is None or held["version"] < entity["version"]:
                self.budgets[entity["id"]] = entity
            return
        deleted = kind.endswith(".deleted")
        if kind.startswith("expense."):
            spend = spend_of_expense(row["scope"], entity, deleted)
        elif kind.startswith("group_expense."):
            spend = spend_of_group_expense(row["scope"], entity, deleted)
        else:
            return
        held_spend = self.spends.get(spend.id)
        if held_spend is None or held_spend.version < spend.version:
            self.spends[spend.id] = spend


@dataclass
class Difference:
    budget_id: str
    what: str

    def __str__(self) -> str:
        return f"budget {self.budget_id}: {self.what}"


@dataclass
class Report:
    budgets: int = 0
    scopes: int = 0
    events: int = 0
    differences: list[Difference] = field(default_factory=list)


def _show(value: tuple[Decimal, int, int] | None) -> str:
    if value is None:
        return "nothing"
    spent, counted, awaiting = value
    waiting = f", {awaiting} awaiting a rate" if awaiting else ""
    return f"{format(spent, 'f')} from {counted} expense(s){waiting}"


def compare_spending(budget_id: str, live: Spending, rebuilt: Spending) -> list[Difference]:
    return [
        Difference(
            budget_id, f"period {key}: live {_show(live.get(key))}, log {_show(rebuilt.get(key))}"
        )
        for key in sorted(live.keys() | rebuilt.keys())
        if live.get(key) != rebuilt.get(key)
    ]


def compare_definition(
    budget_id: str, live: Mapping[str, Any], logged: Mapping[str, Any]
) -> list[Difference]:
    return [
        Difference(budget_id, f"{name}: live {live.get(name)!r}, log {logged.get(name)!r}")
        for name in DEFINITION_FIELDS
        if live.get(name) != logged.get(name)
    ]


async def _scope_log(scope: str) -> ScopeLog:
    log = ScopeLog()
    async for row in logged_budget_events(scope):
        log.fold(row)
    return log


async def rebuild_budgets(
    settings: Settings, out: IO[str], database: Database | None = None
) -> Report:
    """Recount, write the scratch collection, print the differences; the report. Connects
    (and closes) its own database unless one is given."""
    own = database is None
    if database is None:
        database = await open_database(settings)
    reader = RatesReader(
        settings.rates_max_age_days, settings.rates_reload_s, settings.rates_stale_after_days
    )
    try:
        await reader.refresh(force=True)

        def convert(amount: Decimal, frm: str, to: str, on: Any) -> Decimal | None:
            try:
                return reader.book.quote(frm, to, on).convert(amount)
            except MissingRate:
                return None

        run_id, report = new_id(), Report()
        await clear_rebuild_reports()
        scopes = await budget_scopes()
        for scope in scopes:
            log = await _scope_log(scope)
            report.scopes += 1
            report.events += log.events
            live_docs = {d.id: d for d in await BudgetDoc.find({"scope": scope}).to_list()}
            tallies = {t.id: t for t in await BudgetTallyDoc.find({"scope": scope}).to_list()}
            for budget_id in sorted(live_docs.keys() | log.budgets.keys()):
                report.budgets += 1
                report.differences.extend(
                    await _rebuild_one(
                        budget_id,
                        live_docs.get(budget_id),
                        log,
                        tallies.get(budget_id),
                        convert,
                        run_id,
                    )
                )
        for difference in report.differences:
            out.write(f"{difference}\n")
        out.write(
            f"{report.budgets} budget(s) in {report.scopes} scope(s) recounted from "
            f"{report.events} event(s) into budget_rebuild; "
            f"{len(report.differences)} difference(s) from the live values\n"
        )
        return report
    finally:
        if own:
            await database.close()


async def _rebuild_one(
    budget_id: str,
    live: BudgetDoc | None,
    log: ScopeLog,
    tally_doc: BudgetTallyDoc | None,
    convert: Any,
    run_id: str,
) -> list[Difference]:
    logged = log.budgets.get(budget_id)
    if logged is None:
        return [Difference(budget_id, "live, but no budget event in the log")]
    if live is None:
        return [Difference(budget_id, "in the log, but no live budget")]
    definition = Budget.model_validate(logged)
    found = compare_definition(
        budget_id, budget_entity(live).model_dump(mode="json"), definition.model_dump(mode="json")
    )
    if definition.deleted:
        return found
    doc = BudgetDoc(**definition.model_dump(mode="json"), scope=live.scope)
    rebuilt: Tally = recount(rules_of(doc), log.spends.values(), convert, {})
    await BudgetRebuildDoc(
        id=budget_id,
        run_id=run_id,
        periods={
            key: {"spent": format(s, "f"), "counted": c, "awaiting": a}
            for key, (s, c, a) in spending(rebuilt).items()
        },
        made_at=utcnow(),
    ).insert()
    held = load_tally(tally_doc.periods) if tally_doc is not None else {}
    return [*found, *compare_spending(budget_id, spending(held), spending(rebuilt))]
