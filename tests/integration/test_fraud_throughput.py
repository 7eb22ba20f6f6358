"""What keeps the fraud actor scoring as fast as expenses are applied: a profile the process
parsed already is read without its data, reads of a batch copy only what can change, and the
fraud actor's batches are shaped by settings of its own.

The copies and the settings are checked without a database; the profile reads against the
real MongoDB-wire server, inside a transaction as a batch makes them.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pymongo.asynchronous.client_session import AsyncClientSession

from actors.fraud.profile import Profile, dump_profile
from actors.fraud.runtime import FraudRuntime
from actors.fraud.store import profile_of
from actors.kernel import ShapesBatches
from bus.envelopes import Event
from bus.settings import Settings
from storage.command_work import CommandWork
from storage.database import Database
from storage.fraud import FraudProfileDoc, RiskDoc
from storage.staging import private_copy, to_bson
from storage.transactions import in_transaction
from storage.unit_of_work import BatchWork

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def _risk() -> RiskDoc:
    return RiskDoc(
        id="expense:e1",
        kind="expense",
        expense_id="e1",
        owner_id="ann",
        expense_version=1,
        version=1,
        score=60,
        signals=[{"name": "outlier", "weight": 0.6, "evidence": {"usual": "12.00"}}],
        facts={"merchant": "Shop", "tags": ["a"]},
        updated_at=NOW,
    )


@pytest.mark.usefixtures("documents")
def test_a_private_copy_changes_nothing_of_the_original_and_shares_only_what_cannot_change() -> (
    None
):
    held = _risk()
    copy = private_copy(held)
    assert copy == held
    copy.facts["tags"].append("b")
    copy.signals[0]["evidence"]["usual"] = "99.00"
    copy.score = 10
    assert held.facts == {"merchant": "Shop", "tags": ["a"]}
    assert held.signals[0]["evidence"] == {"usual": "12.00"}
    assert held.score == 60
    assert copy.owner_id is held.owner_id  # a string is shared, never walked


@pytest.mark.usefixtures("documents")
def test_a_profile_document_is_copied_its_own_way_with_its_parsed_form() -> None:
    parsed = Profile("ann", habits=("shop|12.00|EUR",))
    data = dump_profile(parsed)
    doc = FraudProfileDoc(id="ann", data=data, version=2, rev="r1", updated_at=NOW)
    copy = private_copy(doc.deferred(parsed, lambda: data))
    assert copy.parsed is parsed
    assert copy.data is doc.data  # never changed in place: shared, not copied
    assert to_bson(copy)["data"] == data


def test_the_fraud_actor_takes_its_own_lanes_and_batch_size() -> None:
    shared = Settings(actor_lanes=3, batch_max=64)
    runtime = FraudRuntime(shared)
    assert isinstance(runtime, ShapesBatches)
    assert runtime.batch_shape() == (3, 256)  # every actor's lanes, the fraud actor's batch
    own = FraudRuntime(Settings(actor_lanes=3, fraud_lanes=4, fraud_batch_max=200))
    assert own.batch_shape() == (4, 200)


# --- on the real database --------------------------------------------------------------------


def _created(owner: str) -> Event:
    return Event(
        event_id=uuid.uuid4().hex,
        type="expense.created",
        schema_version=1,
        command_id=uuid.uuid4().hex,
        scope=f"user:{owner}",
        seq=1,
        occurred_at=NOW,
        data={"entity": {"id": uuid.uuid4().hex}},
    )


def _stored(owner: str, rev: str, profile: Profile) -> dict[str, Any]:
    doc = FraudProfileDoc(id=owner, data=dump_profile(profile), version=3, rev=rev, updated_at=NOW)
    return to_bson(doc)


@pytest.mark.integration
async def test_a_profile_parsed_already_is_read_without_its_data(
    settings: Settings, database: Database
) -> None:
    ann, bob, cy = (f"{name}-{uuid.uuid4().hex[:8]}" for name in ("ann", "bob", "cy"))
    ann_profile = Profile(ann, amounts={"Food": (("e1", Decimal("12.50")),)}, hours=(("e1", 9),))
    bob_profile = Profile(bob, habits=("shop|12.00|EUR",))
    await FraudProfileDoc.get_pymongo_collection().insert_many(
        [_stored(ann, "r1", ann_profile), _stored(bob, "r7", bob_profile)]
    )
    runtime = FraudRuntime(settings)
    runtime.profiles.put(ann, "r1", ann_profile)  # this process wrote ann's last
    runtime.profiles.put(bob, "r6", Profile(bob))  # another process wrote bob's since

    async def attempt(session: AsyncClientSession) -> dict[str, Any]:
        batch = BatchWork(session, runtime, {})
        await runtime.preload(batch, [_created(ann), _created(bob), _created(cy)])
        work = CommandWork(batch, "c1", "expense.created", None, "h", NOW)
        return {who: await profile_of(work, who) for who in (ann, bob, cy)}

    read = await in_transaction(database.client, attempt)
    held, profile = read[ann]
    assert held is not None
    assert held.data == {}  # its data was never read
    assert (held.version, held.rev) == (3, "r1")
    assert profile is ann_profile  # the parsed form this process keeps
    held, profile = read[bob]
    assert held is not None
    assert held.data == dump_profile(bob_profile)  # read in full
    assert profile == bob_profile
    assert read[cy] == (None, Profile(cy))
