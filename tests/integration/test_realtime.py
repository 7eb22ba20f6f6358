"""Socket.IO end to end: auth on connect, commands over the socket, fan-out, expiry, revocation.

Runs against the in-process stack (real nats-server and SecantusDB); each test signs up fresh
users, so tests never see each other's events.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
import nats
import pytest
import socketio
from aiohttp import web
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg

from bus.envelopes import Command
from bus.tokens import issue_access_token
from deploy.embedded import find_free_port
from realtime import attach_realtime
from tests.support.helpers import Stack, eventually, short_token
from tests.support.sockets import WAIT_S, Device, open_device

pytestmark = pytest.mark.integration

LUNCH = {"amount": "12.30", "currency": "EUR", "date": "2026-11-20", "description": "lunch"}


async def refusal_of(stack: Stack, auth: dict[str, Any] | None) -> dict[str, Any]:
    """Connect with ``auth``, expect a refusal, and return what ``connect_error`` carried."""
    device = Device()
    with pytest.raises(socketio.exceptions.ConnectionError):
        await device.connect(stack.base_url, auth)
    assert device.connect_errors, "connect_error was not received"
    error = device.connect_errors[0]
    assert isinstance(error, dict)
    return error


# ---- connect -------------------------------------------------------------------------------


async def test_connect_without_token_is_refused_with_reason(stack: Stack) -> None:
    for auth in (None, {}, {"token": ""}):
        error = await refusal_of(stack, auth)
        assert error["data"]["code"] == "unauthorized"
        assert "token" in error["message"] or "credentials" in error["message"]


async def test_connect_with_bad_or_tampered_token_is_refused_with_reason(stack: Stack) -> None:
    account = await stack.signup("Tess")
    header, claims, signature = account.access_token.split(".")
    flipped = "A" if signature[0] != "A" else "B"
    tampered_signature = f"{header}.{claims}.{flipped}{signature[1:]}"
    forged, _ = issue_access_token(
        account.id,
        "some-session",
        secret="not-the-secret-" + "x" * 32,
        issuer="ledgerbus",
        ttl_s=60,
    )
    for token in ("not-a-jwt", tampered_signature, forged):
        error = await refusal_of(stack, {"token": token})
        assert error["data"] == {"code": "unauthorized", "message": error["message"]}
        assert error["message"].startswith("invalid access token"), error


async def test_connect_with_valid_token_is_accepted(stack: Stack) -> None:
    account = await stack.signup("Val")
    device = await open_device(stack.base_url, account.access_token)
    try:
        assert device.client.connected
    finally:
        await device.close()


# ---- commands and fan-out --------------------------------------------------------------------


async def test_socket_command_is_accepted_and_reaches_every_device_of_the_user_only(
    stack: Stack,
) -> None:
    ada = await stack.signup("Ada")
    ada_phone = await stack.login(ada.email)  # a second device: its own sign-in session
    bob = await stack.signup("Bob")
    device_a = await open_device(stack.base_url, ada.access_token)
    device_b = await open_device(stack.base_url, ada_phone.access_token)
    other = await open_device(stack.base_url, bob.access_token)
    try:
        ack = await device_a.command(
            {"type": "expense.create", "payload": LUNCH, "command_id": uuid.uuid4().hex}
        )

        assert ack["status"] == "accepted", ack
        entity = ack["entity"]
        assert (entity["amount"], entity["currency"]) == ("12.30", "EUR")
        assert entity["description"] == "lunch"
        for device in (device_a, device_b):
            created = await device.wait_for("expense.created")
            assert len(created) == 1
            event = created[0]
            assert event["scope"] == f"user:{ada.id}"
            assert isinstance(event["seq"], int)
            assert event["data"]["entity"]["id"] == entity["id"]

        # Bob's socket works (it gets his own event) and never got Ada's.
        own = await other.command({"type": "expense.create", "payload": LUNCH})
        assert own["status"] == "accepted", own
        bob_events = await other.wait_for("expense.created")
        assert [e["scope"] for e in bob_events] == [f"user:{bob.id}"]
        assert [e["data"]["entity"]["id"] for e in bob_events] == [own["entity"]["id"]]
        assert all(data["scope"] == f"user:{bob.id}" for _, data in other.events)
        assert all(data["scope"] == f"user:{ada.id}" for _, data in device_a.events)
    finally:
        for device in (device_a, device_b, other):
            await device.close()


async def test_socket_command_retried_with_same_command_id_is_applied_once(stack: Stack) -> None:
    account = await stack.signup("Rita")
    device = await open_device(stack.base_url, account.access_token)
    try:
        body = {"type": "expense.create", "payload": LUNCH, "command_id": "retry-1"}
        first = await device.command(body)
        second = await device.command(body)
        assert first["status"] == "accepted", first
        assert (second["command_id"], second["entity"]) == (first["command_id"], first["entity"])
    finally:
        await device.close()


BAD_COMMANDS: list[tuple[Any, list[Any]]] = [
    (
        {"type": "expense.create", "payload": {**LUNCH, "amount": "12.345"}},
        ["payload"],
    ),
    (
        {"type": "expense.create", "payload": {**LUNCH, "colour": "red"}},
        ["payload", "colour"],
    ),
    ({"type": "expense.create", "payload": LUNCH, "priority": "high"}, ["priority"]),
    ({"type": "expense.create", "payload": LUNCH, "expected_version": "2"}, ["expected_version"]),
    ({"type": "expense.create", "payload": "not an object"}, ["payload"]),
    ({"type": "expense.explode", "payload": {}}, ["type"]),
    (
        {
            "type": "user.register",
            "payload": {
                "user_id": str(uuid.uuid4()),
                "email": "x@example.com",
                "name": "X",
                "home_currency": "EUR",
                "timezone": "UTC",
            },
        },
        ["type"],
    ),
    ("expense.create", []),
]


async def test_socket_command_with_bad_input_is_rejected_with_field_errors_and_not_published(
    stack: Stack,
) -> None:
    account = await stack.signup("Val")
    published: list[Command] = []

    async def observe(msg: Msg) -> None:
        command = Command.model_validate_json(msg.data)
        if command.actor.user_id == account.id:
            published.append(command)

    observer = await nats.connect(stack.settings.nats_url)
    await observer.subscribe("cmd.>", cb=observe)
    await observer.flush()
    device = await open_device(stack.base_url, account.access_token)
    try:
        for body, loc in BAD_COMMANDS:
            ack = await device.command(body)
            assert (ack["status"], ack["code"]) == ("rejected", "validation"), (body, ack)
            assert ack["message"]
            assert ack["errors"], ack
            assert ack["errors"][0]["loc"][: len(loc)] == loc, (body, ack)
            assert all(error["msg"] for error in ack["errors"])

        # A good command sent after them is seen on the bus; none of the bad ones ever was.
        good = await device.command({"type": "expense.create", "payload": LUNCH})
        assert good["status"] == "accepted", good

        async def seen() -> list[Command]:
            return published

        await eventually(seen, timeout_s=WAIT_S)
        assert [c.command_id for c in published] == [good["command_id"]]
    finally:
        await device.close()
        await observer.close()


# ---- token expiry, refresh and revocation ---------------------------------------------------


# Long enough for both sockets to connect and one to refresh before the first tokens lapse, on
# a slow and busy machine; the test waits for the lapse once (both tokens end together).
LAPSE_S = 10


async def test_expired_token_closes_socket_unless_refreshed_in_time(stack: Stack) -> None:
    account = await stack.signup("Eve")
    other = await stack.signup("Mallory")
    lapsing_token = short_token(stack, account, ttl_s=LAPSE_S)
    first_token = short_token(stack, account, ttl_s=LAPSE_S)
    expires_at = jwt.decode(lapsing_token, options={"verify_signature": False})["exp"]
    first_expiry = jwt.decode(first_token, options={"verify_signature": False})["exp"]
    lapsing = await open_device(stack.base_url, lapsing_token)
    refreshing = await open_device(stack.base_url, first_token)
    try:
        wrong_user = await refreshing.client.call(
            "auth.refresh", {"token": other.access_token}, timeout=WAIT_S
        )
        assert (wrong_user["ok"], wrong_user["code"]) == (False, "unauthorized")
        ack = await refreshing.client.call(
            "auth.refresh", {"token": short_token(stack, account, ttl_s=120)}, timeout=WAIT_S
        )
        assert ack["ok"] is True, ack
        assert ack["expires_at"] >= int(time.time()) + 100

        await lapsing.wait_disconnected()
        assert lapsing.disconnected_at is not None
        assert lapsing.disconnected_at >= expires_at  # not before its token lapsed
        assert [e["code"] for e in lapsing.received("auth.expired")] == ["token_expired"]

        # The refreshed socket outlives its first token and still answers.
        await asyncio.sleep(max(0.0, first_expiry + 1 - time.time()))
        assert refreshing.client.connected
        assert not refreshing.disconnected
        bad = await refreshing.client.call("auth.refresh", {"token": "junk"}, timeout=WAIT_S)
        assert (bad["ok"], bad["code"]) == (False, "unauthorized")
        assert refreshing.client.connected
    finally:
        await lapsing.close()
        await refreshing.close()


async def test_logout_closes_the_sockets_of_that_session_only(stack: Stack) -> None:
    account = await stack.signup("Lou")
    tablet = await stack.login(account.email)
    leaving = await open_device(stack.base_url, account.access_token)
    staying = await open_device(stack.base_url, tablet.access_token)
    try:
        status, _ = await stack.call("POST", "/v1/auth/logout", account)
        assert status == 204

        await leaving.wait_disconnected()
        revoked = await staying.wait_for("session.revoked")
        assert revoked[0]["scope"] == f"user:{account.id}"
        assert staying.client.connected
        assert not staying.disconnected

        error = await refusal_of(stack, {"token": account.access_token})
        assert error["data"]["code"] == "unauthorized"
        assert "revoked" in error["message"]
    finally:
        await leaving.close()
        await staying.close()


# ---- the bus is down or slow ------------------------------------------------------------------


class FakeSender:
    """Stands in for CommandSender: records what it is given and fails or times out on demand."""

    def __init__(self, fail: bool) -> None:
        self.fail = fail
        self.sent: list[Command] = []

    async def send(self, command: Command, wait_s: float) -> None:
        self.sent.append(command)
        if self.fail:
            raise nats.errors.TimeoutError
        return None


@dataclass
class FakeResources:
    nc: NATS
    sender: FakeSender


@pytest.mark.parametrize(
    ("fail", "expected"),
    [(True, {"status": "rejected", "code": "unavailable"}), (False, {"status": "pending"})],
)
async def test_socket_command_acks_unavailable_or_pending_when_the_bus_cannot_answer(
    stack: Stack, fail: bool, expected: dict[str, str]
) -> None:
    account = await stack.signup("Nia")
    nc = await nats.connect(stack.settings.nats_url)
    sender = FakeSender(fail)
    app = web.Application()
    attach_realtime(app, stack.settings, FakeResources(nc, sender))  # type: ignore[arg-type]
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    port = find_free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    device = await open_device(f"http://127.0.0.1:{port}", account.access_token, device_id="ph-1")
    try:
        ack = await device.command({"type": "expense.create", "payload": LUNCH, "command_id": "k1"})

        assert {key: ack[key] for key in expected} == expected, ack
        [command] = sender.sent
        assert command.actor.model_dump() == {"user_id": account.id, "device_id": "ph-1"}
        assert command.payload == LUNCH
        if not fail:
            assert ack["command_id"] == command.command_id
    finally:
        await device.close()
        await runner.cleanup()
        await nc.close()
