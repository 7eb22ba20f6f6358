"""A batch of events reads its budgets, tallies and push devices once for all its keys, and its
reactions then find in the identity map exactly what their own reads would have found: the same
documents in the same order, what the batch staged included, what is removed or deleted left
out. Against the real MongoDB-wire server, inside a transaction as a batch makes them; the
database commands are counted by the client's own listener (``storage.db_metrics``)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

import pytest
from prometheus_client import REGISTRY
from pymongo.asynchronous.client_session import AsyncClientSession

from actors.budgets.budget_lookups import preload_scopes, scope_budgets
from actors.notifications.push_devices import live_devices, preload_devices
from storage.budgets import BudgetDoc, BudgetTallyDoc
from storage.command_work import CommandWork
from storage.database import Database
from storage.preloads import ids_by_key
from storage.push_devices import PushDeviceDoc
from storage.staging import to_bson
from storage.transactions import in_transaction
from storage.unit_of_work import BatchWork

pytestmark = pytest.mark.integration
NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)
T = TypeVar("T")


def _budget(ident: str, scope: str, deleted: bool = False) -> BudgetDoc:
    return BudgetDoc(
        id=ident,
        scope=scope,
        owner_id=scope.partition(":")[2],
        name=ident,
        amount=Decimal("100"),
        currency="EUR",
        period="monthly",
        starts_on="2026-12-01",
        timezone="UTC",
        thresholds=[50, 100],
        version=1,
        deleted=deleted,
        created_at=NOW,
        updated_at=NOW,
    )


def _device(ident: str, user: str, removed: bool = False) -> PushDeviceDoc:
    return PushDeviceDoc(
        id=ident,
        user_id=user,
        provider="fcm",
        token=f"token-{ident}",
        created_at=NOW,
        removed_at=NOW if removed else None,
    )


def _reads(collection: str) -> float:
    labels = {"collection": collection, "command": "find", "outcome": "ok"}
    return REGISTRY.get_sample_value("ledgerbus_db_commands_total", labels) or 0.0


async def _in_batch(
    database: Database, run: Callable[[BatchWork, CommandWork], Awaitable[T]]
) -> T:
    async def attempt(session: AsyncClientSession) -> T:
        batch = BatchWork(session, None, {})
        return await run(batch, CommandWork(batch, "c1", "expense.created", None, "h", NOW))

    return await in_transaction(database.client, attempt)


async def test_one_query_finds_each_keys_documents_as_its_own_query_would(
    database: Database,
) -> None:
    run = uuid.uuid4().hex[:8]
    ann, bob, cy = (f"user:{name}-{run}" for name in ("ann", "bob", "cy"))
    docs = [
        _budget(f"{run}-b3", ann),
        _budget(f"{run}-b1", ann),
        _budget(f"{run}-b2", ann, deleted=True),
        _budget(f"{run}-b4", bob),
    ]
    await BudgetDoc.get_pymongo_collection().insert_many([to_bson(d) for d in docs])
    live = {"deleted": False}

    async def both(batch: BatchWork, _: CommandWork) -> tuple[Any, ...]:
        together = await ids_by_key(batch, BudgetDoc, "scope", [ann, bob, cy, ann], live, 10)
        alone = {
            scope: await batch.find_ids(BudgetDoc, {"scope": scope, **live}, 10)
            for scope in (ann, bob, cy)
        }
        cut = await ids_by_key(batch, BudgetDoc, "scope", [ann, bob], live, 1)
        return together, alone, cut

    together, alone, cut = await _in_batch(database, both)
    assert together == {ann: [f"{run}-b1", f"{run}-b3"], bob: [f"{run}-b4"], cy: []}
    assert together == alone
    assert cut is None  # ann has two where one was asked: each key is left to its own read


async def test_a_batchs_budgets_and_tallies_are_read_once_for_all_its_scopes(
    database: Database,
) -> None:
    run = uuid.uuid4().hex[:8]
    ann, bob = f"user:ann-{run}", f"user:bob-{run}"
    docs = [_budget(f"{run}-a1", ann), _budget(f"{run}-a2", ann), _budget(f"{run}-b1", bob)]
    await BudgetDoc.get_pymongo_collection().insert_many([to_bson(d) for d in docs])
    tally = BudgetTallyDoc(id=f"{run}-a1", scope=ann, periods={}, version=4, updated_at=NOW)
    await BudgetTallyDoc.get_pymongo_collection().insert_one(to_bson(tally))

    async def preloaded(batch: BatchWork, work: CommandWork) -> tuple[Any, ...]:
        await preload_scopes(batch, [ann, bob, ann])
        work.put(_budget(f"{run}-a0", ann))  # a budget made earlier in the same batch
        before = (_reads("budgets"), _reads("budget_tallies"))
        found = {scope: [b.id for b in await scope_budgets(work, scope)] for scope in (ann, bob)}
        tallies = [await work.get(BudgetTallyDoc, i) for i in (f"{run}-a1", f"{run}-a2")]
        after = (_reads("budgets"), _reads("budget_tallies"))
        return found, tallies, before, after

    found, tallies, before, after = await _in_batch(database, preloaded)
    assert found == {ann: [f"{run}-a1", f"{run}-a2", f"{run}-a0"], bob: [f"{run}-b1"]}
    assert tallies[0] is not None
    assert tallies[0].version == 4
    assert tallies[1] is None  # known not to exist: not read again
    assert after == before  # no read of budgets or tallies once the batch preloaded them


async def test_a_batchs_recipients_push_devices_are_read_once_and_stay_current(
    database: Database,
) -> None:
    run = uuid.uuid4().hex[:8]
    ann, bob = f"ann-{run}", f"bob-{run}"
    devices = [
        _device(f"{run}-d2", ann),
        _device(f"{run}-d1", ann),
        _device(f"{run}-d3", ann, removed=True),
        _device(f"{run}-d4", bob),
    ]
    await PushDeviceDoc.get_pymongo_collection().insert_many([to_bson(d) for d in devices])

    async def preloaded(batch: BatchWork, work: CommandWork) -> tuple[Any, ...]:
        await preload_devices(batch, [ann, bob])
        work.put(_device(f"{run}-d5", ann))  # registered earlier in the same batch
        gone = await work.get(PushDeviceDoc, f"{run}-d4")
        assert gone is not None
        work.put(gone.model_copy(update={"removed_at": NOW}))  # and bob's removed
        before = _reads("push_devices")
        found = {who: [d.id for d in await live_devices(work, who)] for who in (ann, bob)}
        return found, before, _reads("push_devices")

    found, before, after = await _in_batch(database, preloaded)
    assert found == {ann: [f"{run}-d1", f"{run}-d2", f"{run}-d5"], bob: []}
    assert after == before
