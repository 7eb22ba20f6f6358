"""Many devices hammering one group at once, with two splits processes on the same consumer:
no update is lost, the nets always sum to zero, and the running balances equal a fold of the
group's event log."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from actors.app import ActorProcess
from actors.splits import SPLITS
from actors.splits.history import replay
from bus.settings import Settings
from storage.database import Database
from storage.group_reads import entry_changes
from tests.support.group_helpers import balances, make_group, nets, zero_sum
from tests.support.helpers import Account, Stack

pytestmark = pytest.mark.integration

DEVICES = 8
ROUNDS = 12


def _bill(rng: random.Random, members: list[Account]) -> dict[str, Any]:
    amount = Decimal(rng.randint(100, 20_000)) / 100
    payers = rng.sample(members, rng.randint(1, 2))
    first = (amount / 2).quantize(Decimal("0.01")) if len(payers) == 2 else amount
    paid_by = [{"user_id": payers[0].id, "amount": str(first)}]
    if len(payers) == 2:
        paid_by.append({"user_id": payers[1].id, "amount": str(amount - first)})
    chosen = rng.sample(members, rng.randint(2, len(members)))
    method = rng.choice(["equal", "shares"])
    split: dict[str, Any] = (
        {"method": "equal", "members": [m.id for m in chosen]}
        if method == "equal"
        else {
            "method": "shares",
            "shares": [{"user_id": m.id, "value": str(rng.randint(1, 4))} for m in chosen],
        }
    )
    return {
        "amount": str(amount),
        "currency": rng.choice(["EUR", "EUR", "USD"]),
        "date": "2026-11-0" + str(rng.randint(1, 9)),
        "description": "hammer",
        "paid_by": paid_by,
        "split": split,
    }


async def _device(
    stack: Stack,
    me: Account,
    members: list[Account],
    gid: str,
    seed: int,
    mine: list[dict[str, Any]],
) -> dict[str, int]:
    """One phone: adds, edits, deletes and settles, on the bills its person shares with their
    other phone (``mine``), so edits and deletes race each other."""
    rng = random.Random(seed)
    seen = {"created": 0, "edited": 0, "deleted": 0, "settled": 0, "conflicts": 0}
    for _ in range(ROUNDS):
        action = rng.choice(["add", "add", "edit", "delete", "settle"])
        if action == "add" or not mine:
            status, body = await stack.call(
                "POST", f"/v1/groups/{gid}/expenses", me, json=_bill(rng, members)
            )
            assert status == 201, body
            mine.append(body)
            seen["created"] += 1
        elif action == "edit":
            target = rng.choice(mine)
            change = {"description": f"edited {rng.random():.3f}", **_bill(rng, members)}
            status, body = await stack.call(
                "PATCH",
                f"/v1/groups/{gid}/expenses/{target['id']}",
                me,
                json={**change, "expected_version": target["version"]},
            )
            if status in (404, 409):  # the other phone got there first: the server's copy wins
                seen["conflicts"] += 1
                if target in mine:
                    mine.remove(target)
                if status == 409 and not body["current"]["deleted"]:
                    mine.append(body["current"])
                continue
            assert status == 200, body
            if target in mine:
                mine.remove(target)
            mine.append(body)
            seen["edited"] += 1
        elif action == "delete":
            target = mine.pop(rng.randrange(len(mine)))
            status, body = await stack.call(
                "DELETE",
                f"/v1/groups/{gid}/expenses/{target['id']}",
                me,
                headers={"If-Match": f'"{target["version"]}"'},
            )
            assert status in (200, 404, 409), body
            if status == 409 and not body["current"]["deleted"]:
                mine.append(body["current"])
            seen["deleted" if status == 200 else "conflicts"] += 1
        else:
            other = rng.choice([m for m in members if m.id != me.id])
            status, body = await stack.call(
                "POST",
                f"/v1/groups/{gid}/settlements",
                me,
                json={"from_user": me.id, "to_user": other.id, "amount": "5.00", "currency": "EUR"},
            )
            assert status == 201, body
            seen["settled"] += 1
    return seen


async def test_concurrent_devices_never_break_the_balances(
    stack: Stack, settings: Settings, database: Database
) -> None:
    people = [await stack.signup(f"P{n}") for n in range(5)]
    group = await make_group(stack, people[0], *people[1:])
    gid = group["id"]
    second = ActorProcess(SPLITS, settings, database)  # operators scale an actor this way
    await second.start()
    try:
        shared: dict[str, list[dict[str, Any]]] = {p.id: [] for p in people}
        phones = [people[n % len(people)] for n in range(DEVICES)]  # some people have two
        counts = await asyncio.gather(
            *(_device(stack, me, people, gid, n, shared[me.id]) for n, me in enumerate(phones))
        )
    finally:
        await second.stop()
    created = sum(c["created"] for c in counts)
    deleted = sum(c["deleted"] for c in counts)
    settled = sum(c["settled"] for c in counts)
    status, listed = await stack.call(
        "GET", f"/v1/groups/{gid}/expenses", people[0], params={"limit": "200"}
    )
    assert status == 200
    assert len(listed["items"]) == created - deleted  # no update lost, none applied twice
    status, payments = await stack.call(
        "GET", f"/v1/groups/{gid}/settlements", people[0], params={"limit": "200"}
    )
    assert len(payments["items"]) == settled
    now = await balances(stack, people[1], gid)
    assert zero_sum(now)
    folded = replay(await entry_changes(gid, datetime(2100, 1, 1, tzinfo=UTC)))
    assert nets(now) == {(u, c): n for u, c, n in folded.member_nets()}
    assert [(d["from"], d["to"], Decimal(d["amount"]), d["currency"]) for d in now["debts"]] == [
        (t.from_user, t.to_user, t.amount, t.currency) for t in folded.debts()
    ]
    # Each listed expense's own shares agree with what it contributes.
    for item in listed["items"]:
        paid = sum(Decimal(s["paid_share"]) for s in item["balance_shares"])
        owed = sum(Decimal(s["owed_share"]) for s in item["balance_shares"])
        assert paid == owed
