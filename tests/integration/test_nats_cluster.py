"""``ledgerbus up --nats-cluster 3``: three nats-servers routed on loopback, the streams kept on
all three. A stream's leader killed with SIGKILL in the middle of 10,000 commands loses none and
applies none twice; a device follows writes made through another edge, and outlives the death
of its socket server by resuming on another with no gap."""

from __future__ import annotations

import asyncio
import functools
import os
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import nats
import pytest
from pymongo import AsyncMongoClient

from bus.subjects import COMMANDS_STREAM, EVENTS_STREAM
from deploy.bench.drain.backlog import backlog_commands
from deploy.bench.drain.records import applied
from deploy.bench.users import sign_up_many
from deploy.embedded import find_free_port
from tests.support.cluster_stack import ClusterStack, cluster_stack, ok, start_web
from tests.support.helpers import eventually
from tests.support.sockets import Device, open_device
from tests.support.steady_publisher import SteadyPublisher

pytestmark = pytest.mark.integration

COMMANDS = 10_000
KILL_AFTER = 3_000
"""Acknowledged commands before the leader is killed."""
USERS = 8
APPLY_WAIT_S = 600.0  # a bound only a failing run waits out
ROUND = 31  # the expenses' descriptions: "drain round 31 expense <i>"


@pytest.fixture(scope="module")
async def cluster(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[ClusterStack]:
    # The leader is killed, not the machine: fsyncing every write (power_loss) is not what is
    # tested. And only the actors an expense needs run: with every reaction (budgets, fraud,
    # splits ...) on SecantusDB, the database applies some 30 expenses a second on this
    # machine's two cores, and the run would take many minutes to say the same.
    settings = {"LEDGERBUS_DURABILITY": "process_crash"}
    actors = ("accounts", "currency", "expenses")
    tmp = tmp_path_factory.mktemp("cluster")
    async with cluster_stack(tmp, 3, settings, actors) as stack:
        yield stack


async def _js(stack: ClusterStack, role: str) -> Any:
    url = stack.credentials.nats_url(role, stack.nats_url)
    nc = await nats.connect(servers=url.split(","), max_reconnect_attempts=-1)
    return nc, nc.jetstream(timeout=5.0)


async def _leader(js: Any, stream: str) -> str:
    info = await js.stream_info(stream)
    leader: str = info.cluster.leader
    return leader


async def _in_step(js: Any, stream: str) -> list[str]:
    """The servers that hold all of ``stream``: its leader and the followers that are current."""
    try:
        info = await js.stream_info(stream)
    except Exception:  # electing a leader: nothing answers yet
        return []
    current = [p.name for p in info.cluster.replicas or [] if p.current]
    return sorted([info.cluster.leader, *current] if info.cluster.leader else current)


async def _expenses_idle(js: Any) -> bool:
    """True when the expenses durable has nothing pending nor unacknowledged. A request that
    gets no answer in time (the consumer's leader is being elected, or the server it reached was
    just killed) is "not known yet", not an error: the caller polls again."""
    try:
        info = await js.consumer_info(COMMANDS_STREAM, "expenses")
    except (nats.errors.TimeoutError, nats.errors.NoRespondersError):
        return False
    return int(info.num_pending) == 0 and int(info.num_ack_pending) == 0


async def test_the_streams_are_kept_on_all_three_servers(cluster: ClusterStack) -> None:
    nc, js = await _js(cluster, "ops")
    try:
        for stream in (COMMANDS_STREAM, EVENTS_STREAM):
            info = await js.stream_info(stream)
            assert info.config.num_replicas == 3
            servers = {info.cluster.leader, *(p.name for p in info.cluster.replicas)}
            assert servers == {"nats-1", "nats-2", "nats-3"}
    finally:
        await nc.close()


@pytest.mark.timeout(1200)  # 10,000 commands through the whole stack on three servers
async def test_killing_the_stream_leader_mid_run_loses_and_repeats_nothing(
    cluster: ClusterStack,
) -> None:
    users = await sign_up_many(cluster.base, USERS)
    commands = backlog_commands([u.id for u in users], ROUND, COMMANDS)
    nc, js = await _js(cluster, "edge")
    ops, ops_js = await _js(cluster, "ops")
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        cluster.credentials.mongo_uri("ops", cluster.mongo)
    )
    db = mongo["ledgerbus"]
    try:
        publisher = SteadyPublisher(js)
        began = time.monotonic()
        publishing = asyncio.create_task(publisher.run(commands))

        async def enough_acked() -> bool:
            assert not publishing.done() or publishing.exception() is None
            return len(publisher.acks) >= KILL_AFTER

        await eventually(enough_acked, timeout_s=APPLY_WAIT_S, every_s=0.05)
        leader = await _leader(ops_js, COMMANDS_STREAM)
        os.kill(cluster.pid_of(leader), signal.SIGKILL)
        killed_at = time.monotonic()
        acked_before = len(publisher.acks)
        await publishing
        published_s = time.monotonic() - began

        async def drained() -> bool:
            """Nothing left for the expenses actor: every command delivered and acknowledged,
            which it does only after committing it. (JetStream's count, not the database's: a
            query of 10,000 ids a second would itself slow SecantusDB to a crawl.)"""
            return await _expenses_idle(ops_js)

        await eventually(drained, timeout_s=APPLY_WAIT_S, every_s=1.0)
        applied_s = time.monotonic() - began
        records = await applied(db, [c.command_id for c in commands])
        expenses = db["expenses"].aggregate(
            [
                {"$match": {"description": {"$regex": f"^drain round {ROUND} expense "}}},
                {"$group": {"_id": "$description", "n": {"$sum": 1}}},
                {"$group": {"_id": None, "distinct": {"$sum": 1}, "all": {"$sum": "$n"}}},
            ]
        )
        counted = (await (await expenses).to_list())[0]
        stored = await ops_js.stream_info(
            COMMANDS_STREAM, subjects_filter="cmd.expenses.expense_create"
        )
        new_leader = await _leader(ops_js, COMMANDS_STREAM)
        recovery_s = publisher.recovery_after(killed_at)
        print(
            f"\nleader {leader} killed after {acked_before} of {COMMANDS} acknowledged; "
            f"new leader {new_leader}; first publish acknowledged {recovery_s:.2f} s after the "
            f"kill; longest silence {publisher.longest_silence():.2f} s; "
            f"{len(publisher.failures)} failed attempts; all published in {published_s:.1f} s, "
            f"all applied in {applied_s:.1f} s"
        )
        assert records.applied == COMMANDS
        assert records.accepted == COMMANDS
        assert counted["distinct"] == COMMANDS
        assert counted["all"] == COMMANDS
        assert stored.state.subjects == {"cmd.expenses.expense_create": COMMANDS}
        # The kill was felt: publishes failed while the stream had no leader, and were repeated.
        # (Who leads afterwards is the election's choice: the killed server, restarted by the
        # supervisor within a second, may rejoin in time to win it.)
        assert len(publisher.failures) > 0

        async def healed() -> bool:
            """The supervisor restarted the killed server and it caught up (as a current
            follower, or as the leader again if it won the election)."""
            return leader in await _in_step(ops_js, COMMANDS_STREAM)

        await eventually(healed, timeout_s=120, every_s=0.5)
        assert cluster.restarts_of(leader) == 1
    finally:
        await mongo.close()
        await nc.close()
        await ops.close()


def _seqs(device: Device, scope: str) -> list[int]:
    return [
        data["seq"]
        for _name, data in device.events
        if isinstance(data, dict) and data.get("scope") == scope and "seq" in data
    ]


def _contiguous(seqs: list[int], after: int) -> int:
    """The highest ``n`` such that every seq from ``after + 1`` to ``n`` is in ``seqs``."""
    have, n = set(seqs), after
    while n + 1 in have:
        n += 1
    return n


async def _head(http: aiohttp.ClientSession, base: str, token: str, scope: str) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    async with http.get(f"{base}/v1/sync/heads", headers=headers) as resp:
        assert resp.status == 200, await resp.text()
        return int((await resp.json())["scopes"][scope])


async def _expense(http: aiohttp.ClientSession, base: str, token: str, n: int) -> None:
    body = {"amount": f"{n}.50", "currency": "EUR", "date": "2026-11-20", "description": f"x{n}"}
    headers = {"Authorization": f"Bearer {token}"}
    async with http.post(f"{base}/v1/expenses", json=body, headers=headers) as resp:
        assert resp.status in (201, 202), await resp.text()
        answer = await resp.json()
    if resp.status == 202:  # accepted but not applied within the edge's wait: follow it

        async def settled() -> dict[str, Any] | None:
            url = f"{base}/v1/commands/{answer['command_id']}"
            async with http.get(url, headers=headers) as polled:
                found: dict[str, Any] = await polled.json()
                return found if polled.status == 200 else None

        done = await eventually(settled, timeout_s=APPLY_WAIT_S, every_s=0.2)
        assert done["status"] == "accepted", done


async def test_a_device_follows_writes_through_another_edge_and_outlives_its_node(
    cluster: ClusterStack, tmp_path: Path
) -> None:
    kinds = {"edge-b": "edge", "rt-1": "realtime", "rt-2": "realtime"}
    bases = {name: f"http://127.0.0.1:{find_free_port()}" for name in kinds}
    web = {
        name: start_web(
            cluster, kind, name, int(bases[name].rsplit(":", 1)[1]), tmp_path / f"{name}.log"
        )
        for name, kind in kinds.items()
    }
    edges = [bases["edge-b"], cluster.base]
    devices: list[Device] = []
    ops, ops_js = await _js(cluster, "ops")
    try:
        await eventually(functools.partial(_expenses_idle, ops_js), timeout_s=APPLY_WAIT_S)
        for base in bases.values():
            await eventually(functools.partial(ok, f"{base}/readyz"), timeout_s=120, every_s=0.5)
        [ada] = await sign_up_many(cluster.base, 1)
        scope = f"user:{ada.id}"
        async with aiohttp.ClientSession() as http:
            start = await _head(http, cluster.base, ada.token, scope)
            phone = await open_device(bases["rt-1"], ada.token)
            devices.append(phone)
            for n in (1, 2):  # one through each edge; the phone is on neither
                await _expense(http, edges[n % 2], ada.token, n)
            await phone.wait_for_seqs(
                scope, start, await _head(http, cluster.base, ada.token, scope)
            )

            web["rt-1"].kill9()  # the phone's socket server dies
            await phone.wait_disconnected()
            last = _contiguous(_seqs(phone, scope), start)
            for n in range(3, 8):  # written while the phone has no server
                await _expense(http, edges[n % 2], ada.token, n)
            moved = await open_device(bases["rt-2"], ada.token, resume=True)
            devices.append(moved)
            ack = await moved.client.call("sync.resume", {"scopes": {scope: last}}, timeout=60)
            assert ack["status"] == "done", ack
            head = ack["scopes"][scope]
            assert head >= last + 5
            await moved.wait_for_seqs(scope, last, head)
            got = _seqs(moved, scope)
            assert got[: head - last] == list(range(last + 1, head + 1))  # no gap, in order
            assert len(got) == len(set(got))  # nothing twice
            await _expense(http, edges[0], ada.token, 8)  # and live events go on
            await moved.wait_for_seqs(scope, last, head + 1)
    finally:
        for device in devices:
            await device.close()
        for proc in web.values():
            proc.close()
        await ops.close()
