"""A limit counted with a query holds inside one batch, on the real database: a query in the
batch's transaction does not see what earlier commands of the batch staged, so the unit of work
overlays its staging on the answer (``storage.matching``). Without that, one batch of creates
would each count the same stored rows and all pass the limit."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from pymongo.asynchronous.client_session import AsyncClientSession

from actors.budgets import BUDGETS
from actors.inbound import Inbound
from actors.outcomes import apply_one
from bus.envelopes import ActorRef, Command
from bus.goals import MAX_GOALS
from bus.ids import user_scope
from bus.recurring import MAX_RULES
from storage.budgets import GoalDoc, RecurringDoc
from storage.database import Database
from storage.transactions import in_transaction
from storage.unit_of_work import BatchWork

pytestmark = pytest.mark.integration


def _command(command_type: str, payload: dict[str, Any], user: str) -> Command:
    return Command(
        command_id=str(uuid.uuid4()),
        type=command_type,
        actor=ActorRef(user_id=user),
        issued_at=datetime.now(UTC),
        body_hash=str(uuid.uuid4()),
        payload=payload,
    )


async def _one_batch(database: Database, commands: list[Command]) -> list[tuple[str, str | None]]:
    """Apply ``commands`` as one batch in one transaction; each command's status and code."""

    async def attempt(session: AsyncClientSession) -> list[tuple[str, str | None]]:
        batch = BatchWork(session, None, {})
        answers: list[tuple[str, str | None]] = []
        for sent in commands:
            applied = await apply_one(BUDGETS, batch, Inbound(None, sent), {}, datetime.now(UTC))  # type: ignore[arg-type]
            assert applied.outcome is not None, applied.error
            answers.append((applied.outcome.status, applied.outcome.code))
        await batch.flush()
        return answers

    return await in_transaction(database.client, attempt)


async def _live(model: type[GoalDoc] | type[RecurringDoc], owner: str) -> int:
    return await model.find({"scope": user_scope(owner), "deleted": False}).count()


async def test_one_batch_of_goals_stops_at_the_goal_limit(database: Database) -> None:
    owner = str(uuid.uuid4())
    first = [
        _command(
            "goal.create", {"name": f"Goal {n}", "target_amount": "10", "currency": "EUR"}, owner
        )
        for n in range(MAX_GOALS - 2)
    ]
    assert {s for s, _ in await _one_batch(database, first)} == {"accepted"}
    more = [
        _command(
            "goal.create", {"name": f"More {n}", "target_amount": "10", "currency": "EUR"}, owner
        )
        for n in range(4)
    ]
    answers = await _one_batch(database, more)
    assert answers == [("accepted", None)] * 2 + [("rejected", "limit_reached")] * 2
    assert await _live(GoalDoc, owner) == MAX_GOALS


async def test_one_batch_of_recurring_rules_stops_at_the_rule_limit(database: Database) -> None:
    owner = str(uuid.uuid4())
    today = datetime.now(UTC).date().isoformat()
    template = {"amount": "9.99", "currency": "EUR", "description": "Music"}
    rules = [
        _command("recurring.create", {"template": template, "start_date": today}, owner)
        for _ in range(MAX_RULES + 1)
    ]
    answers = await _one_batch(database, rules)
    assert answers == [("accepted", None)] * MAX_RULES + [("rejected", "limit_reached")]
    assert await _live(RecurringDoc, owner) == MAX_RULES
