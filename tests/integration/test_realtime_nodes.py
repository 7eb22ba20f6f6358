"""Two realtime nodes as separate processes: each subscribes only to its own connected users.

Reads nats-server's monitoring endpoint (``/connz?subs=detail``) to see which subjects each
node's NATS connection (named ``realtime-<node_id>``) is subscribed to.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import aiohttp
import pytest

from bus.ids import personal_scopes
from bus.settings import Settings
from bus.subjects import EVENTS_ALL, scope_events
from deploy.embedded import find_free_port
from deploy.supervisor import die_with_parent
from tests.integration.test_realtime import LUNCH, WAIT_S, Device, open_device
from tests.support.helpers import Stack, eventually
from tests.support.servers import RunningNats

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 60.0


@dataclass
class Node:
    """One ``ledgerbus realtime`` process."""

    node_id: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    log: IO[bytes]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def connection_name(self) -> str:
        return f"realtime-{self.node_id}"

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def start_node(settings: Settings, node_id: str, log_dir: Path) -> Node:
    """Start ``python -m deploy.cli realtime`` on a free port, configured like ``settings``."""
    secret = settings.jwt_secret
    assert secret is not None
    env = {key: value for key, value in os.environ.items() if not key.startswith("LEDGERBUS_")}
    port = find_free_port()
    env.update(
        {
            "LEDGERBUS_NATS_URL": settings.nats_url,
            "LEDGERBUS_MONGO_URI": settings.mongo_uri,
            "LEDGERBUS_MONGO_DB": settings.mongo_db,
            "LEDGERBUS_JWT_SECRET": secret.get_secret_value(),
            "LEDGERBUS_HTTP_HOST": "127.0.0.1",
            "LEDGERBUS_HTTP_PORT": str(port),
            "LEDGERBUS_NODE_ID": node_id,
            "LEDGERBUS_LOG_LEVEL": "INFO",
            # As long as the shared stack waits: a slow machine gives a late ack, not "pending".
            "LEDGERBUS_OUTCOME_WAIT_S": str(settings.outcome_wait_s),
            "LEDGERBUS_RPC_TIMEOUT_S": str(settings.rpc_timeout_s),
        }
    )
    log_path = log_dir / f"{node_id}.log"
    log = log_path.open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "deploy.cli", "realtime"],
        cwd=REPO,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=die_with_parent,
    )
    return Node(node_id, port, process, log_path, log)


async def wait_healthy(node: Node, http: aiohttp.ClientSession) -> None:
    async def healthy() -> bool:
        if node.process.poll() is not None:
            raise AssertionError(f"{node.node_id} exited early:\n{node.output()}")
        try:
            async with http.get(f"{node.base_url}/healthz") as resp:
                return resp.status == 200
        except aiohttp.ClientError:
            return False

    await eventually(healthy, timeout_s=START_TIMEOUT_S, every_s=0.2)


@pytest.fixture(scope="module")
async def nodes(
    stack: Stack, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[Node, Node]]:
    log_dir = tmp_path_factory.mktemp("realtime-nodes")
    suffix = uuid.uuid4().hex[:6]
    started = [start_node(settings, f"rt{n}-{suffix}", log_dir) for n in (1, 2)]
    try:
        async with aiohttp.ClientSession() as http:
            for node in started:
                await wait_healthy(node, http)
        yield started[0], started[1]
    finally:
        for node in started:
            node.stop()


async def subscriptions(monitor_url: str, connection_name: str) -> list[str] | None:
    """Subjects the named NATS connection is subscribed to (None if it is not connected)."""
    params = {"subs": "detail", "limit": "100000"}
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{monitor_url}/connz", params=params) as resp,
    ):
        assert resp.status == 200
        data: dict[str, Any] = await resp.json()
    for connection in data["connections"]:
        if connection.get("name") == connection_name:
            return [sub["subject"] for sub in connection.get("subscriptions_list_detail", [])]
    return None


def event_subjects(subjects: list[str]) -> list[str]:
    return sorted(subject for subject in subjects if subject.startswith("evt."))


async def test_each_node_subscribes_only_to_the_users_connected_to_it(
    stack: Stack, nodes: tuple[Node, Node], nats_server: RunningNats
) -> None:
    node1, node2 = nodes
    ada = await stack.signup("Ada")
    bob = await stack.signup("Bob")
    ada_subjects = sorted(scope_events(scope) for scope in personal_scopes(ada.id))
    bob_subjects = sorted(scope_events(scope) for scope in personal_scopes(bob.id))
    ada_socket = await open_device(node1.base_url, ada.access_token)
    bob_socket = await open_device(node2.base_url, bob.access_token)
    try:
        on_node1 = await subscriptions(nats_server.monitor_url, node1.connection_name)
        on_node2 = await subscriptions(nats_server.monitor_url, node2.connection_name)
        assert on_node1 is not None, "node 1 has no NATS connection named as expected"
        assert on_node2 is not None, "node 2 has no NATS connection named as expected"
        assert event_subjects(on_node1) == ada_subjects  # user:<id> and inbox:<id>
        assert event_subjects(on_node2) == bob_subjects
        for subjects in (on_node1, on_node2):
            assert EVENTS_ALL not in subjects

        # An expense made over HTTP (another process's connection) reaches Ada's socket on node 1.
        status, expense = await stack.call("POST", "/v1/expenses", ada, json=LUNCH)
        assert status == 201, expense
        created = await ada_socket.wait_for("expense.created")
        assert [e["data"]["entity"]["id"] for e in created] == [expense["id"]]
        assert created[0]["scope"] == f"user:{ada.id}"

        # A command over node 2's socket is applied and its event comes back to Bob only.
        ack = await bob_socket.command({"type": "expense.create", "payload": LUNCH})
        assert ack["status"] == "accepted", ack
        got = await bob_socket.wait_for("expense.created")
        assert [e["data"]["entity"]["id"] for e in got] == [ack["entity"]["id"]]
        assert [e["data"]["entity"]["id"] for e in ada_socket.received("expense.created")] == [
            expense["id"]
        ]
    finally:
        await ada_socket.close()
        await bob_socket.close()


async def test_node_holds_one_subscription_per_user_until_the_last_socket_leaves(
    stack: Stack, nodes: tuple[Node, Node], nats_server: RunningNats
) -> None:
    node1, _ = nodes
    ada = await stack.signup("Ada")
    own = [scope_events(scope) for scope in personal_scopes(ada.id)]

    async def count() -> int:
        """Subscriptions held for each of Ada's two scopes (the same number for both)."""
        subjects = await subscriptions(nats_server.monitor_url, node1.connection_name)
        assert subjects is not None
        counts = {subjects.count(subject) for subject in own}
        assert len(counts) == 1, subjects
        return counts.pop()

    phone: Device = await open_device(node1.base_url, ada.access_token)
    laptop: Device = await open_device(node1.base_url, ada.access_token)
    try:
        assert await count() == 1
        await phone.close()
        await phone.wait_disconnected()
        assert await count() == 1
        await laptop.close()
        await laptop.wait_disconnected()

        async def unsubscribed() -> bool:
            return await count() == 0

        await eventually(unsubscribed, timeout_s=WAIT_S)
    finally:
        await phone.close()
        await laptop.close()
