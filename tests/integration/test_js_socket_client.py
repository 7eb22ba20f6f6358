"""ledgerbus's Socket.IO server as the official JavaScript client sees it.

The devices here are ``socket.io-client`` (pinned in tests/js/package.json) running in Node.js,
as in a browser or React Native app: websocket transport, path ``/socket.io``, ``auth: {token}``.
Each test drives them through ``tests/js/client.mjs`` against the in-process stack and asserts
on what they reported: connect and refusal, commands and their acks, events on other devices,
``auth.refresh``, ``sync.resume`` after a reconnect, and rejected commands. This checks the
contract from outside the Python ecosystem, so a change that only python-socketio's client
tolerates fails here.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import jwt
import pytest

from tests.support.helpers import Account, Stack, short_token
from tests.support.node_client import JsClients, ensure_installed, missing_tool

pytestmark = pytest.mark.integration

LUNCH = {"amount": "12.30", "currency": "EUR", "date": "2026-11-20", "description": "lunch"}


@pytest.fixture(scope="session")
async def js_installed() -> None:
    """socket.io-client installed in tests/js/node_modules (``npm ci`` the first time)."""
    reason = missing_tool()
    if reason is not None:
        pytest.skip(reason)
    await asyncio.to_thread(ensure_installed)


@pytest.fixture
async def js(js_installed: None, stack: Stack) -> AsyncIterator[JsClients]:
    """A node process holding this test's socket.io-client sockets, pointed at the stack."""
    clients = JsClients(stack.base_url)
    try:
        ready = await clients.start()
        assert ready["protocol"] == 5, ready  # Socket.IO protocol v5: socket.io-client 3 and 4
        yield clients
    finally:
        await clients.close()


def create(**changes: Any) -> dict[str, Any]:
    """An ``expense.create`` command with its own command id and client-made expense id."""
    return {
        "type": "expense.create",
        "payload": {**LUNCH, "id": str(uuid.uuid4()), **changes},
        "command_id": str(uuid.uuid4()),
    }


async def expense_ids(stack: Stack, who: Account) -> list[str]:
    status, body = await stack.call("GET", "/v1/expenses?limit=100", who)
    assert status == 200, body
    return [item["id"] for item in body["items"]]


async def http_expense(stack: Stack, who: Account, description: str) -> str:
    body = {**LUNCH, "description": description}
    status, created = await stack.call("POST", "/v1/expenses", who, json=body)
    assert status == 201, created
    return str(created["id"])


def lapsing_token(stack: Stack, account: Account, ttl_s: int) -> tuple[str, int]:
    """An access token of ``account``'s session that expires in ``ttl_s`` seconds, and its exp."""
    token = short_token(stack, account, ttl_s)
    return token, int(jwt.decode(token, options={"verify_signature": False})["exp"])


# ---- 1. connect ------------------------------------------------------------------------------


async def test_js_client_connects_with_a_valid_token_and_is_refused_a_bad_one(
    js: JsClients, stack: Stack
) -> None:
    ada = await stack.signup("Ada")
    await js.connected("phone", {"token": ada.access_token})
    assert (await js.state("phone"))["connected"] is True

    header, claims, signature = ada.access_token.split(".")
    tampered = f"{header}.{claims}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    for name, auth in (("junk", {"token": "not-a-jwt"}), ("tampered", {"token": tampered})):
        refused = await js.connect(name, auth)
        assert refused["kind"] == "connect_error", refused
        assert refused["message"].startswith("invalid access token"), refused
        assert refused["data"] == {"code": "unauthorized", "message": refused["message"]}
        assert (await js.state(name))["connected"] is False
    no_token = await js.connect("anonymous", {})
    assert no_token["kind"] == "connect_error", no_token
    assert no_token["data"]["code"] == "unauthorized", no_token
    assert no_token["message"], no_token


# ---- 2. commands and their acks --------------------------------------------------------------


async def test_js_command_ack_carries_the_outcome_and_a_retry_creates_nothing_new(
    js: JsClients, stack: Stack
) -> None:
    ada = await stack.signup("Ada")
    await js.connected("phone", {"token": ada.access_token})
    command = create()

    first = await js.emit("phone", "command", command)
    assert first["status"] == "accepted", first
    entity = first["entity"]
    assert entity["id"] == command["payload"]["id"]
    assert (entity["amount"], entity["currency"], entity["description"]) == (
        "12.30",
        "EUR",
        "lunch",
    )
    assert entity["version"] == 1
    assert first["version"] == 1

    again = await js.emit("phone", "command", command)
    assert again["status"] == "accepted", again
    assert (again["command_id"], again["entity"], again["version"]) == (
        first["command_id"],
        entity,
        1,
    )
    assert await expense_ids(stack, ada) == [entity["id"]]

    other_body = {**command, "payload": {**command["payload"], "amount": "99.00"}}
    mismatch = await js.emit("phone", "command", other_body)
    assert (mismatch["status"], mismatch["code"]) == ("rejected", "idempotency_mismatch"), mismatch
    assert await expense_ids(stack, ada) == [entity["id"]]


# ---- 3. events on the person's other devices -------------------------------------------------


async def test_js_second_device_receives_socket_and_http_writes_of_the_same_person(
    js: JsClients, stack: Stack
) -> None:
    ada = await stack.signup("Ada")
    ada_tablet = await stack.login(ada.email)  # another device: its own sign-in session
    bob = await stack.signup("Bob")
    scope = f"user:{ada.id}"
    await js.connected("phone", {"token": ada.access_token})
    await js.connected("tablet", {"token": ada_tablet.access_token})
    await js.connected("stranger", {"token": bob.access_token})

    ack = await js.emit("phone", "command", create(description="from the phone"))
    assert ack["status"] == "accepted", ack
    by_socket = ack["entity"]["id"]
    seen: dict[str, Any] = {}
    for device in ("tablet", "phone"):
        event = await js.event(
            device, "expense.created", lambda e: e["data"]["entity"]["id"] == by_socket
        )
        assert event["type"] == "expense.created"
        assert event["scope"] == scope
        assert isinstance(event["seq"], int)
        assert event["seq"] >= 1
        assert event["data"]["entity"]["description"] == "from the phone"
        assert event["data"]["version"] == 1
        seen[device] = event

    by_http = await http_expense(stack, ada, "from the web")
    for device in ("tablet", "phone"):
        event = await js.event(
            device, "expense.created", lambda e: e["data"]["entity"]["id"] == by_http
        )
        assert event["scope"] == scope
        assert event["seq"] > seen[device]["seq"]
        assert event["data"]["entity"]["description"] == "from the web"

    # Bob's socket gets his own write and nothing of Ada's.
    own = await http_expense(stack, bob, "bob's")
    await js.event("stranger", "expense.created", lambda e: e["data"]["entity"]["id"] == own)
    assert {e["scope"] for e in js.events("stranger")} == {f"user:{bob.id}"}
    assert all(e["scope"] == scope for e in js.events("tablet"))


# ---- 4. auth.refresh -------------------------------------------------------------------------


async def test_js_auth_refresh_keeps_the_socket_open_past_its_first_token(
    js: JsClients, stack: Stack
) -> None:
    ada = await stack.signup("Ada")
    # Far longer than connecting two sockets and refreshing one takes, even on a busy machine;
    # the wait for its expiry below (30 s) still covers the whole lifetime.
    token, expires_at = lapsing_token(stack, ada, ttl_s=25)
    await js.connected("lapsing", {"token": token})
    await js.connected("refreshing", {"token": token})

    status, tokens = await stack.call(
        "POST", "/v1/auth/refresh", json={"refresh_token": ada.refresh_token}
    )
    assert status == 200, tokens
    if time.time() >= expires_at - 1:
        pytest.fail("this machine took most of the first token's 25 s to get to refreshing it")
    refreshed = await js.emit("refreshing", "auth.refresh", {"token": tokens["access_token"]})
    assert refreshed["ok"] is True, refreshed
    assert refreshed["expires_at"] > expires_at
    refused = await js.emit("refreshing", "auth.refresh", {"token": "junk"})
    assert (refused["ok"], refused["code"]) == (False, "unauthorized"), refused

    # The socket that did not refresh is told, then closed, when the token expires ...
    expired = await js.event("lapsing", "auth.expired", lambda _e: True)
    assert expired["code"] == "token_expired", expired
    closed = await js.disconnected("lapsing")
    assert closed["reason"] == "io server disconnect", closed
    assert time.time() >= expires_at

    # ... and the one that did is past that moment, still open, and still answers.
    ack = await js.emit("refreshing", "command", create(description="after the first token"))
    assert ack["status"] == "accepted", ack
    assert (await js.state("refreshing"))["connected"] is True
    assert js.events("refreshing", "auth.expired") == []
    assert not [r for r in js.reports if r["kind"] == "disconnect" and r["client"] == "refreshing"]


# ---- 5. resume after a reconnect -------------------------------------------------------------


async def test_js_reconnect_with_resume_replays_missed_events_then_live_ones(
    js: JsClients, stack: Stack
) -> None:
    ada = await stack.signup("Ada")
    scope = f"user:{ada.id}"
    await js.connected("phone", {"token": ada.access_token})
    seen_id = await http_expense(stack, ada, "seen")
    seen = await js.event(
        "phone", "expense.created", lambda e: e["data"]["entity"]["id"] == seen_id
    )
    last_seq = max(e["seq"] for e in js.events("phone"))
    assert last_seq >= seen["seq"]
    closed = await js.disconnect("phone")
    assert closed["reason"] == "io client disconnect", closed

    missed = [await http_expense(stack, ada, f"missed {n}") for n in range(3)]

    # The same socket.io-client socket reconnects, holding live events until it has resumed.
    since = len(js.reports)
    await js.connected("phone", {"token": ada.access_token, "resume": True})
    acked = await js.emit_report("phone", "sync.resume", {"scopes": {scope: last_seq}})
    ack = acked["ack"]
    assert ack["status"] == "done", ack
    assert ack["errors"] == {}, ack
    head = ack["scopes"][scope]
    caught_up = js.events("phone", since=since, until=js.index_of(acked))  # before the ack
    assert [e["seq"] for e in caught_up] == list(range(last_seq + 1, head + 1))
    assert {e["scope"] for e in caught_up} == {scope}
    created = [e["data"]["entity"]["id"] for e in caught_up if e["type"] == "expense.created"]
    assert created == missed
    status, feed = await stack.call(
        "GET", "/v1/sync/changes", ada, params={"scope": scope, "after": str(last_seq)}
    )
    assert status == 200, feed
    logged = [(e["seq"], e["event_id"]) for e in feed["events"] if e["seq"] <= head]
    assert [(e["seq"], e["event_id"]) for e in caught_up] == logged

    live_id = await http_expense(stack, ada, "live")
    live = await js.event(
        "phone", "expense.created", lambda e: e["data"]["entity"]["id"] == live_id, since
    )
    assert live["seq"] > head
    seqs = [e["seq"] for e in js.events("phone", since=since) if e["seq"] <= live["seq"]]
    assert len(seqs) == len(set(seqs)), seqs  # nothing sent twice
    assert set(seqs) >= set(range(last_seq + 1, head + 1)) | {live["seq"]}


# ---- 6. rejected commands --------------------------------------------------------------------


async def test_js_rejected_commands_carry_a_stable_code_and_change_nothing(
    js: JsClients, stack: Stack
) -> None:
    ada = await stack.signup("Ada")
    await js.connected("phone", {"token": ada.access_token})

    too_precise = await js.emit("phone", "command", create(amount="12.345"))
    assert (too_precise["status"], too_precise["code"]) == ("rejected", "validation"), too_precise
    assert too_precise["message"]
    assert too_precise["errors"], too_precise
    assert all(e["loc"][0] == "payload" for e in too_precise["errors"]), too_precise
    unknown_field = await js.emit("phone", "command", create(colour="red"))
    assert (unknown_field["status"], unknown_field["code"]) == ("rejected", "validation")
    assert [e["loc"] for e in unknown_field["errors"]] == [["payload", "colour"]], unknown_field
    unknown_type = await js.emit("phone", "command", {"type": "expense.explode", "payload": {}})
    assert (unknown_type["status"], unknown_type["code"]) == ("rejected", "validation")
    assert [e["loc"] for e in unknown_type["errors"]] == [["type"]], unknown_type
    assert await expense_ids(stack, ada) == []

    # Rejections decided by the expenses actor come back in the ack the same way.
    made = await js.emit("phone", "command", create())
    assert made["status"] == "accepted", made
    expense_id = made["entity"]["id"]
    edit = {"type": "expense.update", "payload": {"id": expense_id, "description": "dinner"}}
    changed = await js.emit("phone", "command", {**edit, "expected_version": 1})
    assert (changed["status"], changed["entity"]["version"]) == ("accepted", 2), changed
    stale = await js.emit("phone", "command", {**edit, "expected_version": 1})
    assert (stale["status"], stale["code"]) == ("rejected", "conflict"), stale
    assert stale["entity"]["version"] == 2  # the current expense, for the device to take
    gone = {"type": "expense.update", "payload": {"id": str(uuid.uuid4()), "description": "x"}}
    missing = await js.emit("phone", "command", {**gone, "expected_version": 1})
    assert (missing["status"], missing["code"]) == ("rejected", "not_found"), missing
    assert await expense_ids(stack, ada) == [expense_id]
