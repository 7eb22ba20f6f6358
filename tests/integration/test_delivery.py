"""Exactly-once effect across real processes: shared consumers, kill -9, crash before publish, poison.

Each test here runs actor processes (`python -m deploy.cli actor expenses`) against a NATS server
of its own and a database of its own on the shared SecantusDB, and checks the result by counting.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.aio.client import Client as NATS
from pymongo import AsyncMongoClient

from bus.client import build_command, message_id
from bus.commands import spec_for
from bus.settings import Settings
from bus.streams import ensure_streams
from bus.subjects import EVENTS_STREAM, command_subject
from tests.conftest import make_settings
from tests.support.helpers import eventually
from tests.support.processes import Proc, environment
from tests.support.servers import RunningMongo, RunningNats, start_nats

pytestmark = pytest.mark.integration


@dataclass
class Env:
    settings: Settings
    tmp: Path
    nc: NATS
    db: Any  # AsyncDatabase on this test's own database

    def actor(self, name: str = "expenses", node: str = "", **extra: str) -> Proc:
        # DEBUG: the per-command `command_applied` lines these tests count are DEBUG.
        env = environment(
            self.settings, node_id=node or uuid.uuid4().hex[:8], **{"log_level": "DEBUG", **extra}
        )
        return Proc(
            ["actor", name], env, self.tmp / f"{name}-{node or uuid.uuid4().hex[:6]}.log"
        ).start()

    async def publish_creates(
        self, users: list[str], count: int, per_second: float | None = None
    ) -> list[str]:
        """Publish expense.create commands directly on JetStream, as the edge would; return their ids."""
        js = self.nc.jetstream()
        ids = []
        for i in range(count):
            payload = {
                "amount": f"{1 + i % 50}.25",
                "currency": "EUR",
                "date": "2026-11-20",
                "description": f"n{i}",
            }
            command = build_command("expense.create", payload, issuer=users[i % len(users)])
            await js.publish(
                command_subject(spec_for(command.type).domain, command.type),
                command.model_dump_json().encode(),
                headers={"Nats-Msg-Id": message_id(command)},
            )
            ids.append(command.command_id)
            if per_second:
                await asyncio.sleep(1 / per_second)
        return ids

    async def processed(self, command_type: str = "expense.create") -> int:
        return int(await self.db.processed_commands.count_documents({"type": command_type}))

    async def assert_exactly_once(self, expected: int) -> None:
        """One expense, one event and one stream message per command; every scope's seq gap-free."""
        assert await self.db.expenses.count_documents({}) == expected
        seqs: dict[str, list[int]] = {}
        async for row in self.db.events.find({"type": "expense.created"}, {"scope": 1, "seq": 1}):
            seqs.setdefault(row["scope"], []).append(row["seq"])
        assert sum(len(v) for v in seqs.values()) == expected
        for scope in seqs:
            every = sorted(
                [r["seq"] async for r in self.db.events.find({"scope": scope}, {"seq": 1})]
            )
            assert every == list(range(1, len(every) + 1)), f"gap or duplicate seq in {scope}"
        info = await self.nc.jetstream().stream_info(
            EVENTS_STREAM, subjects_filter="evt.user.*.expense.created"
        )
        assert sum((info.state.subjects or {}).values()) == expected


@pytest.fixture(scope="module")
def own_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningNats]:
    server = start_nats(tmp_path_factory.mktemp("nats-delivery"))
    yield server
    server.stop()


@pytest.fixture
async def env(
    own_nats: RunningNats, mongo_server: RunningMongo, tmp_path: Path
) -> AsyncIterator[Env]:
    settings = make_settings(
        own_nats,
        mongo_server,
        tmp_path,
        mongo_db=f"delivery_{uuid.uuid4().hex[:8]}",
        consumer_ack_wait_s=2.0,
    )
    nc = await nats.connect(settings.nats_url)
    js = nc.jetstream()
    await ensure_streams(js, settings)
    for stream in ("COMMANDS", "EVENTS"):
        await js.purge_stream(stream)
    for consumer in ("expenses", "expenses--user-registered"):
        with contextlib.suppress(Exception):
            await js.delete_consumer("COMMANDS" if consumer == "expenses" else "EVENTS", consumer)
    client: AsyncMongoClient[Any] = AsyncMongoClient(settings.mongo_uri, tz_aware=True)
    yield Env(settings, tmp_path, nc, client[settings.mongo_db])
    await client.drop_database(settings.mongo_db)
    await client.close()
    await nc.close()


async def test_two_processes_share_one_consumer_and_apply_each_command_once(env: Env) -> None:
    a, b = env.actor(node="a"), env.actor(node="b")
    try:
        # Both consume before the first command is sent: one process that starts later than
        # the other on a busy machine would otherwise find the work already done.
        await eventually(lambda: _started(a), timeout_s=90)
        await eventually(lambda: _started(b), timeout_s=90)
        users = [str(uuid.uuid4()) for _ in range(4)]
        sent = await env.publish_creates(users, 400)
        await eventually(lambda: _at_least(env.processed(), 400), timeout_s=90)

        async def all_logged() -> bool:  # a process logs "applied" just after its commit
            return len(a.applied("expense.create")) + len(b.applied("expense.create")) >= 400

        await eventually(all_logged, timeout_s=30)
        by_a, by_b = set(a.applied("expense.create")), set(b.applied("expense.create"))
        assert by_a, "process a took no part of the work"
        assert by_b, "process b took no part of the work"
        assert not by_a & by_b, "a command was applied by both processes"
        assert by_a | by_b == set(sent)
        await env.assert_exactly_once(400)
    finally:
        a.close()
        b.close()


@pytest.mark.timeout(480)  # 600 commands through processes started, killed and restarted
async def test_kill_9_mid_stream_loses_nothing_and_duplicates_nothing(env: Env) -> None:
    a, b = env.actor(node="a"), env.actor(node="b")
    replacement: Proc | None = None
    try:
        users = [str(uuid.uuid4()) for _ in range(6)]
        publishing = asyncio.create_task(env.publish_creates(users, 600, per_second=150))
        await eventually(lambda: _at_least(env.processed(), 120), timeout_s=60)
        a.kill9()
        replacement = env.actor(node="a2")
        sent = await publishing
        await eventually(lambda: _at_least(env.processed(), 600), timeout_s=300)
        await asyncio.sleep(
            env.settings.consumer_ack_wait_s * 2
        )  # any straggling redelivery lands now
        assert await env.processed() == 600
        await env.assert_exactly_once(600)
        applied = Counter(
            a.applied("expense.create")
            + b.applied("expense.create")
            + replacement.applied("expense.create")
        )
        assert set(applied) <= set(sent)
        assert all(n == 1 for n in applied.values()), "a command was applied twice"
    finally:
        for proc in (a, b, replacement):
            if proc is not None:
                proc.close()


async def test_crash_between_commit_and_publish_is_recovered_by_the_relay(env: Env) -> None:
    crashing = env.actor(node="crash", failpoint="crash_after_commit")
    healthy: Proc | None = None
    try:
        user = str(uuid.uuid4())
        [command_id] = await env.publish_creates([user], 1)
        await eventually(lambda: _done(crashing), timeout_s=60)
        assert crashing.popen.returncode == 86
        record = await env.db.events.find_one({"command_id": command_id})
        assert record is not None
        unpublished = await env.db.outbox.count_documents({"event_ids": record["_id"]})
        assert unpublished == 1, "committed in the outbox, never published"
        healthy = env.actor(node="healthy")
        await eventually(lambda: _published(env, record["_id"]), timeout_s=60)
        await asyncio.sleep(env.settings.relay_interval_s * 3 + env.settings.consumer_ack_wait_s)
        info = await env.nc.jetstream().stream_info(
            EVENTS_STREAM, subjects_filter=f"evt.user.{user}.>"
        )
        assert info.state.messages == 1, "exactly one message for the one event"
        assert await env.db.expenses.count_documents({}) == 1
        assert await env.processed() == 1
    finally:
        crashing.close()
        if healthy is not None:
            healthy.close()


async def test_poison_message_is_dead_lettered_while_the_consumer_keeps_serving(env: Env) -> None:
    actor = env.actor(node="p")
    try:
        js = env.nc.jetstream()
        await js.publish(
            "cmd.expenses.expense_create",
            b"\x00not json at all",
            headers={"Nats-Msg-Id": "poison-1"},
        )
        await env.publish_creates([str(uuid.uuid4())], 5)
        await eventually(lambda: _at_least(env.processed(), 5), timeout_s=60)
        letter = await eventually(lambda: env.db.dead_letters.find_one({}), timeout_s=30)
        assert letter["subject"] == "cmd.expenses.expense_create"
        assert letter["reason"].startswith("undecodable")
        assert await env.db.expenses.count_documents({}) == 5
    finally:
        actor.close()


async def test_sigterm_drains_and_exits_cleanly(env: Env) -> None:
    actor = env.actor(node="t")
    try:
        await env.publish_creates([str(uuid.uuid4())], 50)
        await eventually(lambda: _at_least(env.processed(), 1), timeout_s=60)
        code = await asyncio.to_thread(actor.terminate, env.settings.drain_timeout_s + 20)
        assert code == 0
        assert any(line.get("event") == "actor_stopped" for line in actor.lines())
    finally:
        actor.close()
    again = env.actor(node="t2")
    try:
        await eventually(lambda: _at_least(env.processed(), 50), timeout_s=60)
        await env.assert_exactly_once(50)
    finally:
        again.close()


async def _at_least(value: Any, n: int) -> bool:
    return bool(await value >= n)


async def _started(proc: Proc) -> bool:
    """Whether the actor process consumes (it logs `actor_started` once its consumers run)."""
    return any(line.get("event") == "actor_started" for line in proc.lines())


async def _done(proc: Proc) -> bool:
    return not proc.alive()


async def _published(env: Env, event_id: str) -> bool:
    return await env.db.outbox.count_documents({"event_ids": event_id}) == 0


async def test_dlq_list_shows_dead_letters_and_redrive_applies_them_once(env: Env) -> None:
    from bus.envelopes import utcnow

    user = str(uuid.uuid4())
    payload = {"amount": "3.50", "currency": "EUR", "date": "2026-11-20", "description": "redriven"}
    command = build_command("expense.create", payload, issuer=user)
    await env.db.dead_letters.insert_one(
        {
            "_id": "COMMANDS:999999",
            "stream": "COMMANDS",
            "stream_seq": 999999,
            "subject": "cmd.expenses.expense_create",
            "consumer": "expenses",
            "data": command.model_dump_json(),
            "headers": {},
            "reason": "failed 3 times: database was down",
            "deliveries": 3,
            "command_id": command.command_id,
            "created_at": utcnow(),
            "redriven_at": None,
        }
    )
    cli_env = environment(env.settings)
    listed = await asyncio.to_thread(_cli, ["dlq", "list"], cli_env)
    assert "COMMANDS:999999" in listed
    assert "1 dead letter(s) waiting" in listed
    actor = env.actor(node="r")
    try:
        redriven = await asyncio.to_thread(_cli, ["dlq", "redrive"], cli_env)
        assert "1 dead letter(s) redriven" in redriven
        await eventually(lambda: _at_least(env.processed(), 1), timeout_s=60)
        again = await asyncio.to_thread(_cli, ["dlq", "redrive"], cli_env)
        assert "0 dead letter(s) redriven" in again
        assert await env.db.expenses.count_documents({"description": "redriven"}) == 1
    finally:
        actor.close()


def _cli(args: list[str], cli_env: dict[str, str]) -> str:
    import subprocess
    import sys

    from tests.support.processes import REPO

    done = subprocess.run(
        [sys.executable, "-m", "deploy.cli", *args],
        env=cli_env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


async def test_a_command_arriving_again_after_the_duplicate_window_changes_nothing(
    env: Env,
) -> None:
    """JetStream forgets message ids after its window; the processed-command record does not."""
    actor = env.actor(node="w")
    try:
        js = env.nc.jetstream()
        user = str(uuid.uuid4())
        payload = {"amount": "9.99", "currency": "EUR", "date": "2026-11-20", "description": "once"}
        command = build_command("expense.create", payload, issuer=user)
        inbox = env.nc.new_inbox()
        replies = await env.nc.subscribe(inbox)
        command = command.model_copy(update={"reply_to": inbox})
        subject = command_subject("expenses", command.type)
        await js.publish(
            subject, command.model_dump_json().encode(), headers={"Nats-Msg-Id": "first"}
        )
        first = await replies.next_msg(timeout=30)
        # The same command again under another message id, as a retry after the window would be.
        await js.publish(
            subject, command.model_dump_json().encode(), headers={"Nats-Msg-Id": "after-window"}
        )
        second = await replies.next_msg(timeout=30)
        assert json.loads(second.data) == json.loads(first.data)
        assert await env.db.expenses.count_documents({"owner_id": user}) == 1
        assert await env.db.events.count_documents({"command_id": command.command_id}) == 1
        assert any(line.get("event") == "command_replayed" for line in actor.lines())
    finally:
        actor.close()
