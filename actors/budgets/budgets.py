"""Budgets: create, change and delete them, and keep their spending current from the expense
events (personal and group), raising each alert once per threshold per period.

The commands are here; the reactions to expense events and rates are in
:mod:`actors.budgets.budget_reactions`.
"""

from __future__ import annotations

from datetime import timedelta

from actors.budgets.budget_lookups import (
    GROUP_EDITORS,
    editable,
    foreign_categories,
    scope_budgets,
    touch_scope,
)
from actors.budgets.budget_tallies import put_tally, raise_alerts
from actors.budgets.definitions import COUNTING_FIELDS, calendar_of, rules_of
from actors.budgets.periods import Calendar, check_calendar, first_period, local_day
from actors.budgets.spend_records import convert_of, pinned, spends_for
from actors.budgets.spending import alerts, load_tally, recount
from actors.changes import change_data, id_taken, new_entity_id, next_version, stale, stored_changes
from actors.kernel import Decision, accept, reject
from actors.work import Work
from bus.budgets import MAX_BUDGETS, CreateBudget, DeleteBudget, UpdateBudget
from bus.envelopes import Command
from bus.ids import group_scope, user_scope
from bus.money import MoneyError, check_precision
from storage.budget_reads import budget_entity
from storage.budgets import BudgetDoc, BudgetTallyDoc
from storage.shared import group_roles, person


async def _recount(work: Work, doc: BudgetDoc, before: BudgetDoc | None = None) -> None:
    """Count the budget afresh from every expense seen (alerts already sent stay sent for the
    periods that are still the same days), and raise what the result reaches in periods still
    running."""
    held = await work.get(BudgetTallyDoc, doc.id)
    rules = rules_of(doc)
    keep = load_tally(held.periods) if held is not None else {}
    convert = convert_of(work)
    spends = [await pinned(work, s, rules.currency, convert) for s in await spends_for(work, rules)]
    old_calendar = calendar_of(before) if before is not None else None
    tally = recount(rules, spends, convert, keep, old_calendar)
    raised = alerts(rules, tally, list(tally), work.now)
    put_tally(work, doc, held, tally)
    raise_alerts(work, doc, raised)


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
        if (bad := await foreign_categories(work, owner, p.category_ids)) is not None:
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
    found = await editable(work, command, p.id)
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
    if (bad := await foreign_categories(work, doc.owner_id, owner_ids)) is not None:
        return bad
    updated = next_version(doc, work.now, **changes)
    if updated.period != "custom":
        if p.ends_on is not None:  # as on create: never dropped without a word
            why = "only a custom period has an end"
            return reject("validation", why, budget_entity(doc), ends_on=why)
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
            put_tally(work, updated, held, tally)
            raise_alerts(work, updated, raised)
    return accept(entity)


async def delete_budget(command: Command, p: DeleteBudget, work: Work) -> Decision:
    found = await editable(work, command, p.id)
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
