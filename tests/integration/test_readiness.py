"""/readyz is 200 only when a write can be served end to end, and a 503 names what is missing."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import nats
import pytest
from aiohttp import web
from nats.aio.client import Client as NATS

from actors.app import ActorProcess
from actors.registry import ACTORS
from bus.readiness import ActorHealth, ConsumerRef, bus_checks, serve_health
from bus.settings import Settings
from bus.streams import consumer_config, ensure_streams
from bus.subjects import COMMANDS_STREAM, domain_commands
from deploy.embedded import find_free_port
from deploy.serve import build_web_app
from storage.database import Database
from tests.conftest import make_settings
from tests.support.helpers import Stack, eventually
from tests.support.processes import Proc, environment
from tests.support.servers import RunningMongo, RunningNats, start_nats

pytestmark = pytest.mark.integration


@pytest.fixture
async def nc(nats_server: RunningNats) -> AsyncIterator[NATS]:
    client = await nats.connect(nats_server.url)
    yield client
    await client.close()


def test_by_default_readiness_expects_every_actor_there_is() -> None:
    assert sorted(ACTORS) == Settings().expect_actors.split(",")


async def test_actor_checks_name_the_actor_nobody_answers_for_and_a_vanished_consumer(
    nc: NATS, settings: Settings
) -> None:
    await ensure_streams(nc.jetstream(), settings)
    js = nc.jetstream()
    bound, absent, broken = (f"{n}{uuid.uuid4().hex[:8]}" for n in ("bound", "absent", "broken"))
    await js.add_consumer(COMMANDS_STREAM, consumer_config(bound, domain_commands(bound), settings))
    subs = [
        await serve_health(
            nc,
            ActorHealth(
                actor=name,
                node="n1",
                consumers=(ConsumerRef(stream=COMMANDS_STREAM, durable=name),),
            ),
        )
        for name in (bound, broken)  # `broken` names a consumer that does not exist
    ]
    try:
        checks = await bus_checks(nc, [bound, absent, broken], timeout_s=2.0)
    finally:
        for sub in subs:
            await sub.unsubscribe()
        await js.delete_consumer(COMMANDS_STREAM, bound)

    assert {
        "nats": "ok",
        "streams": "ok",
        f"actor:{bound}": "ok",
        f"actor:{absent}": "no process answers",
        f"actor:{broken}": f"consumer missing: {COMMANDS_STREAM}/{broken}",
    } == checks


async def test_missing_streams_are_named(tmp_path: Path) -> None:
    server = start_nats(tmp_path)
    try:
        client = await nats.connect(server.url)
        try:
            checks = await bus_checks(client, [], timeout_s=2.0)
        finally:
            await client.close()
    finally:
        server.stop()

    assert checks == {"nats": "ok", "streams": "missing: COMMANDS, EVENTS"}


async def test_a_started_actor_process_answers_its_ping_naming_its_consumers(
    settings: Settings, database: Database, nc: NATS
) -> None:
    process = ActorProcess(ACTORS["ocr"], settings, database)
    await process.start()
    try:
        assert (await bus_checks(nc, ["ocr"], timeout_s=2.0))["actor:ocr"] == "ok"
        own = process.health()
    finally:
        await process.stop()

    assert own.actor == "ocr"
    assert own.node == settings.node_id
    assert ConsumerRef(stream=COMMANDS_STREAM, durable="ocr") in own.consumers


async def test_readyz_of_the_running_stack_checks_every_part(stack: Stack) -> None:
    async with stack.http.get("/readyz") as resp:
        assert resp.status == 200, await resp.text()
        body = await resp.json()

    expected = {"nats", "mongodb", "streams", *(f"actor:{name}" for name in ACTORS)}
    assert expected == set(body["checks"])
    assert set(body["checks"].values()) == {"ok"}
    assert body["status"] == "ok"


async def test_a_realtime_only_node_checks_the_same_parts(
    stack: Stack, settings: Settings, database: Database
) -> None:
    port = find_free_port()
    app = build_web_app(
        settings.model_copy(update={"http_port": port}), edge=False, database=database
    )
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        found = await _readyz(f"http://127.0.0.1:{port}")
    finally:
        await runner.cleanup()

    assert found is not None
    status, body, _ = found
    assert status == 200, body
    assert {"nats", "mongodb", "streams", *(f"actor:{a}" for a in ACTORS)} == set(body["checks"])


async def _readyz(base: str) -> tuple[int, dict[str, Any], dict[str, str]] | None:
    try:
        async with aiohttp.ClientSession() as http, http.get(f"{base}/readyz") as resp:
            return resp.status, await resp.json(), dict(resp.headers)
    except aiohttp.ClientError:
        return None


async def test_readyz_is_503_naming_an_expected_actor_that_is_not_running(
    tmp_path: Path, mongo_server: RunningMongo
) -> None:
    """Real processes: an edge expecting accounts and splits, with only accounts running, is
    503 naming splits; once a splits process runs, it is 200; once it stops, 503 again."""
    own_nats = start_nats(tmp_path / "nats")
    settings = make_settings(
        own_nats,
        mongo_server,
        tmp_path,
        mongo_db=f"ready_{uuid.uuid4().hex[:6]}",
        http_port=find_free_port(),
        expect_actors="accounts,splits",
    )
    base = f"http://127.0.0.1:{settings.http_port}"
    procs = [
        Proc(["edge"], environment(settings), tmp_path / "edge.log").start(),
        Proc(["actor", "accounts"], environment(settings), tmp_path / "accounts.log").start(),
    ]
    try:

        async def only_splits_missing() -> tuple[int, dict[str, Any], dict[str, str]] | None:
            found = await _readyz(base)
            return found if found and found[1]["checks"]["actor:accounts"] == "ok" else None

        status, body, headers = await eventually(only_splits_missing, timeout_s=120, every_s=0.5)
        assert status == 503
        assert body["status"] == "unavailable"
        assert body["checks"]["actor:splits"] == "no process answers"
        assert {k for k, v in body["checks"].items() if v != "ok"} == {"actor:splits"}
        assert headers["Retry-After"] == "2"

        procs.append(
            Proc(["actor", "splits"], environment(settings), tmp_path / "splits.log").start()
        )

        async def ready() -> bool:
            found = await _readyz(base)
            return found is not None and found[0] == 200

        await eventually(ready, timeout_s=120, every_s=0.5)

        assert procs[-1].terminate() == 0  # a drained process no longer answers for splits

        async def splits_gone() -> bool:
            found = await _readyz(base)
            return found is not None and found[1]["checks"]["actor:splits"] != "ok"

        await eventually(splits_gone, timeout_s=60, every_s=0.2)
    finally:
        for proc in procs:
            proc.close()
        own_nats.stop()
