"""The budgets actor's budget commands decided on the in-memory unit of work: who may make,
change and delete a budget, every refusal (with its code and message), stale versions, and a
change that does not recount (name, amount, thresholds) raising the alerts it reaches at once.
A create or a change of what is counted recounts from the spending records read through the
database session; those paths are in ``test_unit_budget_counting``. No server is started."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from actors.budgets.budgets import create_budget, delete_budget, update_budget
from actors.kernel import Decision
from bus.budgets import CreateBudget, DeleteBudget, UpdateBudget
from bus.ids import user_scope
from storage.accounts import UserDoc
from storage.budgets import BudgetDoc, BudgetScopeDoc, BudgetTallyDoc
from tests.support import budget_docs as docs
from tests.support.fake_work import MemoryWork, command, decide


def _errors(decision: Decision) -> dict[str, str]:
    return {".".join(str(p) for p in e.loc): e.msg for e in decision.errors}


def _create(**fields: Any) -> CreateBudget:
    return CreateBudget(**{"name": "Food", "amount": Decimal("100"), "currency": "EUR", **fields})


async def _make(work: MemoryWork, who: UserDoc | None, payload: CreateBudget) -> Decision:
    sent = command("budget.create", who.id if who else None)
    return await decide(create_budget, sent, payload, work)


async def _change(
    work: MemoryWork, who: UserDoc, version: int | None = None, **fields: Any
) -> Decision:
    sent = command("budget.update", who.id, expected_version=version)
    return await decide(update_budget, sent, UpdateBudget(**fields), work)


# ---- create: refusals before anything is counted ------------------------------------------


async def test_create_refuses_the_signed_out_strangers_and_plain_members_of_a_group(
    documents: None,
) -> None:
    ada, bob, cy = docs.user("ada"), docs.user("bob"), docs.user("cy")
    flat = docs.group(ada, (bob, "member"))
    work = MemoryWork(ada, bob, cy, flat)
    signed_out = await _make(work, None, _create())
    assert (signed_out.code, signed_out.message) == ("forbidden", "sign in first")
    nowhere = await _make(work, ada, _create(group_id=docs.new_id()))
    assert (nowhere.code, nowhere.message) == ("not_found", "no such group")
    assert _errors(nowhere) == {"group_id": "no such group"}
    stranger = await _make(work, cy, _create(group_id=flat.id))
    assert (stranger.code, stranger.message) == ("not_found", "no such group")
    member = await _make(work, bob, _create(group_id=flat.id))
    assert (member.code, member.message) == (
        "forbidden",
        "only the group's admins make its budgets",
    )
    assert work.committed == []
    assert [k for k in work.stored if k[0] is BudgetDoc] == []


async def test_create_names_each_category_that_is_not_the_owners(documents: None) -> None:
    ada, bob = docs.user("ada"), docs.user("bob")
    mine, theirs = docs.category(ada), docs.category(bob)
    work = MemoryWork(ada, bob, mine, theirs)
    wrong = await _make(work, ada, _create(category_ids=[mine.id, theirs.id, docs.new_id()]))
    assert (wrong.code, wrong.message) == ("not_found", "unknown categories")
    assert _errors(wrong) == {
        "category_ids.1": "not one of your categories",
        "category_ids.2": "not one of your categories",
    }


async def test_create_with_a_taken_id_is_a_conflict_for_its_owner_and_taken_for_others(
    documents: None,
) -> None:
    ada, bob = docs.user("ada"), docs.user("bob")
    held = docs.budget(ada)
    work = MemoryWork(ada, bob, held)
    own = await _make(work, ada, _create(id=held.id))
    assert (own.code, own.message) == ("conflict", "a budget with this id exists")
    assert own.entity is not None
    assert (own.entity["id"], own.version) == (held.id, 1)
    other = await _make(work, bob, _create(id=held.id))
    assert (other.code, other.message, other.entity) == (
        "validation",
        "this id is already taken",
        None,
    )
    assert _errors(other) == {"id": "choose another UUID"}


async def test_create_refuses_a_hundred_and_first_budget_in_a_scope(documents: None) -> None:
    ada = docs.user("ada")
    held = [docs.budget(ada) for _ in range(100)]
    refused = await _make(MemoryWork(ada, *held), ada, _create())
    assert (refused.code, refused.message) == ("limit_reached", "at most 100 budgets each")


async def test_create_refuses_a_start_more_than_two_years_back(documents: None) -> None:
    ada = docs.user("ada")  # Europe/Berlin: 2026-11-22 there at NOW
    refused = await _make(MemoryWork(ada), ada, _create(starts_on="2024-11-20"))
    why = "a budget starts at most two years back (on or after 2024-11-21)"
    assert (refused.code, refused.message, _errors(refused)) == (
        "validation",
        why,
        {"starts_on": why},
    )


async def test_create_refuses_a_calendar_its_stored_timezone_cannot_make(
    documents: None,
) -> None:
    lost = docs.user("lost", timezone="Mars/Olympus")  # stored before zones were checked
    refused = await _make(MemoryWork(lost), lost, _create(starts_on="2026-11-01"))
    assert refused.code == "validation"
    assert set(_errors(refused)) == {"period"}
    assert "Mars/Olympus" in (refused.message or "")


# ---- update -------------------------------------------------------------------------------


async def test_a_lower_amount_raises_the_alerts_it_reaches_once_without_a_recount(
    documents: None,
) -> None:
    ada = docs.user("ada")
    doc = docs.budget(ada)
    spent = {"2026-11-01": {"spent": "90.00", "counted": 3, "fired": [50, 80]}}
    work = MemoryWork(ada, doc, docs.tally(doc, spent))
    lowered = await _change(work, ada, 1, id=doc.id, amount="80.00")  # as JSON gives it
    assert lowered.accepted
    assert lowered.entity is not None
    assert (lowered.entity["amount"], lowered.version) == ("80.00", 2)
    assert [(e.scope, e.type) for e in work.committed] == [
        (doc.scope, "budget.updated"),
        (doc.scope, "budget.threshold_crossed"),
        (doc.scope, "budget.exceeded"),
    ]
    updated, crossed, exceeded = (e.data for e in work.committed)
    assert (updated["version"], updated["before"]["amount"]) == (2, "100.00")
    assert {k: crossed["entity"][k] for k in ("threshold", "spent", "available")} == {
        "threshold": 100,
        "spent": "90.00",
        "available": "80.00",
    }
    assert (crossed["entity"]["period_start"], crossed["entity"]["period_end"]) == (
        "2026-11-01",
        "2026-11-30",
    )
    assert (exceeded["entity"]["threshold"], exceeded["entity"]["percent_used"]) == (None, "112.5")
    held = work.one(BudgetTallyDoc, doc.id)
    assert (held.version, held.periods["2026-11-01"]["fired"]) == (2, [50, 80, 100])
    assert held.periods["2026-11-01"]["exceeded"] is True
    assert work.one(BudgetScopeDoc, doc.scope).version == 1
    work = work.next()
    renamed = await _change(work, ada, 2, id=doc.id, name="Food")
    assert renamed.accepted
    assert [e.type for e in work.committed[3:]] == ["budget.updated"]  # each alert once


async def test_update_of_a_stale_version_is_a_conflict_with_the_current_budget(
    documents: None,
) -> None:
    ada = docs.user("ada")
    doc = docs.budget(ada, version=3)
    work = MemoryWork(ada, doc)
    stale = await _change(work, ada, 2, id=doc.id, name="Food")
    assert (stale.code, stale.message) == ("conflict", "version 2 is stale (now 3)")
    assert stale.entity is not None
    assert (stale.entity["name"], stale.version) == ("Groceries", 3)
    assert work.one(BudgetDoc, doc.id).name == "Groceries"


async def test_only_the_owner_or_a_groups_admins_change_a_budget(documents: None) -> None:
    ada, bob, cy, dan = (docs.user(n) for n in ("ada", "bob", "cy", "dan"))
    flat = docs.group(ada, (bob, "admin"), (cy, "member"))
    mine = docs.budget(ada)
    shared = docs.budget(ada, group_id=flat.id)
    gone = docs.budget(ada, deleted=True)
    work = MemoryWork(ada, bob, cy, dan, flat, mine, shared, gone)
    for who, budget_id in ((bob, mine.id), (ada, gone.id), (ada, docs.new_id()), (dan, shared.id)):
        missing = await _change(work, who, id=budget_id, name="X")
        assert (missing.code, missing.message) == ("not_found", "no such budget")
    member = await _change(work, cy, id=shared.id, name="X")
    assert (member.code, member.message) == (
        "forbidden",
        "only the group's admins change its budgets",
    )
    assert work.committed == []
    assert (await _change(work, bob, id=shared.id, name="Shared")).accepted
    assert [(e.scope, e.type) for e in work.committed] == [(shared.scope, "budget.updated")]


async def test_update_keeps_each_kind_of_budget_to_its_own_categories(documents: None) -> None:
    ada, bob = docs.user("ada"), docs.user("bob")
    flat = docs.group(ada)
    mine, shared = docs.budget(ada), docs.budget(ada, group_id=flat.id)
    foreign = docs.category(bob)
    work = MemoryWork(ada, bob, flat, mine, shared, foreign)
    wrong_kind = await _change(work, ada, id=shared.id, category_ids=[foreign.id])
    assert (wrong_kind.code, wrong_kind.message) == (
        "budget_kind",
        "a shared budget counts `categories`",
    )
    assert wrong_kind.entity is not None
    assert wrong_kind.entity["id"] == shared.id
    assert _errors(wrong_kind) == {"category_ids": "not here"}
    labels = await _change(work, ada, id=mine.id, categories=["food"])
    assert (labels.code, labels.message, _errors(labels)) == (
        "budget_kind",
        "a personal budget counts `category_ids`",
        {"categories": "not here"},
    )
    theirs = await _change(work, ada, id=mine.id, category_ids=[foreign.id])
    assert (theirs.code, _errors(theirs)) == (
        "not_found",
        {"category_ids.0": "not one of your categories"},
    )


async def test_update_refuses_calendars_that_do_not_work(documents: None) -> None:
    ada = docs.user("ada")
    monthly = docs.budget(ada)
    custom = docs.budget(ada, period="custom", ends_on="2026-11-30")
    yen = docs.budget(ada, currency="JPY", amount=Decimal("10000"))
    work = MemoryWork(ada, monthly, custom, yen)
    no_end = await _change(work, ada, id=monthly.id, period="custom")
    assert (no_end.code, no_end.message, _errors(no_end)) == (
        "validation",
        "a custom period needs ends_on",
        {"ends_on": "required"},
    )
    backwards = await _change(work, ada, id=custom.id, ends_on="2026-10-15")
    assert (backwards.code, backwards.message) == ("validation", "ends_on is before starts_on")
    assert _errors(backwards) == {"period": "ends_on is before starts_on"}
    early = await _change(work, ada, id=monthly.id, starts_on="2024-01-01")
    assert (early.code, set(_errors(early))) == ("validation", {"starts_on"})
    assert (early.message or "").startswith("a budget starts at most two years back")
    rolling = await _change(work, ada, id=custom.id, rollover=True)
    assert (rolling.code, rolling.message, _errors(rolling)) == (
        "validation",
        "a custom range cannot roll over",
        {"rollover": "not for custom"},
    )
    ended = await _change(work, ada, id=monthly.id, ends_on="2026-12-31")
    assert (ended.code, _errors(ended)) == (
        "validation",
        {"ends_on": "only a custom period has an end"},
    )
    assert ended.entity is not None
    assert ended.entity["ends_on"] is None  # the budget as it stands, nothing dropped
    cents = await _change(work, ada, id=yen.id, amount=Decimal("10.5"))
    assert (cents.code, cents.message) == ("validation", "JPY has 0 decimal places; got 10.5")
    assert set(_errors(cents)) == {"amount"}
    assert work.committed == []


# ---- delete -------------------------------------------------------------------------------


async def test_delete_leaves_a_tombstone_once_and_only_for_those_who_may(
    documents: None,
) -> None:
    ada, bob, cy = docs.user("ada"), docs.user("bob"), docs.user("cy")
    flat = docs.group(ada, (cy, "member"))
    mine, shared = docs.budget(ada, version=2), docs.budget(ada, group_id=flat.id)
    work = MemoryWork(ada, bob, cy, flat, mine, shared)

    async def remove(who: UserDoc, budget_id: str, version: int | None = None) -> Decision:
        sent = command("budget.delete", who.id, expected_version=version)
        return await decide(delete_budget, sent, DeleteBudget(id=budget_id), work)

    assert (await remove(bob, mine.id)).code == "not_found"
    member = await remove(cy, shared.id)
    assert (member.code, member.message) == (
        "forbidden",
        "only the group's admins change its budgets",
    )
    stale = await remove(ada, mine.id, 1)
    assert (stale.code, stale.version) == ("conflict", 2)
    gone = await remove(ada, mine.id, 2)
    assert gone.accepted
    assert gone.entity is not None
    assert (gone.entity["deleted"], gone.version) == (True, 3)
    assert [(e.scope, e.type) for e in work.committed] == [(user_scope(ada.id), "budget.deleted")]
    data = work.committed[0].data
    assert (data["entity"]["deleted"], data["before"]["deleted"], data["version"]) == (
        True,
        False,
        3,
    )
    assert work.one(BudgetDoc, mine.id).deleted
    assert work.one(BudgetScopeDoc, mine.scope).version == 1
    again = await remove(ada, mine.id)
    assert (again.code, again.message) == ("not_found", "no such budget")


async def test_an_updated_amount_is_stored_at_the_currencys_minor_units_as_on_create(
    documents: None,
) -> None:
    ada = docs.user("ada")
    doc = docs.budget(ada)
    work = MemoryWork(ada, doc, docs.tally(doc, {}))
    changed = await _change(work, ada, 1, id=doc.id, amount="80.5")
    assert changed.accepted
    assert changed.entity is not None
    assert changed.entity["amount"] == "80.50"
    assert str(work.one(type(doc), doc.id).amount) == "80.50"
    assert work.committed[0].data["entity"]["amount"] == "80.50"
