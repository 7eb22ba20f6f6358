"""Savings goals and recurring expenses over HTTP, and the recurring scheduler: each occurrence
made once with two schedulers at work, missed ones caught up after downtime, pauses skipped."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest

from actors.budgets.scheduler import Scheduler
from bus.client import CommandSender
from bus.envelopes import utcnow
from bus.nats_conn import connect_nats
from bus.settings import Settings
from storage.outcomes import stored_outcome
from tests.support.budget_helpers import today
from tests.support.helpers import Account, Stack, eventually
from tests.support.sockets import open_device

pytestmark = pytest.mark.integration

# How long the test's schedulers wait for each command's outcome: one not answered in time is
# left to the next tick, which these tests run only when they choose (a slow machine must not
# look like a scheduler that gives up).
OUTCOME_WAIT_S = 60.0


# ---- goals --------------------------------------------------------------------------------


async def test_goal_progress_movements_and_achieved_once(stack: Stack) -> None:
    ada = await stack.signup("Ada")
    target_date = today() + timedelta(days=69)  # 70 days left, today included
    status, goal = await stack.call(
        "POST",
        "/v1/goals",
        ada,
        json={
            "name": "Bike",
            "target_amount": "700.00",
            "currency": "EUR",
            "target_date": target_date.isoformat(),
        },
    )
    assert status == 201, goal
    gid = goal["id"]
    assert goal["saved"] == "0.00"
    phone = await open_device(stack.base_url, ada.access_token)
    connected_at = await stack.head(ada)  # later events are all sent to the phone
    try:
        status, got = await stack.call("GET", f"/v1/goals/{gid}", ada)
        assert status == 200
        assert got["progress"]["days_left"] == 70
        assert got["progress"]["needed_per_week"] == "70.00"
        assert got["progress"]["needed_per_month"] == "304.37"  # 10/day * 30.436875
        for amount in ("400.00", "350.00"):
            status, body = await stack.call(
                "POST", f"/v1/goals/{gid}/contributions", ada, json={"amount": amount}
            )
            assert status == 200, body
        assert body["saved"] == "750.00"
        assert body["achieved_at"] is not None
        status, body = await stack.call(
            "POST", f"/v1/goals/{gid}/withdrawals", ada, json={"amount": "100.00", "note": "repair"}
        )
        assert status == 200
        assert body["saved"] == "650.00"
        status, body = await stack.call(
            "POST", f"/v1/goals/{gid}/contributions", ada, json={"amount": "100.00"}
        )
        assert body["saved"] == "750.00"
        status, problem = await stack.call(
            "POST", f"/v1/goals/{gid}/withdrawals", ada, json={"amount": "800.00"}
        )
        assert (status, problem["code"]) == (409, "insufficient_savings"), problem
        assert problem["errors"][0]["loc"][-1] == "amount"
        status, problem = await stack.call(
            "POST", f"/v1/goals/{gid}/contributions", ada, json={"amount": "1.001"}
        )
        assert status == 422
        # Every event logged since the phone connected has reached it: the counts are final.
        await phone.wait_for_seqs(f"user:{ada.id}", connected_at, await stack.head(ada))
        assert len(phone.received("goal.achieved")) == 1
        assert len(phone.received("goal.contributed")) == 3
        assert phone.received("goal.withdrawn")[0]["data"]["movement"]["note"] == "repair"
        status, got = await stack.call("GET", f"/v1/goals/{gid}", ada)
        assert got["progress"]["achieved"] is True
        assert got["progress"]["percent"] == "107.1"
        assert got["progress"]["remaining"] == "0.00"
        status, snap = await stack.call(
            "GET", "/v1/sync/snapshot", ada, params={"scope": f"user:{ada.id}"}
        )
        assert status == 200
        assert [g["saved"] for g in snap["state"]["goals"]] == ["750.00"]
        assert snap["state"]["budgets"] == []
        assert snap["state"]["recurring"] == []
    finally:
        await phone.close()


@pytest.mark.parametrize(
    "body",
    [
        {"name": "G", "target_amount": "0", "currency": "EUR"},
        {"name": "G", "target_amount": "-5.00", "currency": "EUR"},
        {"name": "G", "target_amount": "5.001", "currency": "EUR"},
        {"name": "G", "target_amount": "5.00", "currency": "EUR", "extra": 1},
        {"name": "", "target_amount": "5.00", "currency": "EUR"},
    ],
)
async def test_bad_goals_are_refused(stack: Stack, body: dict[str, Any]) -> None:
    ada = await stack.signup("Ada")
    status, problem = await stack.call("POST", "/v1/goals", ada, json=body)
    assert status == 422, problem
    assert problem["errors"], problem


async def test_goals_of_others_are_not_found(stack: Stack) -> None:
    ada, bob = await stack.signup("Ada"), await stack.signup("Bob")
    _, goal = await stack.call(
        "POST", "/v1/goals", ada, json={"name": "G", "target_amount": "10.00", "currency": "EUR"}
    )
    gid = goal["id"]
    for method, path, body in (
        ("GET", f"/v1/goals/{gid}", None),
        ("PATCH", f"/v1/goals/{gid}", {"name": "mine"}),
        ("DELETE", f"/v1/goals/{gid}", None),
        ("POST", f"/v1/goals/{gid}/contributions", {"amount": "1.00"}),
    ):
        status, _ = await stack.call(method, path, bob, json=body)
        assert status == 404, (method, path)
    _, listed = await stack.call("GET", "/v1/goals", bob)
    assert listed["items"] == []


# ---- recurring ----------------------------------------------------------------------------


def rule_body(start: str, **fields: Any) -> dict[str, Any]:
    return {
        "template": {"amount": "9.99", "currency": "EUR", "description": "streaming"},
        "every": 1,
        "unit": "day",
        "start_date": start,
        **fields,
    }


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        (
            {
                "unit": "month",
                "every": 12,
                "day_of_month": 31,
                "month_end": "skip",
                "start_date": "2026-04-01",
            },
            "day_of_month",
        ),
        ({"end_date": "2026-01-01", "start_date": "2026-02-01"}, "end_date"),
        ({"count": 0}, "count"),
        ({"every": 0}, "every"),
        ({"unit": "week", "day_of_month": 3}, "day_of_month"),
        ({"unit": "fortnight"}, "unit"),
        ({"template": {"amount": "0", "currency": "EUR"}}, "amount"),
    ],
)
async def test_bad_rules_are_refused_with_field_errors(
    stack: Stack, fields: dict[str, Any], where: str
) -> None:
    ada = await stack.signup("Ada")
    status, problem = await stack.call(
        "POST", "/v1/recurring", ada, json=rule_body("2026-03-01") | fields
    )
    assert status == 422, problem
    assert any(where in e["loc"] for e in problem["errors"]), problem


async def _schedulers(
    settings: Settings, clock: Any, n: int = 2
) -> tuple[list[Scheduler], list[Any]]:
    made, closers = [], []
    for i in range(n):
        nc = await connect_nats(settings, f"scheduler-{i}")
        sender = CommandSender(nc, f"test-scheduler-{i}-{utcnow().timestamp()}", stored_outcome)
        await sender.start()
        made.append(Scheduler(sender, OUTCOME_WAIT_S, clock=clock))
        closers.append((sender, nc))
    return made, closers


async def _expense_dates(stack: Stack, who: Account) -> Counter[str]:
    status, page = await stack.call("GET", "/v1/expenses", who, params={"limit": "200"})
    assert status == 200
    return Counter(e["date"] for e in page["items"] if e["description"] == "streaming")


async def test_two_schedulers_make_each_occurrence_once_and_catch_up(
    stack: Stack, settings: Settings
) -> None:
    ada = await stack.signup("Ada")
    start = today() - timedelta(days=9)  # ten occurrences are already due: downtime
    status, rule = await stack.call("POST", "/v1/recurring", ada, json=rule_body(start.isoformat()))
    assert status == 201, rule
    assert rule["next_date"] == start.isoformat()
    now: list[datetime] = [utcnow()]
    schedulers, closers = await _schedulers(settings, lambda: now[0])
    try:
        await asyncio.gather(*(s.tick() for s in schedulers), *(s.tick() for s in schedulers))
        expected = Counter((start + timedelta(days=d)).isoformat() for d in range(10))
        await eventually(lambda: _dates_are(stack, ada, expected))
        status, got = await stack.call("GET", f"/v1/recurring/{rule['id']}", ada)
        assert got["made"] == 10
        assert got["next_date"] == (today() + timedelta(days=1)).isoformat()
        await asyncio.gather(*(s.tick() for s in schedulers))  # nothing more is due
        assert await _expense_dates(stack, ada) == expected

        # Paused: the days that pass make nothing; resumed: it goes on from then.
        status, paused = await stack.call("POST", f"/v1/recurring/{rule['id']}/pause", ada)
        assert status == 200
        assert paused["paused"] is True
        now[0] = utcnow() + timedelta(days=3)
        await asyncio.gather(*(s.tick() for s in schedulers))
        assert await _expense_dates(stack, ada) == expected
        _, active = await stack.call("GET", "/v1/recurring", ada, params={"active": "true"})
        assert active["items"] == []
        status, resumed = await stack.call("POST", f"/v1/recurring/{rule['id']}/resume", ada)
        assert status == 200
        assert resumed["next_date"] == (today() + timedelta(days=1)).isoformat()
        # A change of the template after the pause does not bring the skipped days back.
        template = {"amount": "10.99", "currency": "EUR", "description": "streaming"}
        status, changed = await stack.call(
            "PATCH", f"/v1/recurring/{rule['id']}", ada, json={"template": template}
        )
        assert status == 200, changed
        assert changed["next_date"] == resumed["next_date"]
        await asyncio.gather(*(s.tick() for s in schedulers))
        expected.update((today() + timedelta(days=d)).isoformat() for d in (1, 2, 3))
        await eventually(lambda: _dates_are(stack, ada, expected))
        _, active = await stack.call("GET", "/v1/recurring", ada, params={"active": "true"})
        assert [r["id"] for r in active["items"]] == [rule["id"]]
        assert active["items"][0]["made"] == 13
    finally:
        for sender, nc in closers:
            await sender.stop()
            await nc.close()


async def test_a_rule_with_a_count_ends_and_a_refused_occurrence_is_reported(
    stack: Stack, settings: Settings
) -> None:
    ada = await stack.signup("Ada")
    _, cats = await stack.call("GET", "/v1/categories", ada)
    category = cats["items"][0]
    start = today() - timedelta(days=4)
    body = rule_body(start.isoformat(), count=3, every=2)  # start, +2, +4: all due
    body["template"]["category_id"] = category["id"]
    status, rule = await stack.call("POST", "/v1/recurring", ada, json=body)
    assert status == 201, rule
    # The category is archived before the scheduler runs: the occurrences are refused.
    status, archived = await stack.call("DELETE", f"/v1/categories/{category['id']}", ada)
    assert status == 200, archived  # archived before the scheduler looks
    schedulers, closers = await _schedulers(settings, utcnow, 1)
    try:
        await schedulers[0].tick()
        status, got = await stack.call("GET", f"/v1/recurring/{rule['id']}", ada)
        assert got["next_date"] is None  # ended after its three occurrences
        assert got["made"] == 0
        assert "archived" in got["last_error"]
        assert await _expense_dates(stack, ada) == Counter()
    finally:
        for sender, nc in closers:
            await sender.stop()
            await nc.close()


async def _dates_are(stack: Stack, who: Account, expected: Counter[str]) -> bool:
    return await _expense_dates(stack, who) == expected


async def test_rules_of_others_are_not_found(stack: Stack) -> None:
    ada, bob = await stack.signup("Ada"), await stack.signup("Bob")
    _, rule = await stack.call("POST", "/v1/recurring", ada, json=rule_body("2030-01-01"))
    for method, path in (
        ("GET", f"/v1/recurring/{rule['id']}"),
        ("POST", f"/v1/recurring/{rule['id']}/pause"),
        ("DELETE", f"/v1/recurring/{rule['id']}"),
    ):
        status, _ = await stack.call(method, path, bob)
        assert status == 404, (method, path)
