"""A recurring rule paused, resumed (skipping what fell meanwhile), deleted, and moved on by the
scheduler's ``recurring.advance`` exactly once per occurrence, decided on the in-memory unit of
work. No server is started."""

from __future__ import annotations

from typing import Any

from actors.budgets.recurring import advance_rule, delete_rule, pause_rule, resume_rule
from actors.kernel import Decision
from bus.recurring import AdvanceRecurring, DeleteRecurring, PauseRecurring, ResumeRecurring
from storage.accounts import UserDoc
from storage.budgets import RecurringDoc
from tests.support import budget_docs as docs
from tests.support.fake_work import MemoryWork, command, decide


async def _pause(
    work: MemoryWork, who: UserDoc, rule: RecurringDoc, version: int | None = None
) -> Decision:
    sent = command("recurring.pause", who.id, expected_version=version)
    return await decide(pause_rule, sent, PauseRecurring(id=rule.id), work)


async def _resume(work: MemoryWork, who: UserDoc, rule: RecurringDoc) -> Decision:
    sent = command("recurring.resume", who.id)
    return await decide(resume_rule, sent, ResumeRecurring(id=rule.id), work)


async def _advance(work: MemoryWork, who: UserDoc, rule: RecurringDoc, **fields: Any) -> Decision:
    values: dict[str, Any] = {"id": rule.id, "expense_id": docs.new_id(), "result": "created"}
    sent = command("recurring.advance", who.id)
    return await decide(advance_rule, sent, AdvanceRecurring(**{**values, **fields}), work)


async def test_pausing_twice_changes_the_rule_once(documents: None) -> None:
    ada, bob = docs.user("ada"), docs.user("bob")
    rule = docs.rule(ada)
    work = MemoryWork(ada, bob, rule)
    assert (await _pause(work, bob, rule)).message == "no such recurring rule"
    stale = await _pause(work, ada, rule, version=2)
    assert (stale.code, stale.message, stale.version) == (
        "conflict",
        "version 2 is stale (now 1)",
        1,
    )
    paused = await _pause(work, ada, rule, version=1)
    assert paused.entity is not None
    assert (paused.entity["paused"], paused.version) == (True, 2)
    assert [(e.scope, e.type) for e in work.committed] == [(rule.scope, "recurring.paused")]
    work = work.next()
    again = await _pause(work, ada, rule)
    assert (again.accepted, again.version, len(work.committed)) == (True, 2, 1)


async def test_resuming_skips_the_dates_that_fell_while_paused(documents: None) -> None:
    ada = docs.user("ada")
    # Paused since September: waiting for Oct 1, which (with Nov 1) fell while paused.
    asleep = docs.rule(
        ada, paused=True, made=1, last_occurrence="2026-09-01", next_date="2026-10-01"
    )
    today = docs.rule(ada, paused=True, start_date="2026-09-22", next_date="2026-10-22")
    running = docs.rule(ada)
    work = MemoryWork(ada, asleep, today, running)
    woken = await _resume(work, ada, asleep)
    assert woken.entity is not None
    assert (woken.entity["paused"], woken.entity["next_date"], woken.version) == (
        False,
        "2026-12-01",
        2,
    )
    assert work.committed[-1].type == "recurring.resumed"
    assert work.committed[-1].data["before"]["next_date"] == "2026-10-01"
    work = work.next()
    due = await _resume(work, ada, today)  # its day is today (2026-11-22): made today
    assert due.entity is not None
    assert due.entity["next_date"] == "2026-11-22"
    work = work.next()
    untouched = await _resume(work, ada, running)
    assert (untouched.accepted, untouched.version) == (True, 1)
    assert len(work.committed) == 2
    lost = await decide(
        resume_rule, command("recurring.resume", ada.id), ResumeRecurring(id=docs.new_id()), work
    )
    assert (lost.code, lost.message) == ("not_found", "no such recurring rule")


async def test_a_deleted_rule_is_a_tombstone_no_command_reaches(documents: None) -> None:
    ada = docs.user("ada")
    rule = docs.rule(ada)
    work = MemoryWork(ada, rule)
    sent = command("recurring.delete", ada.id, expected_version=1)
    gone = await decide(delete_rule, sent, DeleteRecurring(id=rule.id), work)
    assert gone.entity is not None
    assert (gone.entity["deleted"], gone.version) == (True, 2)
    assert [(e.type, e.data["before"]["deleted"]) for e in work.committed] == [
        ("recurring.deleted", False)
    ]
    work = work.next()
    again = await decide(
        delete_rule, command("recurring.delete", ada.id), DeleteRecurring(id=rule.id), work
    )
    assert again.code == "not_found"
    assert (await _pause(work, ada, rule)).code == "not_found"
    late = await _advance(work, ada, rule, occurrence="2026-12-01")
    assert (late.accepted, late.version, len(work.committed)) == (True, 2, 1)


async def test_an_occurrence_moves_the_rule_on_once_counting_what_was_made(
    documents: None,
) -> None:
    ada, bob = docs.user("ada"), docs.user("bob")
    rule = docs.rule(ada, max_count=4)  # made 2, waiting for Dec 1
    work = MemoryWork(ada, bob, rule)
    theirs = await _advance(work, bob, rule, occurrence="2026-12-01")
    assert (theirs.code, theirs.message) == ("not_found", "no such recurring rule")
    early = await _advance(work, ada, rule, occurrence="2026-11-01")  # not the one waited for
    assert (early.accepted, early.version, work.committed) == (True, 1, [])
    made = await _advance(work, ada, rule, occurrence="2026-12-01")
    assert made.entity is not None
    assert {k: made.entity[k] for k in ("made", "next_date", "last_error")} == {
        "made": 3,
        "next_date": "2027-01-01",
        "last_error": None,
    }
    assert work.one(RecurringDoc, rule.id).last_occurrence == "2026-12-01"
    assert [(e.scope, e.type) for e in work.committed] == [(rule.scope, "recurring.advanced")]
    work = work.next()
    again = await _advance(work, ada, rule, occurrence="2026-12-01")  # a second scheduler's
    assert (again.version, len(work.committed)) == (2, 1)
    refused = await _advance(
        work, ada, rule, occurrence="2027-01-01", result="rejected", reason="category archived"
    )
    assert refused.entity is not None
    assert {k: refused.entity[k] for k in ("made", "next_date", "last_error")} == {
        "made": 3,
        "next_date": None,  # the fourth and last occurrence was tried
        "last_error": "2027-01-01: category archived",
    }
    work = work.next()
    assert (await _advance(work, ada, rule, occurrence="2027-01-01")).version == 3
