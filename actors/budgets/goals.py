"""Savings goals: a target, money put in and taken out, and `goal.achieved` once."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from actors.changes import change_data, id_taken, new_entity_id, next_version, stale, stored_changes
from actors.kernel import Decision, accept, reject
from actors.work import Work
from bus.envelopes import Command
from bus.goals import (
    MAX_GOALS,
    ContributeToGoal,
    CreateGoal,
    DeleteGoal,
    GoalMovement,
    GoalProgress,
    UpdateGoal,
    WithdrawFromGoal,
)
from bus.ids import user_scope
from bus.money import MoneyError, check_precision, round_to_currency
from storage.budget_reads import goal_entity
from storage.budgets import GoalDoc
from storage.shared import person

_PERCENT = Decimal("0.1")
DAYS_PER_MONTH = Decimal("30.436875")  # 365.2425 / 12


def progress(doc: GoalDoc, today: date, now: datetime) -> GoalProgress:
    """How far a goal is, and what it needs per week and per month to be reached on its date
    (the rest spread evenly over the days left, today included)."""
    remaining = round_to_currency(max(Decimal(0), doc.target_amount - doc.saved), doc.currency)
    share = (doc.saved * 100 / doc.target_amount).quantize(_PERCENT)
    achieved = doc.achieved_at is not None or remaining == 0
    days_left: int | None = None
    per_week = per_month = None
    overdue = False
    if doc.target_date is not None:
        target = date.fromisoformat(doc.target_date)
        days_left = max(0, (target - today).days + 1)
        overdue = days_left == 0 and remaining > 0
        if remaining > 0 and days_left > 0:
            daily = remaining / days_left
            per_week = round_to_currency(min(remaining, daily * 7), doc.currency)
            per_month = round_to_currency(min(remaining, daily * DAYS_PER_MONTH), doc.currency)
    return GoalProgress(
        goal_id=doc.id,
        saved=doc.saved,
        remaining=remaining,
        percent=share,
        achieved=achieved,
        days_left=days_left,
        needed_per_week=per_week,
        needed_per_month=per_month,
        overdue=overdue,
        as_of=now,
    )


async def _own(work: Work, command: Command, goal_id: str) -> GoalDoc | None:
    doc = await work.get(GoalDoc, goal_id)
    if doc is None or doc.deleted or doc.owner_id != command.actor.user_id:
        return None
    return doc


def _achieved(work: Work, doc: GoalDoc) -> GoalDoc | None:
    """The goal marked reached, the first time its savings meet the target (never again)."""
    if doc.achieved_at is None and doc.saved >= doc.target_amount:
        reached: GoalDoc = doc.model_copy(update={"achieved_at": work.now})
        return reached
    return None


def _save(work: Work, before: GoalDoc, after: GoalDoc, event: str, **extra: object) -> Decision:
    """Stage the goal's new state and its event, then `goal.achieved` if this reached it."""
    reached = _achieved(work, after)
    final = reached or after
    work.put(final)
    entity = goal_entity(final)
    work.emit(before.scope, event, {**change_data(entity, goal_entity(before)), **extra})
    if reached is not None:
        work.emit(before.scope, "goal.achieved", change_data(entity))
    return accept(entity)


async def create_goal(command: Command, p: CreateGoal, work: Work) -> Decision:
    owner = command.actor.user_id
    if owner is None:
        return reject("forbidden", "sign in first")
    goal_id = new_entity_id("goal", command.command_id, p.id)
    existing = await work.get(GoalDoc, goal_id)
    current = goal_entity(existing) if existing is not None else None
    if (taken := id_taken(existing, owner, current, "a goal")) is not None:
        return taken
    scope = user_scope(owner)
    held = await work.find_ids(GoalDoc, {"scope": scope, "deleted": False}, MAX_GOALS)
    if len(held) >= MAX_GOALS:
        return reject("limit_reached", f"at most {MAX_GOALS} goals each")
    user = await person(work, owner)
    doc = GoalDoc(
        id=goal_id,
        scope=scope,
        owner_id=owner,
        name=p.name,
        target_amount=p.target_amount,
        currency=p.currency,
        target_date=p.target_date.isoformat() if p.target_date else None,
        timezone=p.timezone or (user.timezone if user is not None else "UTC"),
        saved=Decimal(0).quantize(p.target_amount),
        version=1,
        created_at=work.now,
        updated_at=work.now,
    )
    work.put(doc)
    entity = goal_entity(doc)
    work.emit(scope, "goal.created", change_data(entity))
    return accept(entity)


async def update_goal(command: Command, p: UpdateGoal, work: Work) -> Decision:
    doc = await _own(work, command, p.id)
    if doc is None:
        return reject("not_found", "no such goal")
    if (conflict := stale(command, goal_entity(doc))) is not None:
        return conflict
    changes = stored_changes(p)
    if "target_amount" in changes:
        try:
            changes["target_amount"] = check_precision(changes["target_amount"], doc.currency)
        except MoneyError as exc:
            return reject("validation", str(exc), target_amount=str(exc))
    return _save(work, doc, next_version(doc, work.now, **changes), "goal.updated")


async def delete_goal(command: Command, p: DeleteGoal, work: Work) -> Decision:
    doc = await _own(work, command, p.id)
    if doc is None:
        return reject("not_found", "no such goal")
    if (conflict := stale(command, goal_entity(doc))) is not None:
        return conflict
    gone = next_version(doc, work.now, deleted=True)
    work.put(gone)
    work.emit(doc.scope, "goal.deleted", change_data(goal_entity(gone), goal_entity(doc)))
    return accept(goal_entity(gone))


async def _move(command: Command, p: GoalMovement, work: Work, sign: int) -> Decision:
    doc = await _own(work, command, p.id)
    if doc is None:
        return reject("not_found", "no such goal")
    if (conflict := stale(command, goal_entity(doc))) is not None:
        return conflict
    try:
        amount = check_precision(p.amount, doc.currency)
    except MoneyError as exc:
        return reject("validation", str(exc), amount=str(exc))
    saved = doc.saved + sign * amount
    if saved < 0:
        return reject(
            "insufficient_savings",
            f"only {doc.saved} {doc.currency} is saved",
            amount=f"at most {doc.saved}",
        )
    if saved >= Decimal("1e12"):
        return reject("validation", "too much for one goal", amount="too large")
    movement = {"amount": format(amount, "f"), "currency": doc.currency, "note": p.note}
    verb = "contributed" if sign > 0 else "withdrawn"
    updated = next_version(doc, work.now, saved=saved)
    return _save(work, doc, updated, f"goal.{verb}", movement=movement)


async def contribute(command: Command, p: ContributeToGoal, work: Work) -> Decision:
    return await _move(command, p, work, 1)


async def withdraw(command: Command, p: WithdrawFromGoal, work: Work) -> Decision:
    return await _move(command, p, work, -1)
