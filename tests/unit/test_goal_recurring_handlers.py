"""The budgets actor's savings goals (made, changed, paid into, drawn from, deleted, reached
once) and recurring rules (made and changed), decided on the in-memory unit of work with every
refusal's code and message. Pausing, resuming, deleting and the scheduler's advance are in
``test_unit_recurring_lifecycle``. No server is started."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from actors.budgets.goals import contribute, create_goal, delete_goal, update_goal, withdraw
from actors.budgets.recurring import create_rule, update_rule
from actors.kernel import Decision
from bus.goals import ContributeToGoal, CreateGoal, DeleteGoal, UpdateGoal, WithdrawFromGoal
from bus.ids import derived_id, user_scope
from bus.recurring import CreateRecurring, UpdateRecurring
from storage.accounts import UserDoc
from storage.budgets import GoalDoc, RecurringDoc
from tests.support import budget_docs as docs
from tests.support.fake_work import NOW, MemoryWork, command, decide


def _errors(decision: Decision) -> dict[str, str]:
    return {".".join(str(p) for p in e.loc): e.msg for e in decision.errors}


async def _move(
    work: MemoryWork, who: UserDoc, goal: GoalDoc, amount: str, version: int | None = None
) -> Decision:
    """Contribute (a positive ``amount``) or withdraw (written with a leading minus)."""
    fields = {"id": goal.id, "amount": amount.lstrip("-"), "note": "pay day"}
    if amount.startswith("-"):
        sent = command("goal.withdraw", who.id, expected_version=version)
        return await decide(withdraw, sent, WithdrawFromGoal(**fields), work)
    sent = command("goal.contribute", who.id, expected_version=version)
    return await decide(contribute, sent, ContributeToGoal(**fields), work)


# ---- goals --------------------------------------------------------------------------------


async def test_a_goal_is_made_in_its_owners_timezone_with_nothing_saved(documents: None) -> None:
    ada = docs.user("ada")
    work = MemoryWork(ada)
    payload = CreateGoal(
        name="Bike", target_amount="1000", currency="EUR", target_date="2027-06-01"
    )
    sent = command("goal.create", ada.id)
    made = await decide(create_goal, sent, payload, work)
    assert made.accepted
    assert made.entity is not None
    assert {k: made.entity[k] for k in ("id", "saved", "target_amount", "timezone")} == {
        "id": derived_id("goal", sent.command_id),
        "saved": "0.00",
        "target_amount": "1000.00",
        "timezone": "Europe/Berlin",
    }
    assert [(e.scope, e.type, e.data["entity"]) for e in work.committed] == [
        (user_scope(ada.id), "goal.created", made.entity)
    ]
    signed_out = await decide(create_goal, command("goal.create", None), payload, work)
    assert (signed_out.code, signed_out.message) == ("forbidden", "sign in first")


async def test_a_goal_id_and_the_hundred_goal_limit_are_kept(documents: None) -> None:
    ada, bob = docs.user("ada"), docs.user("bob")
    held = [docs.goal(ada) for _ in range(99)]
    gone = docs.goal(ada, deleted=True)
    work = MemoryWork(ada, bob, *held, gone)

    async def make(who: UserDoc, **fields: Any) -> Decision:
        payload = CreateGoal(name="Trip", target_amount="10", currency="EUR", **fields)
        return await decide(create_goal, command("goal.create", who.id), payload, work)

    own = await make(ada, id=held[0].id)
    assert (own.code, own.message, own.version) == ("conflict", "a goal with this id exists", 1)
    taken = await make(bob, id=held[0].id)
    assert (taken.code, taken.message, _errors(taken)) == (
        "validation",
        "this id is already taken",
        {"id": "choose another UUID"},
    )
    assert (await make(ada)).accepted  # the deleted goal does not count
    work = work.next()
    full = await make(ada)
    assert (full.code, full.message) == ("limit_reached", "at most 100 goals each")


async def test_a_goal_is_changed_and_deleted_only_by_its_owner_at_its_version(
    documents: None,
) -> None:
    ada, bob = docs.user("ada"), docs.user("bob")
    bike, gone = docs.goal(ada), docs.goal(ada, deleted=True)
    work = MemoryWork(ada, bob, bike, gone)
    for who, goal_id in ((bob, bike.id), (ada, gone.id), (ada, docs.new_id())):
        sent = command("goal.update", who.id)
        missing = await decide(update_goal, sent, UpdateGoal(id=goal_id, name="X"), work)
        assert (missing.code, missing.message) == ("not_found", "no such goal")
        sent = command("goal.delete", who.id)
        assert (await decide(delete_goal, sent, DeleteGoal(id=goal_id), work)).code == "not_found"
    stale = command("goal.update", ada.id, expected_version=4)
    conflict = await decide(update_goal, stale, UpdateGoal(id=bike.id, name="X"), work)
    assert (conflict.code, conflict.message, conflict.version) == (
        "conflict",
        "version 4 is stale (now 1)",
        1,
    )
    cents = command("goal.update", ada.id)
    refused = await decide(update_goal, cents, UpdateGoal(id=bike.id, target_amount="10.555"), work)
    assert (refused.code, refused.message) == ("validation", "EUR has 2 decimal places; got 10.555")
    assert set(_errors(refused)) == {"target_amount"}
    assert work.committed == []
    sent = command("goal.delete", ada.id, expected_version=1)
    deleted = await decide(delete_goal, sent, DeleteGoal(id=bike.id), work)
    assert deleted.entity is not None
    assert (deleted.entity["deleted"], deleted.version) == (True, 2)
    assert [(e.type, e.data["before"]["deleted"]) for e in work.committed] == [
        ("goal.deleted", False)
    ]
    assert work.one(GoalDoc, bike.id).deleted


async def test_a_lower_target_the_savings_meet_reaches_the_goal(documents: None) -> None:
    ada = docs.user("ada")
    bike = docs.goal(ada)
    work = MemoryWork(ada, bike)
    sent = command("goal.update", ada.id, expected_version=1)
    lowered = await decide(update_goal, sent, UpdateGoal(id=bike.id, target_amount="100"), work)
    assert lowered.entity is not None
    assert (lowered.entity["target_amount"], lowered.entity["achieved_at"]) == (
        "100.00",
        NOW.isoformat().replace("+00:00", "Z"),
    )
    assert [e.type for e in work.committed] == ["goal.updated", "goal.achieved"]


async def test_money_moves_in_and_out_and_the_goal_is_reached_once(documents: None) -> None:
    ada, bob = docs.user("ada"), docs.user("bob")
    bike = docs.goal(ada)  # 100.00 of 1000.00 saved
    work = MemoryWork(ada, bob, bike)
    assert (await _move(work, bob, bike, "5")).code == "not_found"
    stale = await _move(work, ada, bike, "5", version=9)
    assert (stale.code, stale.version) == ("conflict", 1)
    cents = await _move(work, ada, bike, "0.001")
    assert (cents.code, _errors(cents)) == ("validation", {"amount": cents.message or ""})
    short = await _move(work, ada, bike, "-100.01")
    assert (short.code, short.message, _errors(short)) == (
        "insufficient_savings",
        "only 100.00 EUR is saved",
        {"amount": "at most 100.00"},
    )
    assert work.committed == []
    paid = await _move(work, ada, bike, "50", version=1)
    assert paid.entity is not None
    assert (paid.entity["saved"], paid.version) == ("150.00", 2)
    event = work.committed[-1]
    assert (event.type, event.data["movement"], event.data["before"]["saved"]) == (
        "goal.contributed",
        {"amount": "50.00", "currency": "EUR", "note": "pay day"},
        "100.00",
    )
    work = work.next()
    assert (await _move(work, ada, bike, "850")).accepted
    assert [e.type for e in work.committed[-2:]] == ["goal.contributed", "goal.achieved"]
    work = work.next()
    drawn = await _move(work, ada, bike, "-1000")
    assert drawn.entity is not None
    assert drawn.entity["saved"] == "0.00"
    assert work.committed[-1].type == "goal.withdrawn"
    work = work.next()
    assert (await _move(work, ada, bike, "1000")).accepted
    assert [e.type for e in work.committed].count("goal.achieved") == 1


async def test_a_goal_holds_less_than_a_trillion(documents: None) -> None:
    ada = docs.user("ada")
    rich = docs.goal(ada, saved=Decimal("999999999999.00"))
    too_much = await _move(MemoryWork(ada, rich), ada, rich, "1")
    assert (too_much.code, too_much.message, _errors(too_much)) == (
        "validation",
        "too much for one goal",
        {"amount": "too large"},
    )


# ---- recurring rules: made and changed ----------------------------------------------------


def _rule(**fields: Any) -> CreateRecurring:
    template = {"amount": "9.99", "currency": "EUR", "description": "Music"}
    values: dict[str, Any] = {"start_date": "2026-11-25", **fields}
    values["template"] = {**template, **values.get("template", {})}
    return CreateRecurring(**values)


async def _create(work: MemoryWork, who: UserDoc | None, payload: CreateRecurring) -> Decision:
    sent = command("recurring.create", who.id if who else None)
    return await decide(create_rule, sent, payload, work)


async def test_a_rule_is_made_waiting_for_its_first_date(documents: None) -> None:
    ada = docs.user("ada")
    food = docs.category(ada)
    work = MemoryWork(ada, food)
    made = await _create(work, ada, _rule(template={"category_id": food.id}, count=3))
    assert made.accepted
    assert made.entity is not None
    assert {k: made.entity[k] for k in ("next_date", "made", "count", "timezone")} == {
        "next_date": "2026-11-25",
        "made": 0,
        "count": 3,
        "timezone": "Europe/Berlin",
    }
    assert made.entity["template"]["category_id"] == food.id
    assert "merchant" not in made.entity["template"]
    assert [(e.scope, e.type) for e in work.committed] == [
        (user_scope(ada.id), "recurring.created")
    ]
    signed_out = await _create(work, None, _rule())
    assert (signed_out.code, signed_out.message) == ("forbidden", "sign in first")


async def test_a_rule_that_would_not_work_names_the_field_in_the_apis_words(
    documents: None,
) -> None:
    ada = docs.user("ada")
    work = MemoryWork(ada)
    cases = {
        "daily_day": (_rule(unit="day", day_of_month=5), "day_of_month"),
        "end_first": (_rule(day_of_month=5, end_date="2026-11-30"), "end_date"),
        "skip": (
            _rule(
                start_date="2026-11-01", day_of_month=31, month_end="skip", end_date="2026-11-30"
            ),
            "day_of_month",
        ),
    }
    for payload, field in cases.values():
        refused = await _create(work, ada, payload)
        assert (refused.code, refused.message) == ("validation", "this rule would not work")
        assert set(_errors(refused)) == {field}
    assert _errors(await _create(work, ada, cases["end_first"][0]))["end_date"] == (
        "end 2026-11-30 is before the first occurrence 2026-12-05"
    )
    early = await _create(work, ada, _rule(start_date="2025-11-20"))
    why = "a rule starts at most a year back (on or after 2025-11-21)"
    assert (early.code, early.message, _errors(early)) == ("validation", why, {"start_date": why})
    assert work.committed == []


async def test_a_rule_uses_only_the_owners_live_categories_and_trips(documents: None) -> None:
    ada, bob = docs.user("ada"), docs.user("bob")
    archived, theirs = docs.category(ada, archived=True), docs.category(bob)
    deleted, their_trip = docs.trip(ada, deleted=True), docs.trip(bob)
    work = MemoryWork(ada, bob, archived, theirs, deleted, their_trip)
    for category_id in (archived.id, theirs.id, docs.new_id()):
        refused = await _create(work, ada, _rule(template={"category_id": category_id}))
        assert (refused.code, refused.message, _errors(refused)) == (
            "not_found",
            "unknown category",
            {"template.category_id": "no such category"},
        )
    for trip_id in (deleted.id, their_trip.id, docs.new_id()):
        refused = await _create(work, ada, _rule(template={"trip_id": trip_id}))
        assert (refused.code, refused.message, _errors(refused)) == (
            "not_found",
            "unknown trip",
            {"template.trip_id": "no such trip"},
        )


async def test_rule_ids_and_the_two_hundred_rule_limit_are_kept(documents: None) -> None:
    ada, bob = docs.user("ada"), docs.user("bob")
    held = [docs.rule(ada) for _ in range(200)]
    work = MemoryWork(ada, bob, *held)
    own = await _create(work, ada, _rule(id=held[0].id))
    assert (own.code, own.message) == ("conflict", "a recurring rule with this id exists")
    taken = await _create(work, bob, _rule(id=held[0].id))
    assert (taken.code, taken.message) == ("validation", "this id is already taken")
    full = await _create(work, ada, _rule())
    assert (full.code, full.message) == ("limit_reached", "at most 200 recurring rules each")
    assert (await _create(work, bob, _rule())).accepted


async def test_a_change_moves_the_next_date_from_where_the_rule_stands(documents: None) -> None:
    ada, bob = docs.user("ada"), docs.user("bob")
    ended = docs.rule(ada, max_count=2, next_date=None)  # made 2: Oct 1 and Nov 1
    food = docs.category(ada)
    work = MemoryWork(ada, bob, ended, food)

    async def change(who: UserDoc, version: int | None = None, **fields: Any) -> Decision:
        sent = command("recurring.update", who.id, expected_version=version)
        return await decide(update_rule, sent, UpdateRecurring(id=ended.id, **fields), work)

    assert (await change(bob, count=5)).message == "no such recurring rule"
    assert (await change(ada, 3, count=5)).code == "conflict"
    backwards = await change(ada, end_date="2026-09-30")
    assert (backwards.code, backwards.message, _errors(backwards)) == (
        "validation",
        "end_date is before start_date",
        {"end_date": "before start"},
    )
    unknown = {"amount": "5", "currency": "EUR", "category_id": docs.new_id()}
    assert (await change(ada, template=unknown)).message == "unknown category"
    assert work.committed == []
    more = await change(ada, 1, count=5, template={**unknown, "category_id": food.id})
    assert more.entity is not None
    assert (more.entity["next_date"], more.entity["count"], more.version) == ("2026-12-01", 5, 2)
    assert more.entity["template"]["category_id"] == food.id
    assert work.committed[-1].data["before"]["next_date"] is None
    work = work.next()
    stop = await change(ada, 2, end_date="2026-11-30")
    assert stop.entity is not None
    assert stop.entity["next_date"] is None
    assert work.one(RecurringDoc, ended.id).end_date == "2026-11-30"
