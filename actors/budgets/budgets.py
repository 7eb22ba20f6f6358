"""Budgets: create, change and delete them, and keep their spending current from the expense
events (personal and group), raising each alert once per threshold per period."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from actors.budgets.definitions import COUNTING_FIELDS, calendar_of, rules_of
from actors.budgets.periods import Calendar, check_calendar, first_period, local_day
from actors.budgets.runtime import BudgetsRuntime
from actors.budgets.spending import (
    PLACEMENT_SLACK_DAYS,
    Alert,
    BudgetRules,
    Convert,
    Spend,
    Tally,
    affected,
    alerts,
    apply,
    contribution,
    dump_tally,
    load_tally,
    pin,
    recount,
    spend_of_expense,
    spend_of_group_expense,
)
from actors.changes import change_data, id_taken, new_entity_id, next_version, stale, stored_changes
from actors.kernel import Decision, accept, reject, runtime_of
from actors.work import Work
from bus.budgets import MAX_BUDGETS, CreateBudget, DeleteBudget, UpdateBudget
from bus.conversions import RatesChanged
from bus.envelopes import Command, Event
from bus.ids import group_scope, user_scope
from bus.money import MoneyError, check_precision
from storage.budget_reads import budget_entity, spend_rows
from storage.budgets import BudgetDoc, BudgetScopeDoc, BudgetTallyDoc, SpendDoc
from storage.rates import days_served
from storage.shared import category_of, group_roles, person

GROUP_EDITORS = ("owner", "admin")


def _convert(work: Work) -> Convert:
    return runtime_of(work, BudgetsRuntime).convert


# ---- spends: the expenses this actor has applied ------------------------------------------


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


# ---- budget lookups and access ------------------------------------------------------------


async def _pinned(work: Work, spend: Spend, currency: str, convert: Convert) -> Spend:
    """``spend`` with its value in ``currency`` fixed, and kept with its record if that is new."""
    pinned = pin(spend, [currency], convert)
    if pinned is not spend:
        record = await work.get(SpendDoc, spend.id)
        if record is not None and record.version == spend.version:
            work.put(doc_of_spend(pinned))
    return pinned


async def scope_budgets(work: Work, scope: str) -> list[BudgetDoc]:
    """The live budgets counting ``scope``'s expenses (written, or staged by this batch)."""
    key = ("scope_budgets", scope)  # the database's answer is the same all through the attempt
    ids = work.memo.get(key)
    if ids is None:
        query = {"scope": scope, "deleted": False}
        ids = work.memo[key] = await work.find_ids(BudgetDoc, query, MAX_BUDGETS * 2)
    staged = [d.id for d in work.staged_of(BudgetDoc) if d.scope == scope]
    budgets = []
    for budget_id in dict.fromkeys([*ids, *staged]):
        doc = await work.get(BudgetDoc, budget_id)
        if doc is not None and not doc.deleted and doc.scope == scope:
            budgets.append(doc)
    return budgets


async def _editable(work: Work, command: Command, budget_id: str) -> BudgetDoc | Decision:
    """The budget if the issuer may change it: their own, or their group's as an admin."""
    doc = await work.get(BudgetDoc, budget_id)
    user = command.actor.user_id
    if doc is None or doc.deleted:
        return reject("not_found", "no such budget")
    if doc.group_id is None:
        return doc if doc.owner_id == user else reject("not_found", "no such budget")
    group = await group_roles(work, doc.group_id)
    role = group.role_of(user) if group is not None else None
    if role is None:
        return reject("not_found", "no such budget")
    if role not in GROUP_EDITORS:
        return reject("forbidden", "only the group's admins change its budgets")
    return doc


async def _foreign_categories(work: Work, owner: str, ids: Iterable[str]) -> Decision | None:
    wrong = {}
    for n, category_id in enumerate(ids):
        category = await category_of(work, category_id)
        if category is None or category.owner_id != owner:
            wrong[f"category_ids.{n}"] = "not one of your categories"
    if wrong:
        return reject("not_found", "unknown categories", fields=wrong)
    return None


# ---- tallies and alerts -------------------------------------------------------------------


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


def _raise(work: Work, doc: BudgetDoc, raised: list[Alert]) -> None:
    for alert in raised:
        work.emit(doc.scope, f"budget.{alert.kind}", _alert_data(doc, alert))


def _put_tally(work: Work, doc: BudgetDoc, held: BudgetTallyDoc | None, tally: Tally) -> None:
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


async def touch_scope(work: Work, scope: str) -> None:
    """Move the scope's version (see ``BudgetScopeDoc``): whatever reads the scope's expenses
    or budgets at the same moment conflicts with this and retries."""
    held = await work.get(BudgetScopeDoc, scope)
    version = held.version + 1 if held is not None else 1
    work.put(BudgetScopeDoc(id=scope, version=version, updated_at=work.now))


async def _recount(work: Work, doc: BudgetDoc, before: BudgetDoc | None = None) -> None:
    """Count the budget afresh from every expense seen (alerts already sent stay sent for the
    periods that are still the same days), and raise what the result reaches in periods still
    running."""
    held = await work.get(BudgetTallyDoc, doc.id)
    rules = rules_of(doc)
    keep = load_tally(held.periods) if held is not None else {}
    convert = _convert(work)
    spends = [
        await _pinned(work, s, rules.currency, convert) for s in await spends_for(work, rules)
    ]
    old_calendar = calendar_of(before) if before is not None else None
    tally = recount(rules, spends, convert, keep, old_calendar)
    raised = alerts(rules, tally, list(tally), work.now)
    _put_tally(work, doc, held, tally)
    _raise(work, doc, raised)


# ---- commands -----------------------------------------------------------------------------

HISTORY_DAYS = 731  # a budget starts at most two years back (its recount and rollover are bounded)


def _too_early(work: Work, calendar: Calendar) -> Decision | None:
    earliest = local_day(work.now, calendar.timezone) - timedelta(days=HISTORY_DAYS)
    if calendar.starts_on < earliest:
        why = f"a budget starts at most two years back (on or after {earliest})"
        return reject("validation", why, starts_on=why)
    return None


async def create_budget(command: Command, p: CreateBudget, work: Work) -> Decision:
    owner = command.actor.user_id
    if owner is None:
        return reject("forbidden", "sign in first")
    if p.group_id is not None:
        group = await group_roles(work, p.group_id)
        role = group.role_of(owner) if group is not None else None
        if group is None or role is None:
            return reject("not_found", "no such group", group_id="no such group")
        if role not in GROUP_EDITORS:
            return reject("forbidden", "only the group's admins make its budgets")
        scope, timezone = group_scope(group.id), p.timezone or group.timezone
    else:
        user = await person(work, owner)
        scope, timezone = user_scope(owner), p.timezone or (user.timezone if user else "UTC")
        if (bad := await _foreign_categories(work, owner, p.category_ids)) is not None:
            return bad
    budget_id = new_entity_id("budget", command.command_id, p.id)
    existing = await work.get(BudgetDoc, budget_id)
    current = budget_entity(existing) if existing is not None else None
    if (taken := id_taken(existing, owner, current, "a budget")) is not None:
        return taken
    if len(await scope_budgets(work, scope)) >= MAX_BUDGETS:
        return reject("limit_reached", f"at most {MAX_BUDGETS} budgets each")
    starts_on = p.starts_on or local_day(work.now, timezone)
    calendar = Calendar(p.period, timezone, starts_on, p.ends_on, p.week_start)
    if (reason := check_calendar(calendar)) is not None:
        return reject("validation", reason, period=reason)
    if (late := _too_early(work, calendar)) is not None:
        return late
    if p.period != "custom":
        starts_on = first_period(calendar).start
    doc = BudgetDoc(
        id=budget_id,
        scope=scope,
        owner_id=owner,
        group_id=p.group_id,
        name=p.name,
        amount=p.amount,
        currency=p.currency,
        period=p.period,
        starts_on=starts_on.isoformat(),
        ends_on=p.ends_on.isoformat() if p.ends_on else None,
        week_start=p.week_start,
        timezone=timezone,
        category_ids=list(p.category_ids),
        categories=list(p.categories),
        rollover=p.rollover,
        thresholds=list(p.thresholds),
        version=1,
        created_at=work.now,
        updated_at=work.now,
    )
    work.put(doc)
    await touch_scope(work, scope)
    entity = budget_entity(doc)
    work.emit(scope, "budget.created", change_data(entity))
    await _recount(work, doc)
    return accept(entity)


async def update_budget(command: Command, p: UpdateBudget, work: Work) -> Decision:
    found = await _editable(work, command, p.id)
    if isinstance(found, Decision):
        return found
    doc = found
    if (conflict := stale(command, budget_entity(doc))) is not None:
        return conflict
    changes = stored_changes(p)
    if doc.group_id is not None and changes.get("category_ids"):
        message = "a shared budget counts `categories`"
        return reject("budget_kind", message, budget_entity(doc), category_ids="not here")
    if doc.group_id is None and changes.get("categories"):
        message = "a personal budget counts `category_ids`"
        return reject("budget_kind", message, budget_entity(doc), categories="not here")
    owner_ids = changes.get("category_ids", []) if doc.group_id is None else []
    if (bad := await _foreign_categories(work, doc.owner_id, owner_ids)) is not None:
        return bad
    updated = next_version(doc, work.now, **changes)
    if updated.period != "custom":
        updated = updated.model_copy(update={"ends_on": None})
    calendar = calendar_of(updated)
    if updated.period == "custom" and updated.ends_on is None:
        return reject("validation", "a custom period needs ends_on", ends_on="required")
    if (reason := check_calendar(calendar)) is not None:
        return reject("validation", reason, period=reason)
    if "starts_on" in changes and (late := _too_early(work, calendar)) is not None:
        return late
    if updated.rollover and updated.period == "custom":
        return reject("validation", "a custom range cannot roll over", rollover="not for custom")
    try:  # stored at exactly the currency's minor units, as on create ("80" -> "80.00")
        amount = check_precision(updated.amount, updated.currency)
    except MoneyError as exc:
        return reject("validation", str(exc), amount=str(exc))
    updated = updated.model_copy(update={"amount": amount})
    if updated.period != "custom":
        updated = updated.model_copy(update={"starts_on": first_period(calendar).start.isoformat()})
    work.put(updated)
    await touch_scope(work, doc.scope)
    entity = budget_entity(updated)
    work.emit(doc.scope, "budget.updated", change_data(entity, budget_entity(doc)))
    if COUNTING_FIELDS & changes.keys():
        await _recount(work, updated, doc)
    else:  # a new amount, thresholds or rollover may reach thresholds at once
        held = await work.get(BudgetTallyDoc, doc.id)
        rules = rules_of(updated)
        tally = load_tally(held.periods) if held is not None else {}
        raised = alerts(rules, tally, list(tally), work.now)
        if raised:
            _put_tally(work, updated, held, tally)
            _raise(work, updated, raised)
    return accept(entity)


async def delete_budget(command: Command, p: DeleteBudget, work: Work) -> Decision:
    found = await _editable(work, command, p.id)
    if isinstance(found, Decision):
        return found
    if (conflict := stale(command, budget_entity(found))) is not None:
        return conflict
    gone = next_version(found, work.now, deleted=True)
    work.put(gone)
    await touch_scope(work, found.scope)
    tombstone = budget_entity(gone)
    work.emit(found.scope, "budget.deleted", change_data(tombstone, budget_entity(found)))
    return accept(tombstone)


# ---- reactions: expense events ------------------------------------------------------------


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


async def _move(work: Work, budgets: list[BudgetDoc], before: Spend | None, after: Spend) -> None:
    """Take ``before``'s contribution out of each budget and put ``after``'s in, raising what
    that reaches."""
    convert = _convert(work)
    for budget in budgets:
        rules = rules_of(budget)
        old, new = contribution(rules, before, convert), contribution(rules, after, convert)
        if old == new:
            continue
        tally_doc = await work.get(BudgetTallyDoc, budget.id)
        tally = load_tally(tally_doc.periods) if tally_doc is not None else {}
        touched = [apply(tally, old, -1), apply(tally, new, 1)]
        raised = alerts(rules, tally, affected(rules, tally, touched), work.now)
        _put_tally(work, budget, tally_doc, tally)
        _raise(work, budget, raised)


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
    spend = pin(spend, {b.currency for b in budgets}, _convert(work))
    work.put(doc_of_spend(spend))
    await _move(work, budgets, spend_of_doc(held), spend)


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
        refilled = pin(replace(spend, conversions=known), missing, _convert(work))
        if refilled.conversions == spend.conversions:
            continue
        work.put(doc_of_spend(refilled))
        await touch_scope(work, spend.scope)
        await _move(work, await scope_budgets(work, spend.scope), spend, refilled)
