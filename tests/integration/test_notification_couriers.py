"""Notification mail across real processes (`python -m deploy.cli actor notifications`): two
processes share the work and send each delivery once; a process killed with SIGKILL while the
SMTP server holds its mail leaves a claim that lapses, the other sends the mail again under the
same Message-ID, and a server that dedups on it (as the embedded sink does) keeps one copy."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import nats
import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session
from pymongo import AsyncMongoClient

from actors.notifications.delivery_rules import delivery_id
from bus.envelopes import Event, utcnow
from bus.ids import inbox_scope
from bus.settings import Settings
from bus.subjects import event_subject
from deploy.embedded import find_free_port
from deploy.mail_box import read_message, stored_files
from deploy.mail_sink import MailboxHandler
from tests.conftest import make_settings
from tests.support.helpers import eventually
from tests.support.processes import Proc, environment
from tests.support.servers import RunningMongo, RunningNats, start_nats
from tests.support.smtp_servers import Scripted, serve

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def own_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningNats]:
    server = start_nats(tmp_path_factory.mktemp("nats-couriers"))
    yield server
    server.stop()


@dataclass
class Env:
    settings: Settings
    tmp: Path
    db: Any

    def actor(self, name: str) -> Proc:
        env = environment(self.settings, node_id=name)
        return Proc(["actor", "notifications"], env, self.tmp / f"{name}.log").start()

    async def person(self) -> str:
        ident = str(uuid.uuid4())
        now = utcnow()
        await self.db.users.insert_one(
            {
                "_id": ident,
                "email": f"{ident[:8]}@example.com",
                "email_lower": f"{ident[:8]}@example.com",
                "name": "Ada",
                "home_currency": "EUR",
                "timezone": "Europe/Berlin",
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
        return ident

    async def item(self, person: str, made: datetime) -> str:
        """An item and its email delivery, as the inbox writes them at ``made``."""
        item = str(uuid.uuid4())
        await self.db.notifications.insert_one(
            {
                "_id": item,
                "recipient_id": person,
                "kind": "group_bill",
                "title": "Bill added: Dinner",
                "body": "Dinner, 30.00 EUR, was added in your group.",
                "link": {"entity": "group_expense", "id": "e1", "group_id": "g1"},
                "amounts": [],
                "event_id": str(uuid.uuid4()),
                "created_at": made,
                "archived": False,
                "version": 1,
            }
        )
        await self.db.notification_deliveries.insert_one(
            {
                "_id": delivery_id(item, "email"),
                "notification_id": item,
                "recipient_id": person,
                "kind": "group_bill",
                "channel": "email",
                "target": "",
                "status": "pending",
                "attempts": 0,
                "due_at": made,
                "created_at": made,
                "version": 1,
            }
        )
        return item

    async def statuses(self) -> dict[str, int]:
        found: dict[str, int] = {}
        async for row in self.db.notification_deliveries.find({}, {"status": 1}):
            found[row["status"]] = found.get(row["status"], 0) + 1
        return found


@pytest.fixture
async def env(
    own_nats: RunningNats, mongo_server: RunningMongo, tmp_path: Path
) -> AsyncIterator[Env]:
    settings = make_settings(
        own_nats,
        mongo_server,
        tmp_path,
        mongo_db=f"couriers_{uuid.uuid4().hex[:8]}",
        smtp_port=find_free_port(),
        notification_lease_s=3.0,
        notification_sweep_s=0.5,
    )
    client: AsyncMongoClient[Any] = AsyncMongoClient(settings.mongo_uri, tz_aware=True)
    yield Env(settings, tmp_path, client[settings.mongo_db])
    await client.drop_database(settings.mongo_db)
    await client.close()


async def _wake(settings: Settings, person: str, item: str) -> None:
    """``notification.created`` for ``item``, as the actor's relay publishes it."""
    nc = await nats.connect(settings.nats_url)
    try:
        event = Event(
            event_id=str(uuid.uuid4()),
            type="notification.created",
            command_id=str(uuid.uuid4()),
            scope=inbox_scope(person),
            seq=1,
            occurred_at=utcnow(),
            data={"entity": {"id": item}, "version": 1},
        )
        subject = event_subject(event.scope, event.type)
        await nc.publish(subject, event.model_dump_json().encode())
        await nc.flush()
    finally:
        await nc.close()


async def test_two_processes_send_every_delivery_exactly_once(env: Env) -> None:
    handler = Scripted()
    server, _ = await serve(handler, env.settings.smtp_port)
    processes = [env.actor("courier-a"), env.actor("courier-b")]
    try:
        people = [await env.person() for _ in range(5)]
        an_hour_ago = utcnow() - timedelta(hours=1)
        # Left over (no event will come: the sweep finds them) and fresh (each woken by its event).
        swept = [await env.item(people[i % 5], an_hour_ago) for i in range(20)]

        async def started() -> bool:
            return all("actor_started" in p.log_path.read_text() for p in processes)

        await eventually(started, timeout_s=120, every_s=0.2)
        fresh = []
        for i in range(20):
            person = people[i % 5]
            fresh.append(await env.item(person, utcnow()))
            await _wake(env.settings, person, fresh[-1])

        async def all_sent() -> bool:
            return await env.statuses() == {"sent": 40}

        await eventually(all_sent, timeout_s=60, every_s=0.2)
        await asyncio.sleep(2 * env.settings.notification_sweep_s)  # a late duplicate would land
        ids = handler.message_ids()
        expected = {f"<{delivery_id(i, 'email')}@ledgerbus.localhost>" for i in swept + fresh}
        assert len(ids) == 40
        assert set(ids) == expected
        assert all(p.alive() for p in processes)
    finally:
        for p in processes:
            p.terminate()
        server.close()


class HoldsTheFirst(MailboxHandler):
    """The embedded sink (one copy per Message-ID) that keeps the first mail and then holds its
    250 long enough for the test to kill the sender (RFC 1047's duplicate: the server has the
    mail, the sender never hears so); it counts every mail it is handed."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.handed = 0
        self.first_kept = asyncio.Event()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.handed += 1
        reply = await super().handle_DATA(server, session, envelope)
        if self.handed == 1:
            self.first_kept.set()
            await asyncio.sleep(30)  # cut short when the killed sender's connection drops
        return reply


async def test_a_sender_killed_mid_send_is_replaced_and_the_mail_kept_once(env: Env) -> None:
    sink = HoldsTheFirst(env.tmp / "mail")
    server, _ = await serve(sink, env.settings.smtp_port)
    first = env.actor("courier-1")
    second: Proc | None = None
    try:
        person = await env.person()
        item = await env.item(person, utcnow() - timedelta(hours=1))
        await asyncio.wait_for(sink.first_kept.wait(), timeout=120)
        first.kill9()  # the server has the mail; the sender never hears its 250
        held = await env.db.notification_deliveries.find_one({"_id": delivery_id(item, "email")})
        assert (held["status"], held["claimed_by"] is not None) == ("pending", True)

        second = env.actor("courier-2")

        async def sent() -> dict[str, Any] | None:
            row: dict[str, Any] | None = await env.db.notification_deliveries.find_one(
                {"_id": delivery_id(item, "email"), "status": "sent"}
            )
            return row

        record = await eventually(sent, timeout_s=120, every_s=0.2)
        assert record["attempts"] == 2  # the killed attempt, and the one after its claim lapsed
        assert record["claimed_by"] is None

        assert sink.handed == 2  # the mail was handed over twice ...
        files = stored_files(env.tmp / "mail")
        assert len(files) == 1  # ... and kept once
        assert str(read_message(files[0])["Message-ID"]) == (
            f"<{delivery_id(item, 'email')}@ledgerbus.localhost>"
        )
    finally:
        first.kill9()
        if second is not None:
            second.terminate()
        server.close()
