"""Recurring expense rules: made, changed, paused, resumed, deleted, and moved on by the
scheduler after each occurrence (see ``actors.budgets.scheduler``)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from actors.budgets.periods import local_day
from actors.budgets.recurrence import Schedule, check_schedule, next_occurrence
from actors.changes import change_data, id_taken, new_entity_id, next_version, stale
from actors.kernel import Decision, accept, reject
from actors.work import Work
from bus.envelopes import Command
from bus.ids import derived_id, user_scope
from bus.recurring import (
    MAX_RULES,
    AdvanceRecurring,
    CreateRecurring,
    DeleteRecurring,
    ExpenseTemplate,
    PauseRecurring,
    ResumeRecurring,
    UpdateRecurring,
)
from storage.budget_reads import rule_entity
from storage.budgets import RecurringDoc
from storage.shared import category_of, person, trip_of

FIELD_NAMES = {"start": "start_date", "end": "end_date"}  # the schedule's names as the API's
BACKFILL_DAYS = 366  # how far back a new rule may start (its past occurrences are made at once)


def schedule_of(doc: RecurringDoc) -> Schedule:
    return Schedule(
        every=doc.every,
        unit=doc.unit,  # type: ignore[arg-type]
        start=date.fromisoformat(doc.start_date),
        day_of_month=doc.day_of_month,
        end=date.fromisoformat(doc.end_date) if doc.end_date else None,
        count=doc.max_count,
        month_end=doc.month_end,  # type: ignore[arg-type]
    )


def occurrence_ids(rule_id: str, occurrence: date) -> tuple[str, str]:
    """(command id, expense id) of one occurrence: derived from the rule and the date, so
    however often and by however many schedulers it is sent, one expense exists."""
    day = occurrence.isoformat()
    return derived_id("recurring-occurrence", rule_id, day), derived_id(
        "recurring-expense", rule_id, day
    )


def expense_payload(doc: RecurringDoc, occurrence: date) -> dict[str, Any]:
    """The expense.create payload of one occurrence."""
    _, expense_id = occurrence_ids(doc.id, occurrence)
    return {**doc.template, "id": expense_id, "date": occurrence.isoformat()}


async def _refs(work: Work, owner: str, template: ExpenseTemplate) -> Decision | None:
    """Categories and trips must be the owner's (checked again by the expenses actor)."""
    if template.category_id is not None:
        category = await category_of(work, template.category_id)
        if category is None or category.owner_id != owner or not category.live:
            return reject(
                "not_found",
                "unknown category",
                fields={"template.category_id": "no such category"},
            )
    if template.trip_id is not None:
        trip = await trip_of(work, template.trip_id)
        if trip is None or trip.owner_id != owner or not trip.live:
            return reject("not_found", "unknown trip", fields={"template.trip_id": "no such trip"})
    return None


def _template(template: ExpenseTemplate) -> dict[str, Any]:
    return template.model_dump(mode="json", exclude_none=True)


async def create_rule(command: Command, p: CreateRecurring, work: Work) -> Decision:
    owner = command.actor.user_id
    if owner is None:
        return reject("forbidden", "sign in first")
    schedule = Schedule(
        p.every, p.unit, p.start_date, p.day_of_month, p.end_date, p.count, p.month_end
    )
    if errors := check_schedule(schedule):
        named = {FIELD_NAMES.get(name, name): why for name, why in errors.items()}
        return reject("validation", "this rule would not work", fields=named)
    earliest = local_day(work.now, p.timezone or "UTC") - timedelta(days=BACKFILL_DAYS)
    if p.start_date < earliest:
        why = f"a rule starts at most a year back (on or after {earliest})"
        return reject("validation", why, start_date=why)
    if (bad := await _refs(work, owner, p.template)) is not None:
        return bad
    rule_id = new_entity_id("recurring", command.command_id, p.id)
    existing = await work.get(RecurringDoc, rule_id)
    current = rule_entity(existing) if existing is not None else None
    if (taken := id_taken(existing, owner, current, "a recurring rule")) is not None:
        return taken
    scope = user_scope(owner)
    if (
        len(await work.find_ids(RecurringDoc, {"scope": scope, "deleted": False}, MAX_RULES))
        >= MAX_RULES
    ):
        return reject("limit_reached", f"at most {MAX_RULES} recurring rules each")
    first = next_occurrence(schedule, None)
    if first is None:
        return reject(
            "validation", "this rule would never create an expense", start_date="never fires"
        )
    user = await person(work, owner)
    doc = RecurringDoc(
        id=rule_id,
        scope=scope,
        owner_id=owner,
        template=_template(p.template),
        every=p.every,
        unit=p.unit,
        day_of_month=p.day_of_month,
        month_end=p.month_end,
        start_date=p.start_date.isoformat(),
        end_date=p.end_date.isoformat() if p.end_date else None,
        max_count=p.count,
        timezone=p.timezone or (user.timezone if user is not None else "UTC"),
        next_date=first.isoformat(),
        version=1,
        created_at=work.now,
        updated_at=work.now,
    )
    work.put(doc)
    entity = rule_entity(doc)
    work.emit(scope, "recurring.created", change_data(entity))
    return accept(entity)


async def _own(work: Work, command: Command, rule_id: str) -> RecurringDoc | Decision:
    doc = await work.get(RecurringDoc, rule_id)
    if doc is None or doc.deleted or doc.owner_id != command.actor.user_id:
        return reject("not_found", "no such recurring rule")
    if (conflict := stale(command, rule_entity(doc))) is not None:
        return conflict
    return doc


def _after(doc: RecurringDoc) -> date | None:
    return date.fromisoformat(doc.last_occurrence) if doc.last_occurrence else None


def _save(work: Work, before: RecurringDoc, after: RecurringDoc, event: str) -> Decision:
    work.put(after)
    entity = rule_entity(after)
    work.emit(before.scope, event, change_data(entity, rule_entity(before)))
    return accept(entity)


async def update_rule(command: Command, p: UpdateRecurring, work: Work) -> Decision:
    found = await _own(work, command, p.id)
    if isinstance(found, Decision):
        return found
    changes: dict[str, Any] = {}
    if "template" in p.model_fields_set and p.template is not None:
        if (bad := await _refs(work, found.owner_id, p.template)) is not None:
            return bad
        changes["template"] = _template(p.template)
    if "end_date" in p.model_fields_set:
        if p.end_date is not None and p.end_date < date.fromisoformat(found.start_date):
            return reject("validation", "end_date is before start_date", end_date="before start")
        changes["end_date"] = p.end_date.isoformat() if p.end_date else None
    if "count" in p.model_fields_set:
        changes["max_count"] = p.count
    updated = next_version(found, work.now, **changes)
    schedule = schedule_of(updated)
    # The next date from where the rule stands (never back over dates a pause skipped); an
    # ended rule goes on after its last occurrence if its new end or count allows.
    since = _after(updated)
    if found.next_date is not None:
        waiting = date.fromisoformat(found.next_date) - timedelta(days=1)
        since = max(since, waiting) if since is not None else waiting
    following = next_occurrence(schedule, since)
    updated = updated.model_copy(update={"next_date": following.isoformat() if following else None})
    return _save(work, found, updated, "recurring.updated")


def _yesterday(work: Work, doc: RecurringDoc) -> date:
    return local_day(work.now, doc.timezone) - timedelta(days=1)


async def pause_rule(command: Command, p: PauseRecurring, work: Work) -> Decision:
    found = await _own(work, command, p.id)
    if isinstance(found, Decision):
        return found
    if found.paused:
        return accept(rule_entity(found))
    return _save(work, found, next_version(found, work.now, paused=True), "recurring.paused")


async def resume_rule(command: Command, p: ResumeRecurring, work: Work) -> Decision:
    """Occurrences that fell while it was paused are skipped: it goes on from today."""
    found = await _own(work, command, p.id)
    if isinstance(found, Decision):
        return found
    if not found.paused:
        return accept(rule_entity(found))
    since = max(_after(found) or date.min, _yesterday(work, found))
    following = next_occurrence(schedule_of(found), since)
    resumed = next_version(
        found, work.now, paused=False, next_date=following.isoformat() if following else None
    )
    return _save(work, found, resumed, "recurring.resumed")


async def delete_rule(command: Command, p: DeleteRecurring, work: Work) -> Decision:
    found = await _own(work, command, p.id)
    if isinstance(found, Decision):
        return found
    return _save(work, found, next_version(found, work.now, deleted=True), "recurring.deleted")


async def advance_rule(command: Command, p: AdvanceRecurring, work: Work) -> Decision:
    """The scheduler made the occurrence due on ``p.occurrence``: the rule moves on to its next
    date. Only the occurrence it is waiting for moves it (a second scheduler's, or a late
    retry, changes nothing)."""
    doc = await work.get(RecurringDoc, p.id)
    if doc is None or doc.owner_id != command.actor.user_id:
        return reject("not_found", "no such recurring rule")
    if doc.deleted or doc.next_date != p.occurrence.isoformat():
        return accept(rule_entity(doc))
    following = next_occurrence(schedule_of(doc), p.occurrence)
    error = None if p.result != "rejected" else f"{p.occurrence}: {p.reason or 'refused'}"
    advanced = next_version(
        doc,
        work.now,
        made=doc.made + (1 if p.result != "rejected" else 0),
        last_occurrence=p.occurrence.isoformat(),
        next_date=following.isoformat() if following else None,
        last_error=error if error is not None else doc.last_error,
    )
    return _save(work, doc, advanced, "recurring.advanced")
