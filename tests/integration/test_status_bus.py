"""``ledgerbus status --json`` against a real nats-server: a durable with a backlog and nobody
pulling fails the check with its numbers right; bound and caught up, it passes; bound but over
``--max-lag``, it fails as lagging."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig

from deploy.status_view import EXIT_LAGGING, EXIT_NO_SUBSCRIBER, EXIT_OK
from tests.support.helpers import eventually
from tests.support.processes import REPO
from tests.support.servers import RunningNats, start_nats

pytestmark = pytest.mark.integration
STREAM, SUBJECT, DURABLE = "ORDERS", "orders.new", "packer"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningNats]:
    """A server of the test's own: status reads every stream and durable it has."""
    running = start_nats(tmp_path)
    yield running
    running.stop()


@pytest.fixture
async def js(server: RunningNats) -> AsyncIterator[JetStreamContext]:
    nc: NATS = await nats.connect(server.url)
    context = nc.jetstream()
    await context.add_stream(name=STREAM, subjects=["orders.>"])
    config = ConsumerConfig(
        durable_name=DURABLE, filter_subject=SUBJECT, ack_policy=AckPolicy.EXPLICIT
    )
    await context.add_consumer(STREAM, config)
    yield context
    await nc.close()


async def _status(server: RunningNats, data_dir: Path, *flags: str) -> tuple[int, dict[str, Any]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGERBUS_")}
    args = [sys.executable, "-m", "deploy.cli", "status", "--json", "--nats-url", server.url]
    done = await asyncio.to_thread(
        subprocess.run,
        [*args, "--data-dir", str(data_dir), *flags],
        cwd=REPO,
        env=env,
        capture_output=True,
        timeout=60,
    )
    found: dict[str, Any] = json.loads(done.stdout)
    return done.returncode, found


def _durable(found: dict[str, Any]) -> dict[str, Any]:
    durables: list[dict[str, Any]] = [d for d in found["durables"] if d["name"] == DURABLE]
    [durable] = durables
    return durable


async def _publish(js: JetStreamContext, count: int) -> None:
    for n in range(count):
        await js.publish(SUBJECT, f"order {n}".encode())


async def test_a_backlog_nobody_pulls_fails_with_its_numbers(
    server: RunningNats, js: JetStreamContext, tmp_path: Path
) -> None:
    await js.publish("orders.cancelled", b"not for the packer")
    published = time.time()
    await _publish(js, 5)
    await asyncio.sleep(1.0)

    code, found = await _status(server, tmp_path)
    took = time.time() - published

    assert code == EXIT_NO_SUBSCRIBER
    assert found["exit_code"] == EXIT_NO_SUBSCRIBER
    [stream] = found["streams"]
    assert (stream["name"], stream["messages"], stream["first_seq"], stream["last_seq"]) == (
        STREAM,
        6,
        1,
        6,
    )
    durable = _durable(found)
    assert (durable["pending"], durable["ack_pending"], durable["lag"]) == (5, 0, 5)
    assert (durable["waiting_pulls"], durable["subscribed"]) == (0, False)
    assert durable["problems"] == ["no subscriber"]
    assert durable["last_applied"] is None
    assert durable["oldest_unacked_from"] == "stream"
    assert 1.0 <= durable["oldest_unacked_age_s"] <= took + 1.0  # seq 2, published at `published`
    assert found["up"] is None


async def test_a_bound_consumer_that_caught_up_passes_and_one_over_max_lag_fails(
    server: RunningNats, js: JetStreamContext, tmp_path: Path
) -> None:
    await _publish(js, 5)
    sub = await js.pull_subscribe(SUBJECT, durable=DURABLE, stream=STREAM)
    for msg in await sub.fetch(5, timeout=5):
        await msg.ack_sync()  # the server has the ack before status looks
    held: list[Any] = []

    async def keep_pulling() -> None:
        """A subscriber that always has a pull waiting; it takes messages and holds them."""
        while True:
            try:
                held.extend(await sub.fetch(10, timeout=1))
            except TimeoutError:  # nats' own, or asyncio's when the deadline ran out first
                continue

    pulling = asyncio.create_task(keep_pulling())
    try:
        code, found = await _status(server, tmp_path)
        durable = _durable(found)
        assert code == EXIT_OK, found
        assert (durable["lag"], durable["subscribed"], durable["problems"]) == (0, True, [])
        assert durable["last_applied"] is not None
        assert durable["oldest_unacked_age_s"] is None

        await _publish(js, 3)
        # delivered to the puller, which does not ack them
        async def all_held() -> bool:
            if pulling.done():  # the puller failed: say why rather than wait for nothing
                pulling.result()
            return len(held) >= 3

        await eventually(all_held)
        code, found = await _status(server, tmp_path, "--max-lag", "2")
        durable = _durable(found)
        assert code == EXIT_LAGGING, found
        assert (durable["pending"], durable["ack_pending"]) == (0, 3)
        assert durable["problems"] == ["lag 3 > 2"]
        assert len(held) == 3
    finally:
        pulling.cancel()
        await asyncio.gather(pulling, return_exceptions=True)
