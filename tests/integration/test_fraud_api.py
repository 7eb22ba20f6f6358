"""Fraud scoring over HTTP and Socket.IO: risk records with their signals, flags that reach the
people they concern, reviews, re-scoring after edits, and exactly one record per version."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bus.envelopes import Event, utcnow
from bus.ids import derived_id, new_id
from bus.nats_conn import connect_nats
from bus.subjects import event_subject
from storage.documents import DeadLetter, EventRecord, ProcessedCommand
from storage.fraud import FlagDoc, RiskDoc
from storage.ledger import ExpenseDoc
from tests.support.budget_helpers import spend, today
from tests.support.group_helpers import add_bill, equal_bill, make_group
from tests.support.helpers import Account, Stack, eventually
from tests.support.receipt_files import as_jpeg, receipt_png
from tests.support.receipt_helpers import read_back, upload
from tests.support.sockets import open_device

pytestmark = pytest.mark.integration


async def risk_of(stack: Stack, who: Account, expense_id: str, version: int = 1) -> Any:
    """The expense's risk record once it is at least at ``version``."""

    async def probe() -> Any:
        status, body = await stack.call("GET", f"/v1/expenses/{expense_id}/risk", who)
        return body if status == 200 and body["version"] >= version else None

    return await eventually(probe)


async def publish(stack: Stack, event: Event) -> None:
    """Put an event on the stream as an actor would (a redelivery, or one seen late)."""
    nc = await connect_nats(stack.settings, "fraud-test")
    try:
        await nc.jetstream().publish(
            event_subject(event.scope, event.type), event.model_dump_json().encode()
        )
    finally:
        await nc.close()


async def snapshot(stack: Stack, who: Account) -> Any:
    status, body = await stack.call(
        "GET", "/v1/sync/snapshot", who, params={"scope": f"user:{who.id}"}
    )
    assert status == 200, body
    return body["state"]


def names(risk: dict[str, Any]) -> set[str]:
    return {s["name"] for s in risk["signals"]}


def at(hour: int, minute: int = 0, days_ago: int = 0) -> str:
    day = today() - timedelta(days=days_ago)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC).isoformat()


async def test_duplicate_is_flagged_reaches_the_owner_and_a_review_closes_it(stack: Stack) -> None:
    ada, eve = await stack.signup("Ada"), await stack.signup("Eve")
    device = await open_device(stack.base_url, ada.access_token)
    first = await spend(stack, ada, "87.43", merchant="Trader Joe's #552", occurred_at=at(12))
    second = await spend(stack, ada, "87.43", merchant="TRADER JOES 552", occurred_at=at(12))
    original = await risk_of(stack, ada, first["id"])
    copy = await risk_of(stack, ada, second["id"])
    assert "duplicate" not in names(original)
    assert copy["score"] >= stack.settings.fraud_flag_threshold
    signal = next(s for s in copy["signals"] if s["name"] == "duplicate")
    assert signal["evidence"]["expense_id"] == first["id"]
    assert signal["weight"] == pytest.approx(0.95)  # the same purchase time
    assert copy["model_version"]
    assert copy["expense_version"] == 1
    assert copy["flag_id"]

    raised = await device.wait_for("flag.raised")
    flag = raised[0]["data"]["entity"]
    assert flag["expense_id"] == second["id"]
    assert flag["status"] == "open"
    assert flag["reasons"][0] == "duplicate"
    about = {"description": "TRADER JOES 552", "amount": "87.43", "currency": "EUR"}
    assert raised[0]["data"]["expense"] == about  # which expense, for its notice's mail
    day = datetime.fromisoformat(at(12)).date()
    assert flag["explanations"][0] == (
        f"looks like the same purchase as 'Trader Joe's #552' on {day.day} {day:%b}, "
        "87.43 EUR (same purchase time)"
    )
    assert signal["explanation"] == flag["explanations"][0]
    status, page = await stack.call("GET", "/v1/flags", ada)
    assert status == 200
    assert [f["id"] for f in page["items"]] == [flag["id"]]

    # someone else sees nothing and reviews nothing
    assert (await stack.call("GET", f"/v1/expenses/{second['id']}/risk", eve))[0] == 404
    assert (await stack.call("GET", f"/v1/flags/{flag['id']}", eve))[0] == 404
    assert (await stack.call("GET", "/v1/flags", eve))[1]["items"] == []
    review = f"/v1/flags/{flag['id']}/review"
    status, body = await stack.call("POST", review, eve, json={"verdict": "legit"})
    assert status == 404, body
    # bad input
    status, body = await stack.call("POST", review, ada, json={"verdict": "maybe"})
    assert status == 422
    assert body["errors"][0]["loc"][-1] == "verdict"
    status, body = await stack.call("POST", review, ada, json={"verdict": "legit", "extra": 1})
    assert status == 422, body
    status, body = await stack.call(
        "POST", review, ada, data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert (status, body["code"]) == (400, "malformed_json")
    status, body = await stack.call(
        "POST", review, ada, json={"verdict": "legit"}, headers={"If-Match": '"7"'}
    )
    assert status == 409, body

    status, body = await stack.call(
        "POST", review, ada, json={"verdict": "legit", "note": "two bags, two receipts"}
    )
    assert status == 200, body
    assert body["status"] == "reviewed"
    assert body["verdict"] == "legit"
    assert body["reviewed_by"] == ada.id
    await device.wait_for("flag.reviewed")
    assert (await stack.call("GET", "/v1/flags", ada))[1]["items"] == []
    status, body = await stack.call("POST", review, ada, json={"verdict": "fraud"})
    assert status == 409
    assert body["current"]["verdict"] == "legit"
    status, page = await stack.call("GET", "/v1/flags", ada, params={"status": "all"})
    assert [f["verdict"] for f in page["items"]] == ["legit"]
    await device.close()

    # the review taught the scorer: the same purchase again weighs little
    # (without the review it would weigh 0.8: see the unit tests)
    third = await spend(stack, ada, "87.43", merchant="trader joes")
    again = await risk_of(stack, ada, third["id"])
    usual = next(s for s in again["signals"] if s["name"] == "duplicate")
    assert usual["evidence"]["why"] == "a repeat you said was fine before"
    assert again["score"] < stack.settings.fraud_flag_threshold, again


async def test_an_edit_scores_again_and_clears_the_flag(stack: Stack) -> None:
    ada = await stack.signup("Ada")
    device = await open_device(stack.base_url, ada.access_token)
    await spend(stack, ada, "54.20", merchant="Shell 4471", occurred_at=at(9))
    copy = await spend(stack, ada, "54.20", merchant="shell", occurred_at=at(9))
    flagged = await risk_of(stack, ada, copy["id"])
    assert flagged["flag_id"]
    status, _ = await stack.call(
        "PATCH", f"/v1/expenses/{copy['id']}", ada, json={"amount": "61.00"}
    )
    assert status == 200
    rescored = await risk_of(stack, ada, copy["id"], version=2)
    assert rescored["expense_version"] == 2
    assert "duplicate" not in names(rescored)
    assert rescored["flag_id"] is None
    cleared = await device.wait_for("flag.cleared")
    assert cleared[0]["data"]["entity"]["status"] == "cleared"
    assert (await stack.call("GET", "/v1/flags", ada))[1]["items"] == []
    await device.close()


async def applied(event: Event) -> ProcessedCommand:
    """The fraud actor's record of having applied ``event`` (accepted: not failed, not retried)."""

    async def probe() -> ProcessedCommand | None:
        return await ProcessedCommand.get(derived_id("fraud", event.event_id))

    done = await eventually(probe)
    assert done.outcome["status"] == "accepted", done.outcome
    return done


async def test_a_redelivered_or_older_event_changes_nothing(stack: Stack) -> None:
    ada = await stack.signup("Ada")
    expense = await spend(stack, ada, "12.00", merchant="Cafe")
    first = await risk_of(stack, ada, expense["id"])
    record = await EventRecord.find_one(
        {"type": "expense.created", "data.entity.id": expense["id"]}
    )
    assert record is not None
    # The same event under a new id (so not deduplicated as the same message): same version.
    again = Event.model_validate(
        {**record.to_event().model_dump(mode="json"), "event_id": new_id()}
    )
    await publish(stack, again)
    await applied(again)
    doc = await RiskDoc.get(f"expense:{expense['id']}")
    assert doc is not None
    assert doc.version == first["version"] == 1
    assert await FlagDoc.find({"expense_id": expense["id"]}).count() == 0
    # Edited (version 2), then the creation seen once more: older than what was scored.
    status, _ = await stack.call(
        "PATCH", f"/v1/expenses/{expense['id']}", ada, json={"amount": "14.00"}
    )
    assert status == 200
    edited = await risk_of(stack, ada, expense["id"], version=2)
    older = Event.model_validate({**again.model_dump(mode="json"), "event_id": new_id()})
    await publish(stack, older)
    await applied(older)
    doc = await RiskDoc.get(f"expense:{expense['id']}")
    assert doc is not None
    assert (doc.version, doc.expense_version) == (edited["version"], 2) == (2, 2)


async def test_an_expense_deleted_before_it_is_scored_is_skipped(stack: Stack) -> None:
    """The expense is already deleted when its creation reaches the fraud actor (its delete
    event not seen yet: the consumers of each event type run apart)."""
    ada = await stack.signup("Ada")
    expense = await spend(stack, ada, "99.00", merchant="Gone")
    await risk_of(stack, ada, expense["id"])
    ghost = new_id()
    doc = await ExpenseDoc.get(expense["id"])
    assert doc is not None
    await doc.model_copy(update={"id": ghost, "deleted": True, "version": 2}).insert()
    entity = {**expense, "id": ghost, "version": 1}
    late = Event(
        event_id=new_id(),
        type="expense.created",
        command_id=new_id(),
        scope=f"user:{ada.id}",
        seq=1,
        occurred_at=utcnow(),
        data={"entity": entity, "version": 1, "before": None},
    )
    await publish(stack, late)
    await applied(late)  # once, accepted: not failed, not retried
    risk = await RiskDoc.get(f"expense:{ghost}")
    assert risk is not None
    assert risk.deleted
    assert risk.expense_version == 2
    assert risk.scored_at is None
    assert await FlagDoc.find({"expense_id": ghost}).count() == 0
    assert await DeadLetter.find({"command_id": derived_id("fraud", late.event_id)}).count() == 0
    assert (await stack.call("GET", f"/v1/expenses/{ghost}/risk", ada))[0] == 404


async def test_a_forged_time_cursor_is_refused(stack: Stack) -> None:
    ada = await stack.signup("Ada")
    forged = base64.urlsafe_b64encode(json.dumps(["not a time", "x"]).encode()).decode()
    for path in ("/v1/flags", "/v1/budgets", "/v1/goals", "/v1/recurring"):
        status, body = await stack.call("GET", path, ada, params={"cursor": forged})
        assert (status, body["errors"][0]["loc"]) == (422, ["query", "cursor"]), (path, body)


async def test_a_group_bill_flag_reaches_the_admins_and_only_they_review_it(stack: Stack) -> None:
    ada, bob, cy = [await stack.signup(n) for n in ("Ada", "Bob", "Cy")]
    group = await make_group(stack, ada, bob, cy)
    devices = {a.id: await open_device(stack.base_url, a.access_token) for a in (ada, bob, cy)}
    bill = equal_bill("120.00", bob, [ada, bob, cy], description="Pizza Roma #2")
    await add_bill(stack, bob, group["id"], bill)
    copy = await add_bill(stack, bob, group["id"], {**bill, "description": "PIZZA ROMA"})
    risk = await risk_of(stack, ada, copy["id"])  # an admin sees it
    assert "duplicate" in names(risk)
    assert risk["kind"] == "group_expense"
    assert risk["owner_id"] == bob.id
    for who in (ada, bob):
        await devices[who.id].wait_for("flag.raised")
    assert devices[cy.id].received("flag.raised") == []
    assert (await stack.call("GET", f"/v1/expenses/{copy['id']}/risk", cy))[0] == 404
    flag_id = risk["flag_id"]
    review = f"/v1/flags/{flag_id}/review"
    assert (await stack.call("POST", review, cy, json={"verdict": "fraud"}))[0] == 404
    assert (await stack.call("POST", review, bob, json={"verdict": "legit"}))[0] == 403
    assert [f["id"] for f in (await snapshot(stack, ada))["flags"]] == [flag_id]
    assert (await snapshot(stack, cy))["flags"] == []
    # the admin reviews from a phone, over the socket
    ack = await devices[ada.id].command(
        {"type": "flag.review", "payload": {"id": flag_id, "verdict": "maybe"}}
    )
    assert (ack["status"], ack["code"]) == ("rejected", "validation")
    ack = await devices[ada.id].command(
        {"type": "flag.review", "payload": {"id": flag_id, "verdict": "fraud"}}
    )
    assert ack["status"] == "accepted", ack
    assert ack["entity"]["verdict"] == "fraud"
    await devices[bob.id].wait_for("flag.reviewed")
    assert (await snapshot(stack, ada))["flags"] == []
    for device in devices.values():
        await device.close()


async def test_a_burst_flags_every_expense_in_it(stack: Stack) -> None:
    ada = await stack.signup("Ada")
    burst = [
        await spend(stack, ada, f"{20 + n}.15", merchant=f"Shop {n}", occurred_at=at(14, 7 * n))
        for n in range(5)
    ]
    last = await risk_of(stack, ada, burst[-1]["id"])
    assert "velocity" in names(last)
    assert last["flag_id"]
    for earlier in burst[:-1]:
        risk = await risk_of(stack, ada, earlier["id"], version=2)
        velocity = next(s for s in risk["signals"] if s["name"] == "velocity")
        assert velocity["evidence"]["count"] >= 5
        assert risk["flag_id"]
    _status, page = await stack.call("GET", "/v1/flags", ada)
    assert len(page["items"]) == 5


async def test_an_expense_outside_its_trip_is_flagged(stack: Stack) -> None:
    ada = await stack.signup("Ada")
    start = today() - timedelta(days=20)
    body = {
        "name": "Lisbon",
        "start_date": start.isoformat(),
        "end_date": (start + timedelta(days=4)).isoformat(),
        "currency": "EUR",
    }
    status, trip = await stack.call("POST", "/v1/trips", ada, json=body)
    assert status == 201, trip
    inside = await spend(stack, ada, "31.00", trip_id=trip["id"], on=start + timedelta(days=1))
    outside = await spend(stack, ada, "31.00", trip_id=trip["id"], merchant="Late")
    assert "trip_mismatch" not in names(await risk_of(stack, ada, inside["id"]))
    risk = await risk_of(stack, ada, outside["id"])
    signal = next(s for s in risk["signals"] if s["name"] == "trip_mismatch")
    assert signal["evidence"]["trip_end"] == body["end_date"]
    assert risk["flag_id"]


async def test_a_receipt_claimed_twice_across_a_group_and_a_padded_amount(stack: Stack) -> None:
    ada, bob = await stack.signup("Ada"), await stack.signup("Bob")
    await make_group(stack, ada, bob)
    png = receipt_png()  # TOTAL EUR 14.30
    _, adas = await upload(stack, ada, png)
    await read_back(stack, ada, adas["id"])
    status, first = await stack.call("POST", f"/v1/receipts/{adas['id']}/apply", ada, json={})
    assert status == 201, first
    assert "receipt_reused" not in names(await risk_of(stack, ada, first["id"]))

    _, bobs = await upload(stack, bob, as_jpeg(png, 70), "image/jpeg", "photo.jpg")
    assert (await read_back(stack, bob, bobs["id"]))["duplicates"] == [adas["id"]]
    claim = await spend(stack, bob, "14.30", receipt_id=bobs["id"], merchant="Blue Fern Cafe")
    risk = await risk_of(stack, bob, claim["id"])
    reused = next(s for s in risk["signals"] if s["name"] == "receipt_reused")
    assert reused["weight"] == pytest.approx(0.95)
    assert reused["evidence"]["similar_receipt_id"] == adas["id"]
    assert reused["evidence"]["same_person"] is False
    assert "expense_id" not in reused["evidence"]  # Ada's expense is hers to see
    assert risk["flag_id"]

    # An expense filed with a receipt still being read is scored again once it is read.
    lines = (
        "CORNER DELI",
        "Date: 2026-11-21",
        "",
        "Sandwich        9.80",
        "",
        "TOTAL EUR      9.80",
    )
    _, pending = await upload(stack, ada, receipt_png(lines))

    async def filed() -> Any:
        body = {
            "amount": "16.80",
            "currency": "EUR",
            "date": "2026-11-21",
            "receipt_id": pending["id"],
        }
        status, expense = await stack.call("POST", "/v1/expenses", ada, json=body)
        return expense if status == 201 else None

    padded = await eventually(filed, timeout_s=30)
    await read_back(stack, ada, pending["id"])

    async def mismatch() -> Any:
        risk = await risk_of(stack, ada, padded["id"])
        return risk if "receipt_mismatch" in names(risk) else None

    risk = await eventually(mismatch, timeout_s=30)
    signal = next(s for s in risk["signals"] if s["name"] == "receipt_mismatch")
    assert signal["evidence"]["receipt_total"] == "9.80"
    assert signal["weight"] >= 0.55
    assert risk["flag_id"]


async def test_a_flag_follows_who_is_an_admin_now(stack: Stack) -> None:
    ada, bob, cy = [await stack.signup(n) for n in ("Ada", "Bob", "Cy")]
    group = await make_group(stack, ada, bob, cy)
    path = f"/v1/groups/{group['id']}/members/{bob.id}"
    assert (await stack.call("PATCH", path, ada, json={"role": "admin"}))[0] == 200
    bill = equal_bill("64.00", cy, [ada, bob, cy], description="Taxi Rank 4")
    await add_bill(stack, cy, group["id"], bill)
    copy = await add_bill(stack, cy, group["id"], {**bill, "description": "taxi rank"})
    risk = await risk_of(stack, bob, copy["id"])  # an admin sees it
    flag_id = risk["flag_id"]
    assert flag_id
    bobs = await open_device(stack.base_url, bob.access_token)
    cys = await open_device(stack.base_url, cy.access_token)
    assert (await stack.call("PATCH", path, ada, json={"role": "member"}))[0] == 200
    # no longer an admin: no longer sees it, anywhere
    assert (await stack.call("GET", f"/v1/expenses/{copy['id']}/risk", bob))[0] == 404
    assert (await stack.call("GET", f"/v1/flags/{flag_id}", bob))[0] == 404
    assert (await stack.call("GET", "/v1/flags", bob))[1]["items"] == []
    assert (await snapshot(stack, bob))["flags"] == []
    status, body = await stack.call(
        "POST", f"/v1/flags/{flag_id}/review", bob, json={"verdict": "fraud"}
    )
    assert status == 404, body
    status, body = await stack.call(
        "POST", f"/v1/flags/{flag_id}/review", ada, json={"verdict": "legit", "note": "two cabs"}
    )
    assert status == 200, body
    reviewed = await cys.wait_for("flag.reviewed")  # the issuer hears of it
    assert reviewed[0]["data"]["entity"]["note"] == "two cabs"
    marker = await spend(stack, bob, "3.00")  # Bob's own event, after the review's
    await bobs.wait_for("expense.created")
    assert bobs.received("flag.reviewed") == []
    assert marker["id"]
    await bobs.close()
    await cys.close()
