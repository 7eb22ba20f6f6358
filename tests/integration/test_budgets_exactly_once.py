"""Budgets under load: expenses written concurrently, every expense event delivered twice, and a
second budgets process on the same consumers — each alert still fires once, and a rebuild from
the event log matches the live tallies (and reports exactly a corrupted one)."""

from __future__ import annotations

import asyncio
import io
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from actors.app import ActorProcess
from actors.budgets import BUDGETS
from bus.envelopes import Event
from bus.nats_conn import connect_nats
from bus.settings import Settings
from bus.subjects import event_subject
from deploy.rebuild import rebuild_budgets
from storage.budgets import BudgetTallyDoc
from storage.database import Database
from storage.documents import EventRecord
from tests.support.budget_helpers import make_budget, spend, spent_is, status_of
from tests.support.helpers import Stack, eventually
from tests.support.sockets import open_device

pytestmark = pytest.mark.integration

THRESHOLDS = [10, 25, 50, 75, 90, 100]


async def _deliver_again(settings: Settings, scope: str) -> int:
    """Publish every expense event of ``scope`` once more, under a new message id, as a relay
    that lost track of what it published would: each reaches the budgets consumers twice."""
    nc = await connect_nats(settings, "redeliver")
    js = nc.jetstream()
    sent = 0
    try:
        cursor = EventRecord.get_pymongo_collection().find(
            {"scope": scope, "type": {"$regex": r"^expense\."}}
        )
        async for row in cursor:
            event = Event(
                event_id=row["_id"],
                type=row["type"],
                command_id=row["command_id"],
                scope=row["scope"],
                seq=row["seq"],
                occurred_at=row["occurred_at"],
                data=row["data"],
            )
            await js.publish(
                event_subject(scope, event.type),
                event.model_dump_json().encode(),
                headers={"Nats-Msg-Id": f"{event.event_id}:again"},
            )
            sent += 1
    finally:
        await nc.close()
    return sent


async def _alerts_in_log(scope: str, budget_id: str) -> Counter[Any]:
    cursor = EventRecord.get_pymongo_collection().find(
        {"scope": scope, "type": {"$in": ["budget.threshold_crossed", "budget.exceeded"]}}
    )
    return Counter(
        [
            (row["type"], row["data"]["entity"]["threshold"])
            async for row in cursor
            if row["data"]["entity"]["budget_id"] == budget_id
        ]
    )


async def test_alerts_fire_once_under_concurrency_and_redelivery_and_rebuild_matches(
    stack: Stack, settings: Settings, database: Database
) -> None:
    ada = await stack.signup("Ada")
    scope = f"user:{ada.id}"
    second = ActorProcess(BUDGETS, settings, database)  # another process on the same consumers
    await second.start()
    phone = await open_device(stack.base_url, ada.access_token)
    connected_at = await stack.head(ada)  # later events are all sent to the phone
    try:
        budget = await make_budget(stack, ada, "200.00", thresholds=THRESHOLDS)
        small = await make_budget(stack, ada, "50.00", name="small", thresholds=[50])
        bid = budget["id"]
        # 30 expenses at once (120.00 = 60 %), then every event delivered a second time.
        first = await asyncio.gather(*(spend(stack, ada, "4.00") for _ in range(30)))
        assert await _deliver_again(settings, scope) == 30
        await eventually(lambda: spent_is(stack, ada, bid, "120.00"))
        # An edit drops spending below 50 % (and 25 %), then concurrent expenses cross again.
        await stack.call("PATCH", f"/v1/expenses/{first[0]['id']}", ada, json={"amount": "0.01"})
        await eventually(lambda: spent_is(stack, ada, bid, "116.01"))
        deletes = [stack.call("DELETE", f"/v1/expenses/{e['id']}", ada) for e in first[1:20]]
        await asyncio.gather(*deletes)
        await eventually(lambda: spent_is(stack, ada, bid, "40.01"))  # 20 %
        await asyncio.gather(*(spend(stack, ada, "8.00") for _ in range(25)))  # +200 %
        assert await _deliver_again(settings, scope) == 75  # 55 created, 1 updated, 19 deleted
        await eventually(lambda: spent_is(stack, ada, bid, "240.01"))

        status = await status_of(stack, ada, bid)
        assert status["thresholds_crossed"] == THRESHOLDS
        assert status["exceeded"] is True
        assert status["expenses_counted"] == 36
        alerts = await _alerts_in_log(scope, bid)
        assert alerts == Counter(
            {
                **{("budget.threshold_crossed", t): 1 for t in THRESHOLDS},
                ("budget.exceeded", None): 1,
            }
        )
        await eventually(lambda: _phone_saw_all(phone, bid))
        # Every event logged since the phone connected has reached it: the alerts are all there.
        await phone.wait_for_seqs(scope, connected_at, await stack.head(ada))
        crossed = [
            e["data"]["entity"]["threshold"]
            for e in phone.received("budget.threshold_crossed")
            if e["data"]["entity"]["budget_id"] == bid
        ]
        assert sorted(crossed) == THRESHOLDS

        # A rebuild from the event log agrees with the live tallies...
        out = io.StringIO()
        report = await rebuild_budgets(settings, out, database)
        mine = [d for d in report.differences if d.budget_id in (bid, small["id"])]
        assert mine == [], out.getvalue()
        # ...and reports exactly one corrupted period of one budget.
        tally = await BudgetTallyDoc.get(bid)
        assert tally is not None
        [key] = tally.periods
        tally.periods[key]["spent"] = str(Decimal(tally.periods[key]["spent"]) + 1)
        await tally.save()
        out = io.StringIO()
        report = await rebuild_budgets(settings, out, database)
        mine = [d for d in report.differences if d.budget_id in (bid, small["id"])]
        assert [d.budget_id for d in mine] == [bid], out.getvalue()
        assert f"period {key}: live 241.01 from 36 expense(s), log 240.01 from 36" in str(mine[0])
    finally:
        await phone.close()
        await second.stop()


async def _phone_saw_all(phone: Any, budget_id: str) -> bool:
    mine = [
        e
        for e in phone.received("budget.threshold_crossed")
        if e["data"]["entity"]["budget_id"] == budget_id
    ]
    return len(mine) >= len(THRESHOLDS) and bool(phone.received("budget.exceeded"))
