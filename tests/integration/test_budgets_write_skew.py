"""A budget counted afresh and an expense applied at the same moment, on the real database:
the two transactions conflict (one retries) instead of each missing the other."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import PyMongoError

from actors.budgets import BUDGETS
from actors.budgets.runtime import BudgetsRuntime
from actors.inbound import Inbound
from actors.outcomes import Applied, apply_one
from bus.envelopes import ActorRef, Command, Event
from bus.ids import derived_id
from bus.settings import Settings
from storage.budgets import BudgetTallyDoc
from storage.database import Database
from storage.groups import GroupDoc
from storage.transactions import StaleWrite, in_transaction
from storage.unit_of_work import BatchWork

pytestmark = pytest.mark.integration


class SameCurrency(BudgetsRuntime):
    """The runtime as handlers see it, without a rate book (every amount here is in EUR)."""

    def __init__(self) -> None:
        pass

    def convert(self, amount: Decimal, frm: str, to: str, on: Any) -> Decimal | None:
        return amount if frm == to else None


def _command(command_type: str, payload: dict[str, Any], user: str) -> Command:
    return Command(
        command_id=str(uuid.uuid4()),
        type=command_type,
        actor=ActorRef(user_id=user),
        issued_at=datetime.now(UTC),
        body_hash=str(uuid.uuid4()),
        payload=payload,
    )


async def _stage(session: AsyncClientSession, item: Inbound) -> tuple[BatchWork, Applied]:
    batch = BatchWork(session, SameCurrency(), {})
    return batch, await apply_one(BUDGETS, batch, item, {}, datetime.now(UTC))


async def _commit(database: Database, item: Inbound) -> Applied:
    async def attempt(session: AsyncClientSession) -> Applied:
        batch, applied = await _stage(session, item)
        await batch.flush()
        return applied

    return await in_transaction(database.client, attempt)


async def test_a_recount_racing_an_expense_event_conflicts_and_counts_it(
    settings: Settings, database: Database
) -> None:
    now = datetime.now(UTC)
    owner, group_id, budget_id = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    await GroupDoc(
        id=group_id,
        scope=f"group:{group_id}",
        name="trip",
        currency="EUR",
        timezone="UTC",
        settings={},
        members=[{"user_id": owner, "role": "owner", "name": "A", "joined_at": now}],
        member_ids=[owner],
        version=1,
        created_at=now,
        updated_at=now,
    ).insert()
    create = _command(
        "budget.create",
        {
            "id": budget_id,
            "group_id": group_id,
            "name": "trip",
            "amount": "100.00",
            "currency": "EUR",
            "categories": ["food"],
        },
        owner,
    )
    assert (await _commit(database, Inbound(None, create))).outcome.status == "accepted"  # type: ignore[arg-type,union-attr]

    # A: the budget now counts travel too, so it recounts what it has seen (nothing yet)...
    widen = _command("budget.update", {"id": budget_id, "categories": ["food", "travel"]}, owner)
    event = Event(
        event_id=str(uuid.uuid4()),
        type="group_expense.created",
        command_id=str(uuid.uuid4()),
        scope=f"group:{group_id}",
        seq=1,
        occurred_at=now,
        data={
            "entity": {
                "id": str(uuid.uuid4()),
                "version": 1,
                "date": now.date().isoformat(),
                "amount": "40.00",
                "currency": "EUR",
                "category": "Travel",
                "group_amount": "40.00",
                "group_currency": "EUR",
            }
        },
    )
    reaction = Command(
        command_id=derived_id("budgets", event.event_id),
        type=event.type,
        actor=ActorRef(user_id=None),
        issued_at=now,
        body_hash=event.event_id,
        payload={},
    )
    async with database.client.start_session() as session:
        await session.start_transaction()
        staged, applied = await _stage(session, Inbound(None, widen))  # type: ignore[arg-type]
        assert applied.outcome is not None
        assert applied.outcome.status == "accepted"
        # ...while B applies a travel expense under the old rules and commits first.
        assert (await _commit(database, Inbound(None, reaction, event))).outcome is not None  # type: ignore[arg-type]

        async def finish() -> None:
            await staged.flush()
            await session.commit_transaction()

        with pytest.raises((StaleWrite, PyMongoError)):
            await finish()
    # The applier runs A again from scratch: now it sees the expense.
    assert (await _commit(database, Inbound(None, widen))).outcome is not None  # type: ignore[arg-type]
    tally = await BudgetTallyDoc.get(budget_id)
    assert tally is not None
    [(key, period)] = tally.periods.items()
    assert key == now.date().replace(day=1).isoformat()
    assert period["spent"] == "40.00"
    assert period["counted"] == 1
