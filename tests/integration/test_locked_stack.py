"""`ledgerbus up` locked: NATS and SecantusDB refuse anyone without a password, each role may
publish only what it needs, and the stack still serves sign-up, sign-in and an expense.

One start of the whole embedded stack (its own servers, every actor) serves every check.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import stat
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pymongo
import pymongo.errors
import pytest
from nats.aio.client import Client as NATS
from nats.errors import Error as NatsError
from nats.errors import NoServersError

from bus.commands import COMMANDS
from bus.rate_commands import RefreshRates
from deploy.credentials import CREDENTIALS_FILE, load_credentials
from deploy.embedded import find_free_port
from tests.support.helpers import PASSWORD, eventually
from tests.support.processes import REPO

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class Locked:
    """The running stack: where it listens and keeps its data."""

    data: Path
    ports: dict[str, int]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.ports['http-port']}"

    @property
    def nats(self) -> str:
        return f"nats://127.0.0.1:{self.ports['nats-port']}"

    @property
    def mongo(self) -> str:
        return f"mongodb://127.0.0.1:{self.ports['mongo-port']}/?directConnection=true"


async def _ready(base: str) -> bool:
    try:
        async with aiohttp.ClientSession() as http, http.get(f"{base}/readyz") as resp:
            return resp.status == 200
    except aiohttp.ClientError:
        return False


def _start_up(stack: Locked, log: Path) -> subprocess.Popen[bytes]:
    """``ledgerbus up`` on the stack's ports and data directory, as a person runs it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGERBUS_")}
    args = [sys.executable, "-m", "deploy.cli", "up", "--data-dir", str(stack.data)]
    args += [a for flag, port in stack.ports.items() for a in (f"--{flag}", str(port))]
    return subprocess.Popen(
        args, cwd=REPO, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT
    )


@pytest.fixture(scope="module")
async def locked(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Locked]:
    tmp = tmp_path_factory.mktemp("locked")
    ports = {
        n: find_free_port()
        for n in ("http-port", "nats-port", "nats-monitor-port", "mongo-port", "smtp-port")
    }
    stack = Locked(tmp / "data", ports)
    up = _start_up(stack, tmp / "up.log")
    try:
        await eventually(lambda: _ready(stack.base), timeout_s=180, every_s=0.5)
        yield stack
    finally:
        up.send_signal(signal.SIGINT)
        try:
            await asyncio.to_thread(up.wait, 60)
        except subprocess.TimeoutExpired:
            up.kill()


async def _refusal(locked: Locked, role: str, subject: str) -> str | None:
    """What the server answers ``role`` publishing once on ``subject``: its permissions
    violation (after which nats-py closes the connection), or None when it took it."""
    credentials = load_credentials(locked.data)
    assert credentials is not None

    async def ignore(exc: Exception) -> None:
        """The violation is read from ``last_error`` below."""

    nc = NATS()
    await nc.connect(
        servers=[credentials.nats_url(role, locked.nats)], error_cb=ignore, allow_reconnect=False
    )
    try:
        await nc.publish(subject, b"{}")
        # The server answers the publish (a refusal is an -ERR) before it answers a ping sent
        # after it; a second round trip makes sure the client has read whatever came before.
        for _ in range(2):
            with contextlib.suppress(NatsError):
                await nc.flush(timeout=10)
    finally:
        refused = str(nc.last_error) if nc.last_error is not None else None
        await nc.close()
    return refused


async def _violations(locked: Locked, role: str, subjects: list[str]) -> list[str]:
    """The subjects of ``subjects`` the server refuses ``role`` to publish on."""
    refused = [(s, await _refusal(locked, role, s)) for s in subjects]
    for subject, error in refused:
        refusal = f'permissions violation for publish to "{subject}"'
        assert error is None or refusal in error.lower(), error
    return [subject for subject, error in refused if error is not None]


async def test_the_credentials_are_kept_for_the_owner_alone(locked: Locked) -> None:
    path = locked.data / CREDENTIALS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    credentials = load_credentials(locked.data)
    assert credentials is not None
    assert {"edge", "realtime", "expenses", "analyst", "ops"} <= set(credentials.passwords)


async def test_nats_refuses_a_connection_without_a_password(locked: Locked) -> None:
    nc = NATS()
    with pytest.raises((NatsError, NoServersError, OSError)) as refused:
        await nc.connect(servers=[locked.nats], allow_reconnect=False, connect_timeout=5)
    assert not nc.is_connected, refused.value
    assert "authorization violation" in str(nc.last_error or refused.value).lower()
    credentials = load_credentials(locked.data)
    assert credentials is not None
    admitted = NATS()  # the same server, with a login: the password was the reason
    await admitted.connect(
        servers=[credentials.nats_url("ops", locked.nats)], allow_reconnect=False
    )
    assert admitted.is_connected
    await admitted.close()


async def test_mongo_refuses_a_command_without_a_login(locked: Locked) -> None:
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(
        locked.mongo, serverSelectionTimeoutMS=5000
    )
    try:
        with pytest.raises(pymongo.errors.OperationFailure, match="requires authentication"):
            client["ledgerbus"]["users"].find_one()
    finally:
        client.close()


async def test_the_socket_server_may_send_client_commands_only(locked: Locked) -> None:
    internal = COMMANDS[RefreshRates.COMMAND].subject
    assert not COMMANDS[RefreshRates.COMMAND].client_allowed
    assert await _violations(locked, "realtime", [internal]) == [internal]
    # The same user may ping an actor: the refusal is of the subject, not of the user.
    assert await _violations(locked, "realtime", ["health.actor.expenses"]) == []


async def test_the_edge_may_not_publish_an_event(locked: Locked) -> None:
    event = f"evt.user.{uuid.uuid4()}.expense.created"
    assert await _violations(locked, "edge", [event]) == [event]


async def test_the_analyst_may_publish_nothing(locked: Locked) -> None:
    subjects = [
        COMMANDS["expense.create"].subject,
        "evt.user.x.expense.created",
        "rpc.currency.rates",
    ]
    assert await _violations(locked, "analyst", subjects) == subjects


async def _sign_up_and_in(http: aiohttp.ClientSession) -> str:
    """A new person, signed up and signed in; their access token."""
    email = f"locked.{uuid.uuid4().hex[:8]}@example.com"
    register = {
        "email": email,
        "password": PASSWORD,
        "name": "Locked",
        "home_currency": "EUR",
        "timezone": "UTC",
    }
    async with http.post("/v1/auth/register", json=register) as resp:
        assert resp.status == 201, await resp.text()
    async with http.post("/v1/auth/login", json={"email": email, "password": PASSWORD}) as resp:
        assert resp.status == 200, await resp.text()
        token: str = (await resp.json())["access_token"]
    return token


async def test_the_locked_stack_serves_sign_up_sign_in_and_an_expense(locked: Locked) -> None:
    async with aiohttp.ClientSession(locked.base) as http:
        token = await _sign_up_and_in(http)
        expense = {"amount": "4.20", "currency": "EUR", "date": "2026-11-20", "description": "tea"}
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())}
        async with http.post("/v1/expenses", json=expense, headers=headers) as resp:
            assert resp.status == 201, await resp.text()
            created = await resp.json()
    assert created["amount"] == "4.20"
    assert created["home_currency"] == "EUR"


async def test_the_locked_edge_sends_the_account_flows_it_makes_itself(locked: Locked) -> None:
    """Commands no client may send but the edge makes (a password asked, then applied): its NATS
    user may publish them, so each is answered, not 503."""
    async with aiohttp.ClientSession(locked.base) as http:
        token = await _sign_up_and_in(http)
        headers = {"Authorization": f"Bearer {token}"}
        async with http.post("/v1/me/sessions/end-others", headers=headers) as resp:
            assert resp.status == 200, await resp.text()
        changed = {"current_password": PASSWORD, "new_password": PASSWORD + " again"}
        async with http.post("/v1/me/password", json=changed, headers=headers) as resp:
            assert resp.status == 204, await resp.text()
        gone = {"current_password": PASSWORD + " again"}
        async with http.post("/v1/me/delete", json=gone, headers=headers) as resp:
            assert resp.status == 204, await resp.text()
        async with http.get("/v1/me", headers=headers) as resp:
            assert resp.status == 401, await resp.text()


async def test_replay_beside_the_stack_reads_the_events_as_the_analyst(locked: Locked) -> None:
    async with aiohttp.ClientSession(locked.base) as http:
        await _sign_up_and_in(http)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGERBUS_")}
    env |= {"LEDGERBUS_DATA_DIR": str(locked.data), "LEDGERBUS_NATS_URL": locked.nats}
    replay = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "deploy.cli", "replay", "--stream", "events",
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(replay.communicate(), 120)
    assert replay.returncode == 0, err.decode()
    types = [json.loads(line)["data"]["type"] for line in out.decode().splitlines()]
    assert "user.registered" in types
