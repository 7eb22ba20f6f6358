"""The embedded servers on ``power_loss``: NATS runs JetStream with every write fsynced and
SecantusDB with ``--sync-on-commit``, and both still take a write (one start of each)."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pymongo
import pytest
from nats.aio.client import Client as NATS

from bus.settings import Settings
from deploy.embedded import find_free_port, mongo_is_ready
from deploy.layout import StackLayout, make_layout
from deploy.nats_spec import nats_is_ready
from tests.support.servers import RunningMongo, RunningNats

pytestmark = pytest.mark.integration


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[tuple[StackLayout, int]]:
    """The servers of a ``power_loss`` stack, running; its layout and SecantusDB's pid."""
    layout = make_layout(
        Settings(durability="power_loss"),
        http_port=find_free_port(),
        nats_port=find_free_port(),
        nats_monitor_port=find_free_port(),
        mongo_port=find_free_port(),
        data_dir=tmp_path,
    )
    layout.nats.prepare()
    layout.mongo.storage_dir.mkdir(parents=True)
    nats = RunningNats(layout.nats, tmp_path / "nats.log")
    mongo = RunningMongo(layout.mongo, tmp_path / "mongo.log")
    try:
        nats.wait_ready(lambda: nats_is_ready(layout.nats), 60)
        mongo.wait_ready(lambda: mongo_is_ready(layout.mongo), 120)
        yield layout, mongo.pid
    finally:
        nats.stop()
        mongo.stop()


def _argv(pid: int) -> list[str]:
    """The command line a running process was started with."""
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")


def _varz(monitor_url: str) -> dict[str, Any]:
    """The NATS server's own account of its configuration."""
    with urllib.request.urlopen(f"{monitor_url}/varz", timeout=5) as response:
        varz: dict[str, Any] = json.load(response)
    return varz


async def test_power_loss_servers_fsync_and_take_a_write(
    servers: tuple[StackLayout, int],
) -> None:
    layout, mongo_pid = servers
    varz = _varz(layout.nats.monitor_url)
    assert varz["jetstream"]["config"]["sync_always"] is True
    assert "--sync-on-commit" in _argv(mongo_pid)

    nc = NATS()
    await nc.connect(servers=[layout.nats.url])
    try:
        js = nc.jetstream()
        await js.add_stream(name="DURABLE", subjects=["durable.>"])
        ack = await js.publish("durable.one", b"kept", headers={"Nats-Msg-Id": "one"})
        assert ack.seq == 1
    finally:
        await nc.close()

    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(layout.mongo.url)
    try:
        with client.start_session() as session, session.start_transaction():
            client.ledgerbus.kept.insert_one({"_id": "one"}, session=session)
            client.ledgerbus.kept.insert_one({"_id": "two"}, session=session)
        assert client.ledgerbus.kept.count_documents({}) == 2
    finally:
        client.close()
