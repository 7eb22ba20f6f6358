"""The baselines' write: one command's documents, written the plain way, one transaction each.

The documents are the ones the bus path writes for ``expense.create`` (the expense, the
processed-command record with its outcome, the event in the scope's log, and a ``$inc`` of the
scope's counter), built from the same models; each goes in with Beanie's ``insert``, as a
request handler of a seed project would write them. There is no bus, so the event is stored
as already published (the stack's outbox relay must not pick it up).
"""

from __future__ import annotations

from dataclasses import dataclass

from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession

from actors.changes import change_data, new_entity_id
from actors.expenses.expenses import new_expense_doc
from bus.client import body_hash
from bus.entities import Expense
from bus.envelopes import Outcome, utcnow
from bus.expense_commands import CreateExpense
from bus.ids import new_id
from storage.database import Database
from storage.documents import EventRecord, ProcessedCommand, ScopeCounter
from storage.ledger import ExpenseDoc
from storage.transactions import in_transaction
from storage.views import expense_entity

COMMAND_TYPE = "expense.create"


@dataclass(frozen=True)
class Written:
    """What one write produced: the client-visible expense and the command's id."""

    expense: Expense
    command_id: str


def _expense_doc(owner: str, p: CreateExpense, command_id: str) -> ExpenseDoc:
    """The same stored expense the bus path writes (built by the expenses actor's own function)."""
    return new_expense_doc(new_entity_id("expense", command_id, p.id), owner, p, utcnow())


async def write_expense(database: Database, owner: str, payload: CreateExpense) -> Written:
    """Create one expense of ``owner`` with its bookkeeping, in one (retried) transaction."""
    command_id = new_id()
    data = payload.model_dump(mode="json", exclude_unset=True)
    digest = body_hash(COMMAND_TYPE, data, None)

    async def work(session: AsyncClientSession) -> Written:
        doc = _expense_doc(owner, payload, command_id)
        entity = expense_entity(doc)
        event_id = new_id()
        await doc.insert(session=session)
        counter = await ScopeCounter.get_pymongo_collection().find_one_and_update(
            {"_id": doc.scope},
            {"$inc": {"seq": 1}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
            session=session,
        )
        if counter is None:  # cannot happen with upsert and ReturnDocument.AFTER
            raise RuntimeError(f"no counter for {doc.scope}")
        outcome = Outcome(
            command_id=command_id,
            type=COMMAND_TYPE,
            issuer=owner,
            status="accepted",
            entity=entity.model_dump(mode="json"),
            version=1,
            event_ids=[event_id],
            completed_at=doc.created_at,
        )
        await ProcessedCommand(
            id=command_id,
            type=COMMAND_TYPE,
            issuer=owner,
            body_hash=digest,
            outcome=outcome.model_dump(mode="json"),
            processed_at=doc.created_at,
        ).insert(session=session)
        await EventRecord(
            id=event_id,
            scope=doc.scope,
            seq=int(counter["seq"]),
            type="expense.created",
            command_id=command_id,
            occurred_at=doc.created_at,
            data=change_data(entity),
            published=True,
        ).insert(session=session)
        return Written(entity, command_id)

    return await in_transaction(database.client, work)
