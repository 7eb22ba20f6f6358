"""While NATS or MongoDB is unreachable the edge answers 503 with Retry-After, and /readyz says why."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pymongo import AsyncMongoClient

from bus.readiness import READY
from bus.settings import Settings
from bus.tokens import issue_access_token
from deploy.embedded import find_free_port
from tests.conftest import make_settings
from tests.support.helpers import eventually
from tests.support.processes import Proc, environment
from tests.support.servers import RunningMongo, RunningNats, start_mongo, start_nats

pytestmark = pytest.mark.integration
EXPENSE = {"amount": "2.00", "currency": "EUR", "date": "2026-11-20"}


async def _status(url: str, **kwargs: object) -> tuple[int, dict[str, object], dict[str, str]]:
    async with aiohttp.ClientSession() as http:
        method = "POST" if "json" in kwargs else "GET"
        async with http.request(
            method, url, timeout=aiohttp.ClientTimeout(total=30), **kwargs
        ) as resp:  # type: ignore[arg-type]
            return resp.status, await resp.json(content_type=None), dict(resp.headers)


async def _serving(base: str) -> bool:
    """Whether the edge says it reaches NATS and MongoDB (the actors it expects may come later,
    or never: these nodes run none unless a test starts one)."""
    try:
        _, ready, _ = await _status(f"{base}/readyz")
    except aiohttp.ClientError:
        return False
    checks: Any = ready.get("checks") or {}
    return checks.get("nats") == READY and checks.get("mongodb") == READY


async def _ready(base: str) -> bool:
    return (await _status(f"{base}/readyz"))[0] == 200


def _token(
    settings: Settings, user_id: str = "u-outage", session_id: str = "s-outage"
) -> dict[str, str]:
    secret = settings.jwt_secret.get_secret_value()  # type: ignore[union-attr]
    token, _ = issue_access_token(user_id, session_id, secret=secret, issuer="ledgerbus", ttl_s=600)
    return {"Authorization": f"Bearer {token}"}


async def _open_session(
    settings: Settings, user_id: str = "u-outage", session_id: str = "s-outage"
) -> None:
    """A live sign-in session in the edge's database, so its access token is accepted."""
    now = datetime.now(UTC)
    client: AsyncMongoClient[Any] = AsyncMongoClient(settings.mongo_uri)
    await client[settings.mongo_db].sessions.insert_one(
        {
            "_id": session_id,
            "user_id": user_id,
            "token_hash": "x",
            "rotated_hashes": [],
            "device_id": None,
            "created_at": now,
            "refreshed_at": now,
            "expires_at": now + timedelta(days=1),
            "revoked": False,
            "revoked_reason": None,
            "version": 1,
        }
    )
    await client.close()


@dataclass
class EdgeNode:
    """An edge process on a NATS server of its own, serving at ``base``."""

    settings: Settings
    nats: RunningNats
    edge: Proc
    base: str


@asynccontextmanager
async def edge_node(
    tmp_path: Path, mongo: RunningMongo, **overrides: object
) -> AsyncIterator[EdgeNode]:
    nats = start_nats(tmp_path / "nats")
    settings = make_settings(
        nats,
        mongo,
        tmp_path,
        mongo_db=f"edge_{uuid.uuid4().hex[:6]}",
        http_port=find_free_port(),
        **overrides,
    )
    edge = Proc(["edge"], environment(settings), tmp_path / "edge.log").start()
    node = EdgeNode(settings, nats, edge, f"http://127.0.0.1:{settings.http_port}")
    try:

        async def serving() -> bool:  # /healthz comes sooner
            assert edge.alive(), edge.log_path.read_text()[-3000:]
            return await _serving(node.base)

        await eventually(serving, timeout_s=60)
        yield node
    finally:
        edge.close()
        nats.stop()


async def test_nats_down_gives_503_with_retry_after_and_readyz_names_it(
    tmp_path: Path, mongo_server: RunningMongo
) -> None:
    async with edge_node(tmp_path, mongo_server, expect_actors="") as node:
        base, settings = node.base, node.settings
        await eventually(lambda: _ready(base), timeout_s=60)  # every part it expects is there
        await _open_session(settings)
        assert (await _status(f"{base}/v1/expenses", headers=_token(settings)))[0] == 200
        node.nats.kill()
        started = time.monotonic()
        status, problem, headers = await _status(
            f"{base}/v1/expenses", json=EXPENSE, headers=_token(settings)
        )
        assert (status, problem["code"]) == (503, "unavailable")
        assert headers["Retry-After"] == "2"
        assert time.monotonic() - started < 15  # bounded, not hanging
        status, ready, _ = await _status(f"{base}/readyz")
        assert status == 503
        assert ready["checks"]["nats"] != "ok"  # type: ignore[index]
        assert ready["checks"]["mongodb"] == "ok"  # type: ignore[index]


async def test_mongodb_down_gives_503_with_retry_after_and_readyz_names_it(tmp_path: Path) -> None:
    mongo = start_mongo(tmp_path / "mongo")
    try:
        async with edge_node(tmp_path, mongo) as node:
            mongo.kill()
            started = time.monotonic()
            status, problem, headers = await _status(
                f"{node.base}/v1/expenses", headers=_token(node.settings)
            )
            assert (status, problem["code"]) == (503, "unavailable")
            assert "Retry-After" in headers
            assert time.monotonic() - started < 20
            status, ready, _ = await _status(f"{node.base}/readyz")
            assert status == 503
            assert str(ready["checks"]["mongodb"]).startswith("unreachable")  # type: ignore[index]
    finally:
        mongo.stop()


async def test_slow_outcome_is_202_then_the_stored_outcome_is_served(
    tmp_path: Path, mongo_server: RunningMongo
) -> None:
    async with edge_node(tmp_path, mongo_server, outcome_wait_s=1.0) as node:
        base, settings = node.base, node.settings
        await _open_session(settings)
        headers = _token(settings)
        status, pending, response_headers = await _status(
            f"{base}/v1/expenses", json=EXPENSE, headers=headers
        )
        assert (status, pending["status"]) == (202, "pending")  # no actor is running yet
        location = response_headers["Location"]
        assert location == f"/v1/commands/{pending['command_id']}"
        assert (await _status(f"{base}{location}", headers=headers))[0] == 202
        actor = Proc(["actor", "expenses"], environment(settings), tmp_path / "actor.log").start()
        try:

            async def accepted() -> dict[str, object] | None:
                code, body, _ = await _status(f"{base}{location}", headers=headers)
                return body if code == 200 else None

            done = await eventually(accepted, timeout_s=60)
            assert done["status"] == "accepted"
            assert done["outcome"]["entity"]["amount"] == "2.00"  # type: ignore[index]
        finally:
            actor.close()


async def test_sigterm_stops_the_edge_cleanly(tmp_path: Path, mongo_server: RunningMongo) -> None:
    async with edge_node(tmp_path, mongo_server) as node:
        code = await asyncio.to_thread(node.edge.terminate, node.settings.drain_timeout_s + 20)
        assert code == 0
        assert any(line.get("event") == "web_stopped" for line in node.edge.lines())
