"""The budgets actor counting spending, on the in-memory unit of work: expense events applied
once to every live budget of their scope (redelivered, reordered, changed and deleted ones),
values in a budget's currency (own amount, fixed home value, a pinned rate, or awaiting one
until ``rates.updated``), and the alerts each change reaches.

A budget created, or changed in what it counts, is recounted from the actor's spending records,
which the handler reads with one raw query on the database session (``spends_for``); the
in-memory store has no session, so those tests (``spends_in_memory``) ask the same query of
the store through ``Work.find_ids`` instead. The query itself is proven end to end."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from actors.budgets import budgets as budget_rules
from actors.budgets.budget_reactions import (
    apply_expense,
    prefetch,
    refill_conversions,
    spend_of_event,
)
from actors.budgets.budgets import create_budget, update_budget
from actors.budgets.periods import first_period
from actors.budgets.spend_records import spend_of_doc
from actors.budgets.spending import PLACEMENT_SLACK_DAYS, BudgetRules, Spend
from actors.changes import change_data
from actors.work import Work
from bus.budgets import CreateBudget, UpdateBudget
from bus.conversions import RatesChanged
from bus.envelopes import Event
from bus.ids import RATES_SCOPE, derived_id, user_scope
from storage.budgets import BudgetDoc, BudgetScopeDoc, BudgetTallyDoc, SpendDoc
from tests.support import budget_docs as docs
from tests.support.fake_work import NOW, MemoryWork, command, decide

NOV = "2026-11-01"


def _period(work: MemoryWork, doc: BudgetDoc, key: str = NOV) -> dict[str, Any]:
    return work.one(BudgetTallyDoc, doc.id).periods[key]


def _alerts(work: MemoryWork) -> set[tuple[str, str, int | None]]:
    return {
        (e.type, e.data["entity"]["budget_id"], e.data["entity"]["threshold"])
        for e in work.committed
        if e.type in ("budget.threshold_crossed", "budget.exceeded")
    }


async def _react(work: MemoryWork, event: Event) -> MemoryWork:
    """Apply ``event`` as the actor does (written at once), and start the next work."""
    handler = refill_conversions if event.type == "rates.updated" else apply_expense
    await handler(event, work)
    work.commit()
    return work.next()


# ---- expense events -----------------------------------------------------------------------


async def test_an_expense_counts_once_in_each_live_budget_of_its_scope_whatever_the_order(
    documents: None,
) -> None:
    ada, bob = docs.user("ada"), docs.user("bob")
    food = docs.category(ada)
    every = docs.budget(ada)
    eating = docs.budget(ada, category_ids=[food.id], amount=Decimal("50.00"))
    gone, theirs = docs.budget(ada, deleted=True), docs.budget(bob)
    held = docs.tally(every, {NOV: {"spent": "30.00", "counted": 1}})
    work = MemoryWork(ada, bob, every, eating, gone, theirs, held, runtime=docs.budgets_runtime())
    scope = user_scope(ada.id)
    first = docs.expense_event(scope, category_id=food.id)
    work = await _react(work, first)
    assert _alerts(work) == {
        ("budget.threshold_crossed", every.id, 50),
        ("budget.threshold_crossed", eating.id, 50),
    }
    assert {e.scope for e in work.committed} == {scope}
    assert (_period(work, every)["spent"], _period(work, every)["counted"]) == ("60.00", 2)
    assert (_period(work, eating)["spent"], _period(work, eating)["fired"]) == ("30.00", [50])
    assert {gone.id, theirs.id} & {k[1] for k in work.stored if k[0] is BudgetTallyDoc} == set()
    record = work.one(SpendDoc, f"expense:{first.data['entity']['id']}")
    assert (record.version, record.counts, record.category) == (1, True, food.id)
    assert work.one(BudgetScopeDoc, scope).version == 1

    work = await _react(work, first)  # redelivered: nothing moves
    assert (_period(work, every)["spent"], work.one(BudgetScopeDoc, scope).version) == ("60.00", 1)
    entity = {**first.data["entity"], "amount": "10.00", "category_id": None, "version": 2}
    work = await _react(work, docs.expense_event(scope, "expense.updated", **entity))
    assert (_period(work, every)["spent"], _period(work, every)["counted"]) == ("40.00", 2)
    assert (_period(work, eating)["spent"], _period(work, eating)["counted"]) == ("0.00", 0)
    work = await _react(work, first)  # an older version, late: nothing moves
    assert _period(work, every)["spent"] == "40.00"
    deleted = {**entity, "version": 3}
    work = await _react(work, docs.expense_event(scope, "expense.deleted", **deleted))
    assert (_period(work, every)["spent"], _period(work, every)["counted"]) == ("30.00", 1)
    assert len(_alerts(work)) == 2  # each threshold raised once per period


async def test_income_and_spending_in_a_period_already_over_raise_nothing(
    documents: None,
) -> None:
    ada = docs.user("ada")
    doc = docs.budget(ada, starts_on="2026-10-01")
    work = MemoryWork(ada, doc, runtime=docs.budgets_runtime())
    scope = user_scope(ada.id)
    work = await _react(work, docs.expense_event(scope, type="income", amount="500.00"))
    assert [k for k in work.stored if k[0] is BudgetTallyDoc] == []
    assert [e.type for e in work.committed] == []
    october = docs.expense_event(scope, date="2026-10-20", amount="120.00")
    work = await _react(work, october)
    assert _period(work, doc, "2026-10-01")["spent"] == "120.00"
    assert work.committed == []  # no news of the past


async def test_foreign_money_counts_at_its_home_value_its_days_rate_or_awaits_one(
    documents: None,
) -> None:
    ada = docs.user("ada")
    doc = docs.budget(ada, amount=Decimal("1000.00"))
    runtime = docs.budgets_runtime(docs.rates(date(2026, 11, 20), USD="1.25"))
    work = MemoryWork(ada, doc, runtime=runtime)
    scope = user_scope(ada.id)
    home = docs.expense_event(
        scope, amount="25.00", currency="USD", home_amount="19.00", home_currency="EUR"
    )
    rated = docs.expense_event(scope, amount="25.00", currency="USD")
    waiting = docs.expense_event(scope, amount="10.00", currency="GBP")
    for event in (home, rated, waiting):
        work = await _react(work, event)
    assert _period(work, doc) == {
        "spent": "39.00",
        "counted": 2,
        "awaiting": 1,
        "fired": [],
        "exceeded": False,
    }
    pinned = work.one(SpendDoc, f"expense:{rated.data['entity']['id']}")
    assert (pinned.conversions, pinned.awaiting) == ({"EUR": "20.00"}, False)
    assert work.one(SpendDoc, f"expense:{home.data['entity']['id']}").conversions == {}
    unpriced = work.one(SpendDoc, f"expense:{waiting.data['entity']['id']}")
    assert (unpriced.conversions, unpriced.awaiting) == ({"EUR": None}, True)

    nothing_new = RatesChanged(source="ECB", days=[], currencies=[])
    work = await _react(work, _rates_updated(nothing_new))
    assert work.one(BudgetScopeDoc, scope).version == 3
    runtime.reader.book.add(docs.rates(date(2026, 11, 20), GBP="0.8"))
    change = RatesChanged(source="ECB", days=[date(2026, 11, 20)], currencies=["GBP"])
    work = await _react(work, _rates_updated(change))
    refilled = work.one(SpendDoc, unpriced.id)
    assert (refilled.conversions, refilled.awaiting) == ({"EUR": "12.50"}, False)
    assert (_period(work, doc)["spent"], _period(work, doc)["awaiting"]) == ("51.50", 0)
    assert work.one(BudgetScopeDoc, scope).version == 4


def _rates_updated(change: RatesChanged) -> Event:
    return Event(
        event_id=docs.new_id(),
        type="rates.updated",
        command_id=docs.new_id(),
        scope=RATES_SCOPE,
        seq=1,
        occurred_at=NOW,
        data=change_data(change),
    )


async def test_a_group_expense_counts_in_the_groups_budgets_by_its_folded_label(
    documents: None,
) -> None:
    ada = docs.user("ada")
    flat = docs.group(ada)
    shared = docs.budget(ada, group_id=flat.id, categories=["food"])
    mine = docs.budget(ada)
    work = MemoryWork(ada, flat, shared, mine, runtime=docs.budgets_runtime())
    entity = {"category": " Food ", "amount": "80.00", "currency": "USD"}
    valued = {"group_amount": "60.00", "group_currency": "EUR", **entity}
    work = await _react(work, docs.expense_event(flat.scope, "group_expense.created", **valued))
    other = {**entity, "category": "Rent", "amount": "10.00", "currency": "EUR"}
    work = await _react(work, docs.expense_event(flat.scope, "group_expense.created", **other))
    assert (_period(work, shared)["spent"], _period(work, shared)["counted"]) == ("60.00", 1)
    assert _alerts(work) == {("budget.threshold_crossed", shared.id, 50)}
    assert {e.scope for e in work.committed} == {flat.scope}
    assert (BudgetTallyDoc, mine.id) not in work.stored


# ---- recounts (create, and changes of what is counted) ------------------------------------


async def _spends_in_memory(work: Work, rules: BudgetRules) -> list[Spend]:
    """``spends_for`` with its query asked through ``Work.find_ids`` (see the docstring)."""
    slack = timedelta(days=PLACEMENT_SLACK_DAYS)
    when = {"$gte": (first_period(rules.calendar).start - slack).isoformat()}
    if rules.calendar.ends_on is not None:
        when["$lte"] = (rules.calendar.ends_on + slack).isoformat()
    query = {"scope": rules.scope, "date": when, "counts": True}
    found: dict[str, Spend] = {}
    for spend_id in await work.find_ids(SpendDoc, query, 100_000):
        spend = spend_of_doc(await work.get(SpendDoc, spend_id))
        assert spend is not None
        found[spend_id] = spend
    for doc in work.staged_of(SpendDoc):
        if doc.scope == rules.scope and (spend := spend_of_doc(doc)) is not None:
            found[doc.id] = spend
    return list(found.values())


@pytest.fixture
def spends_in_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(budget_rules, "spends_for", _spends_in_memory)


async def test_a_new_budget_counts_the_spending_already_seen_and_raises_what_it_reaches(
    documents: None, spends_in_memory: None
) -> None:
    ada, bob = docs.user("ada"), docs.user("bob")  # Europe/Berlin
    scope = user_scope(ada.id)
    seen = [docs.spend(scope), docs.spend(scope, date="2026-11-21", amount=Decimal("25.00"))]
    ignored = [
        docs.spend(user_scope(bob.id)),
        docs.spend(scope, counts=False),
        docs.spend(scope, date="2026-10-20"),
    ]
    held = [docs.budget(ada) for _ in range(99)] + [docs.budget(ada, deleted=True)]
    work = MemoryWork(ada, bob, *seen, *ignored, *held, runtime=docs.budgets_runtime())
    sent = command("budget.create", ada.id)
    payload = CreateBudget(name="Food", amount=Decimal("100"), currency="EUR")
    made = await decide(create_budget, sent, payload, work)
    assert made.accepted
    assert made.entity is not None
    budget_id = derived_id("budget", sent.command_id)
    assert {k: made.entity[k] for k in ("id", "starts_on", "timezone", "amount", "version")} == {
        "id": budget_id,
        "starts_on": NOV,
        "timezone": "Europe/Berlin",
        "amount": "100.00",
        "version": 1,
    }
    assert [(e.scope, e.type) for e in work.committed] == [
        (scope, "budget.created"),
        (scope, "budget.threshold_crossed"),
    ]
    assert work.committed[0].data["entity"] == made.entity
    assert work.committed[1].data["entity"]["spent"] == "55.00"
    doc = work.one(BudgetDoc, budget_id)
    assert (_period(work, doc)["spent"], _period(work, doc)["counted"]) == ("55.00", 2)
    assert list(work.one(BudgetTallyDoc, budget_id).periods) == [NOV]
    assert work.one(BudgetScopeDoc, scope).version == 1
    over = await decide(create_budget, command("budget.create", ada.id), payload, work.next())
    assert (over.code, over.message) == ("limit_reached", "at most 100 budgets each")


async def test_a_groups_admin_makes_a_shared_budget_in_the_groups_timezone(
    documents: None, spends_in_memory: None
) -> None:
    ada, bob = docs.user("ada"), docs.user("bob")
    flat = docs.group(ada, (bob, "admin"), timezone="America/New_York")
    bill = docs.spend(flat.scope, category="food", amount=Decimal("70.00"))
    work = MemoryWork(ada, bob, flat, bill, runtime=docs.budgets_runtime())
    payload = CreateBudget(
        group_id=flat.id, name="Food", amount=Decimal("100"), currency="EUR", categories=["Food"]
    )
    made = await decide(create_budget, command("budget.create", bob.id), payload, work)
    assert made.accepted
    assert made.entity is not None
    assert (made.entity["timezone"], made.entity["categories"]) == ("America/New_York", ["food"])
    assert (made.entity["owner_id"], made.entity["group_id"]) == (bob.id, flat.id)
    assert {(e.scope, e.type) for e in work.committed} == {
        (flat.scope, "budget.created"),
        (flat.scope, "budget.threshold_crossed"),
    }


async def test_counting_other_categories_recounts_and_keeps_the_alerts_already_sent(
    documents: None, spends_in_memory: None
) -> None:
    ada = docs.user("ada")
    food, rent = docs.category(ada), docs.category(ada, name="Rent")
    doc = docs.budget(ada)
    scope = user_scope(ada.id)
    spends = [docs.spend(scope, category=food.id), docs.spend(scope, category=rent.id)]
    held = docs.tally(doc, {NOV: {"spent": "60.00", "counted": 2, "fired": [50]}})
    work = MemoryWork(ada, food, rent, doc, held, *spends, runtime=docs.budgets_runtime())
    sent = command("budget.update", ada.id, expected_version=1)
    changed = await decide(
        update_budget, sent, UpdateBudget(id=doc.id, category_ids=[food.id]), work
    )
    assert changed.accepted
    assert changed.entity is not None
    assert changed.entity["category_ids"] == [food.id]
    assert [e.type for e in work.committed] == ["budget.updated"]
    assert _period(work, doc) == {
        "spent": "30.00",
        "counted": 1,
        "awaiting": 0,
        "fired": [50],
        "exceeded": False,
    }
    assert work.one(BudgetTallyDoc, doc.id).version == 2


def test_a_batch_prefetches_the_spend_records_and_scopes_its_expense_events_update(
    documents: None,
) -> None:
    ada, flat = docs.user("ada"), docs.new_id()
    mine = docs.expense_event(user_scope(ada.id))
    ours = docs.expense_event(f"group:{flat}", "group_expense.updated", amount="5.00")
    rates = _rates_updated(RatesChanged(source="ECB", days=[], currencies=[]))
    wanted = prefetch([mine, ours, mine, rates])
    spends = [s for e in (mine, ours, mine) if (s := spend_of_event(e)) is not None]
    assert wanted[SpendDoc] == [s.id for s in spends]  # the very records apply_expense reads
    assert wanted[BudgetScopeDoc] == [user_scope(ada.id), f"group:{flat}"]
