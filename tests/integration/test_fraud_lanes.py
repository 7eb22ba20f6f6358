"""Where a fraud event is scored: one person's events (personal expenses and the group bills
they issue) in one lane of one process, whichever process pulled them, and the keys of a
process that leaves owned by the others at once.

The lane and owner rules are checked as pure functions; the hand-over between processes runs
against the real servers: a second fraud process beside the test stack's own.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from actors.app import ActorProcess
from actors.applier import lane_index, lane_key
from actors.fraud import FRAUD
from actors.fraud.facts import Observation
from actors.fraud.profile import Profile
from actors.fraud.risks import _category_name
from actors.fraud.runtime import FraudRuntime, ProfileCache, owner_of
from actors.inbound import Inbound, Peers, decode, owner_node
from bus.envelopes import Event
from bus.ids import new_id, user_scope
from bus.settings import Settings
from bus.subjects import event_subject
from storage.database import Database
from storage.documents import DeadLetter
from storage.fraud import RiskDoc
from storage.ledger import CategoryDoc
from tests.support.helpers import Account, Stack, eventually


def _event(scope: str, event_type: str, entity: dict[str, Any]) -> Event:
    return Event(
        event_id=new_id(),
        type=event_type,
        schema_version=1,
        command_id=new_id(),
        scope=scope,
        seq=1,
        occurred_at=datetime.now(UTC),
        data={"entity": entity},
    )


class _Msg:
    """What ``decode`` reads of a pulled message."""

    def __init__(self, event: Event) -> None:
        self.subject = event_subject(event.scope, event.type)
        self.data = event.model_dump_json().encode()


def _inbound(event: Event) -> Inbound:
    return decode(_Msg(event), "fraud")  # type: ignore[arg-type]


def test_a_group_bill_runs_in_the_lane_of_its_issuers_personal_expenses() -> None:
    runtime = FraudRuntime(Settings())
    personal = _event("user:ann", "expense.created", {"id": "e1"})
    bill = _event("group:g1", "group_expense.created", {"id": "b1", "created_by": "ann"})
    other = _event("group:g1", "group_expense.created", {"id": "b2", "created_by": "bob"})
    assert (owner_of(personal), owner_of(bill), owner_of(other)) == ("ann", "ann", "bob")
    keys = [lane_key(runtime, _inbound(e)) for e in (personal, bill)]
    assert keys == ["user:ann", "user:ann"]
    for lanes in (2, 3, 8):
        assert lane_index(keys[0], lanes) == lane_index(keys[1], lanes)
    assert lane_key(None, _inbound(bill)) == "group:g1"  # an actor without keys: the scope


def test_an_event_without_an_issuer_runs_in_its_scope_owners_lane() -> None:
    runtime = FraudRuntime(Settings())
    receipt = _event("user:ann", "receipt.scanned", {"id": "r1"})
    odd = _event("group:g1", "group_expense.created", {"id": "b1", "created_by": 7})
    assert lane_key(runtime, _inbound(receipt)) == "user:ann"
    assert lane_key(runtime, _inbound(odd)) == "group:g1"


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_each_key_has_one_owner_and_only_a_leavers_keys_move() -> None:
    keys = [f"person-{n}" for n in range(400)]
    two = {k: owner_node(k, ["a", "b"]) for k in keys}
    three = {k: owner_node(k, ["a", "b", "c"]) for k in keys}
    assert set(two.values()) == {"a", "b"}
    assert 120 < sum(1 for k in keys if two[k] == "a") < 280  # shared, roughly evenly
    moved = [k for k in keys if two[k] != three[k]]
    assert moved
    assert all(three[k] == "c" for k in moved)  # a newcomer takes, nobody swaps


def test_a_silent_peer_is_forgotten_and_one_saying_goodbye_at_once() -> None:
    clock = _Clock()
    peers = Peers("a", clock, ttl_s=3.5)
    peers.heard("b")
    peers.heard("c")
    assert sorted(peers.live()) == ["a", "b", "c"]
    peers.heard("c", bye=True)
    assert sorted(peers.live()) == ["a", "b"]
    clock.now += 3.6
    assert peers.live() == ["a"]
    assert all(peers.owner(f"k{n}") == "a" for n in range(50))


def test_a_cached_profile_is_used_only_for_the_revision_it_was_made_for() -> None:
    cache = ProfileCache(size=2)
    ann, bob, cy = Profile("ann"), Profile("bob"), Profile("cy")
    cache.put("ann", "r1", ann)
    assert cache.get("ann", "r1") is ann
    assert cache.get("ann", "r2") is None  # written since by someone else
    assert cache.get("ann", None) is None  # a profile stored before revisions
    cache.put("bob", "r1", bob)
    cache.get("ann", "r1")  # ann used last: bob goes first
    cache.put("cy", "r1", cy)
    assert (cache.get("bob", "r1"), cache.get("cy", "r1")) == (None, cy)
    assert len(cache) == 2


# --- two processes, on the real servers ----------------------------------------------------


@pytest.fixture
def second_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"node_id": f"second-{new_id()[:8]}"})


async def _expense(stack: Stack, who: Account, n: int) -> str:
    body = {
        "amount": f"{10 + n}.50",
        "currency": "EUR",
        "date": "2026-11-20",
        "merchant": f"Shop {n}",
        "description": f"Shop {n}",
    }
    status, created = await stack.call("POST", "/v1/expenses", who, json=body)
    assert status in (201, 202), created
    return str(created["id"])


async def _scored(ids: list[str]) -> None:
    keys = [f"expense:{i}" for i in ids]

    async def all_there() -> bool | None:
        found = await RiskDoc.find({"_id": {"$in": keys}, "expense_version": 1}).count()
        return found == len(ids) or None

    await eventually(all_there)


@pytest.mark.integration
async def test_two_fraud_processes_score_each_person_in_the_one_that_owns_them(
    stack: Stack, settings: Settings, second_settings: Settings, database: Database
) -> None:
    second = ActorProcess(FRAUD, second_settings, database)
    await second.start()
    try:
        peers = second.peers
        assert peers is not None

        async def knows_the_first() -> bool | None:
            return settings.node_id in peers.live() or None

        await eventually(knows_the_first)
        nodes = [settings.node_id, second_settings.node_id]
        people: list[Account] = []
        while len(people) < 40:  # until each process owns 3 of them (ids are random)
            people.append(await stack.signup())
            owners = [owner_node(user_scope(p.id), nodes) for p in people]
            if min(owners.count(node) for node in nodes) >= 3:
                break
        mine = {
            p.id for p in people if owner_node(user_scope(p.id), nodes) == second_settings.node_id
        }
        assert 3 <= len(mine) <= len(people) - 3
        ids = [await _expense(stack, p, n) for n in range(3) for p in people]
        await _scored(ids)
        runtime = second.runtime
        assert isinstance(runtime, FraudRuntime)
        scored_here = {owner for owner in (p.id for p in people) if owner in runtime.profiles}
        assert scored_here <= mine  # never a person another live process owns
        assert await DeadLetter.find({"consumer": "fraud"}).count() == 0

        # it leaves (a drain and a goodbye): its people's next expenses are scored by the other
        await second.stop()
        later = [await _expense(stack, p, 9) for p in people if p.id in mine]
        await _scored(later)
    finally:
        await second.stop()


class _Categories:
    """The one read ``_category_name`` makes, from a dict."""

    def __init__(self, docs: dict[str, CategoryDoc]) -> None:
        self._docs = docs

    async def get(self, model: type[CategoryDoc], ident: str) -> CategoryDoc | None:
        assert model is CategoryDoc
        return self._docs.get(ident)


def _observation(kind: str, owner: str, category: str | None) -> Observation:
    moment = datetime(2026, 11, 20, 12, tzinfo=UTC)
    return Observation(
        expense_id="e1",
        kind=kind,  # type: ignore[arg-type]
        owner=owner,
        group_id="g1" if kind == "group_expense" else None,
        version=1,
        spending=True,
        amount=Decimal("12.50"),
        currency="EUR",
        value=Decimal("12.50"),
        category=category,
        merchant="shop",
        merchant_name="Shop",
        day=moment.date(),
        occurred_at=None,
        recorded_at=moment,
        trip_id=None,
        receipt_id=None,
    )


async def test_the_category_name_is_the_owners_category_or_the_bills_label() -> None:
    food = CategoryDoc.model_construct(id="c1", owner_id="ann", name="Food & Drink", version=1)
    work: Any = _Categories({"c1": food})
    assert await _category_name(work, _observation("expense", "ann", "c1")) == "Food & Drink"
    assert await _category_name(work, _observation("expense", "bob", "c1")) is None  # not his
    assert await _category_name(work, _observation("expense", "ann", "gone")) is None
    assert await _category_name(work, _observation("expense", "ann", None)) is None
    bill = _observation("group_expense", "ann", "group:g1:dinner: friday")
    assert await _category_name(work, bill) == "dinner: friday"
    assert await _category_name(work, _observation("group_expense", "ann", "group:g1:")) is None
