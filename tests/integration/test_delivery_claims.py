"""A sender's claim on a delivery, and a refresh token's swap, against the real MongoDB-wire
server: of two at once exactly one wins; a claim held is left alone until it lapses; what is not
due or already sent is never taken; the sweep finds what is due and nobody holds, oldest first.
Each is made of lookups by id, never a ``findAndModify`` (which SecantusDB answers by reading
the whole collection): counted by the client's own listener (``storage.db_metrics``)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import REGISTRY

from bus.envelopes import utcnow
from storage.accounts import SessionDoc
from storage.database import Database
from storage.deliveries import DeliveryDoc, claim, due_deliveries
from storage.sessions import swap_refresh_digest
from storage.staging import to_bson

pytestmark = pytest.mark.integration
NOW = utcnow().replace(microsecond=0) + timedelta(days=1)
"""The time these claims live in: a day ahead, so that the deliveries made here are never due
for the stack's own courier (sweeping on the real clock in the same test session), which
would claim them first."""
LEASE_S = 30.0


def _find_and_modify(collection: str) -> float:
    labels = {"collection": collection, "command": "findAndModify", "outcome": "ok"}
    return REGISTRY.get_sample_value("ledgerbus_db_commands_total", labels) or 0.0


async def _delivery(**fields: object) -> str:
    ident = uuid.uuid4().hex
    values: dict[str, object] = {
        "id": ident,
        "notification_id": f"n-{ident}",
        "recipient_id": "ada",
        "kind": "budget_exceeded",
        "channel": "email",
        "due_at": NOW - timedelta(minutes=1),
        "created_at": NOW - timedelta(minutes=1),
        **fields,
    }
    doc = DeliveryDoc.model_validate(values)
    await DeliveryDoc.get_pymongo_collection().insert_one(to_bson(doc))
    return ident


async def test_of_two_claims_at_once_one_wins_and_a_held_claim_waits_for_its_lease(
    database: Database,
) -> None:
    before = _find_and_modify("notification_deliveries")
    ident = await _delivery()
    first, second = await asyncio.gather(
        claim(ident, "sender-a", NOW, LEASE_S), claim(ident, "sender-b", NOW, LEASE_S)
    )
    won = [c for c in (first, second) if c is not None]
    assert len(won) == 1
    assert won[0].attempts == 1
    assert won[0].claimed_until == NOW + timedelta(seconds=LEASE_S)
    stored = await DeliveryDoc.get(ident)
    assert stored is not None
    assert (stored.claimed_by, stored.attempts) == (won[0].claimed_by, 1)
    assert await claim(ident, "sender-c", NOW + timedelta(seconds=10), LEASE_S) is None
    lapsed = await claim(ident, "sender-c", NOW + timedelta(seconds=LEASE_S + 1), LEASE_S)
    assert lapsed is not None  # its sender died mid-send: another takes it over
    assert (lapsed.claimed_by, lapsed.attempts) == ("sender-c", 2)
    assert _find_and_modify("notification_deliveries") == before


async def test_what_is_not_due_or_is_done_is_never_claimed(database: Database) -> None:
    later = await _delivery(due_at=NOW + timedelta(hours=8))  # held by quiet hours
    sent = await _delivery(status="sent")
    failed = await _delivery(status="failed")
    assert [await claim(i, "sender-a", NOW, LEASE_S) for i in (later, sent, failed)] == [None] * 3
    assert await claim(uuid.uuid4().hex, "sender-a", NOW, LEASE_S) is None  # erased since


async def test_the_sweep_finds_what_is_due_and_unheld_oldest_first(database: Database) -> None:
    now = datetime.now(UTC) + timedelta(days=3650)  # later than anything other tests left due
    old = await _delivery(due_at=now - timedelta(hours=2))
    retry = await _delivery(due_at=now - timedelta(hours=1), status="retrying", attempts=1)
    held = await _delivery(due_at=now - timedelta(hours=3))
    await claim(held, "sender-a", now, LEASE_S)
    await _delivery(due_at=now + timedelta(hours=1))
    await _delivery(due_at=now - timedelta(hours=4), status="sent")
    due = [d.id for d in await due_deliveries(now, 1000)]
    mine = [i for i in due if i in {old, retry, held}]
    assert mine == [old, retry]


async def test_of_two_refreshes_with_one_token_one_wins(database: Database) -> None:
    before = _find_and_modify("sessions")
    session = SessionDoc.model_validate(
        {
            "id": uuid.uuid4().hex,
            "user_id": "ada",
            "device_id": "ada:phone",
            "token_hash": "h1",
            "created_at": NOW,
            "refreshed_at": NOW,
            "expires_at": NOW + timedelta(days=30),
        }
    )
    await SessionDoc.get_pymongo_collection().insert_one(to_bson(session))
    results = await asyncio.gather(
        swap_refresh_digest(session.id, "h1", "h2"), swap_refresh_digest(session.id, "h1", "h3")
    )
    [won] = [r for r in results if r is not None]
    assert won.token_hash in ("h2", "h3")
    assert won.rotated_hashes == ["h1"]
    assert await swap_refresh_digest(session.id, "h1", "h4") is None  # rotated already
    assert _find_and_modify("sessions") == before
