"""The recurring-expense scheduler: creates every due occurrence, each exactly once.

Each budgets process runs one. An occurrence is an ``expense.create`` command whose id (and
expense id) derive from the rule and the date, so two schedulers, a retry after a crash, or a
catch-up after downtime all name the same expense and the expenses actor applies it once.
After it, ``recurring.advance`` moves the rule on; only the occurrence the rule waits for moves
it. Missed occurrences are made in order, a bounded number per rule per tick.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import structlog

from actors.budgets.periods import local_day
from actors.budgets.recurring import expense_payload, occurrence_ids
from bus.client import CommandSender, body_hash
from bus.envelopes import ActorRef, Command, Outcome, utcnow
from bus.ids import derived_id
from bus.recurring import AdvanceRecurring, OccurrenceResult
from storage.budget_reads import due_rules
from storage.budgets import RecurringDoc
from storage.outcomes import stored_outcome

log = structlog.get_logger(__name__)

EARLIEST_OFFSET = timedelta(hours=14)  # the furthest ahead any timezone's day runs (UTC+14)
MADE = "conflict"  # the expense exists: made by an earlier try of this occurrence


def _command(command_type: str, command_id: str, owner: str, payload: dict[str, Any]) -> Command:
    return Command(
        command_id=command_id,
        type=command_type,
        actor=ActorRef(user_id=owner, device_id="recurring"),
        issued_at=utcnow(),
        body_hash=body_hash(command_type, payload, None),
        payload=payload,
    )


def result_of(outcome: Outcome | None) -> tuple[OccurrenceResult, str | None]:
    if outcome is None:
        return "unknown", None
    if outcome.accepted or outcome.code == MADE:
        return "created", None
    return "rejected", (outcome.message or outcome.code or "refused")[:200]


class Scheduler:
    def __init__(
        self,
        sender: CommandSender,
        wait_s: float,
        *,
        clock: Callable[[], datetime] = utcnow,
        rules_per_tick: int = 500,
        per_rule: int = 100,
    ) -> None:
        self._sender = sender
        self._wait_s = wait_s
        self._clock = clock
        self._rules_per_tick = rules_per_tick
        self._per_rule = per_rule

    async def run(self, interval_s: float) -> None:
        while True:
            with contextlib.suppress(Exception):
                await self.tick()
            await asyncio.sleep(interval_s)

    async def tick(self) -> int:
        """Make every occurrence due by now; how many were handled."""
        now = self._clock()
        handled = 0
        for rule in await due_rules((now + EARLIEST_OFFSET).date(), self._rules_per_tick):
            try:
                handled += await self._catch_up(rule, local_day(now, rule.timezone))
            except Exception as exc:  # one rule's trouble never stops the others
                log.warning("recurring_failed", rule_id=rule.id, error=repr(exc)[:300])
        return handled

    async def _catch_up(self, rule: RecurringDoc, today: date) -> int:
        made = 0
        current: RecurringDoc | None = rule
        while (
            current is not None
            and not current.paused
            and not current.deleted
            and current.next_date is not None
            and date.fromisoformat(current.next_date) <= today
            and made < self._per_rule
        ):
            occurrence = date.fromisoformat(current.next_date)
            await self._occur(current, occurrence)
            made += 1
            fresh = await RecurringDoc.get(current.id)
            if fresh is not None and fresh.next_date == current.next_date:
                break  # not moved on (yet): leave it to the next tick
            current = fresh
        return made

    async def _occur(self, rule: RecurringDoc, occurrence: date) -> None:
        command_id, expense_id = occurrence_ids(rule.id, occurrence)
        create = _command(
            "expense.create", command_id, rule.owner_id, expense_payload(rule, occurrence)
        )
        outcome = await self._sender.send(create, self._wait_s)
        if outcome is not None and outcome.code == "idempotency_mismatch":
            # Tried before with another template: what that try gave is what happened.
            outcome = await stored_outcome(command_id)
        result, reason = result_of(outcome)
        if result == "unknown":
            return  # not answered yet: the next tick sends it again (the same command)
        advance = AdvanceRecurring(
            id=rule.id, occurrence=occurrence, expense_id=expense_id, result=result, reason=reason
        )
        advance_id = derived_id("recurring-advance", rule.id, occurrence.isoformat())
        await self._sender.send(
            _command(
                "recurring.advance", advance_id, rule.owner_id, advance.model_dump(mode="json")
            ),
            self._wait_s,
        )
        log.info("recurring_occurred", rule_id=rule.id, occurrence=str(occurrence), result=result)
