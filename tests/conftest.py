"""Fixtures: real nats-server and SecantusDB processes, and an in-process ledgerbus stack on them.

Integration tests share one set of servers and one stack per test session (starting SecantusDB
is slow); each test isolates itself by signing up fresh users.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiohttp import web
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from actors.app import ActorProcess
from actors.registry import ACTORS
from bus.settings import Settings
from deploy.embedded import find_free_port
from deploy.serve import build_web_app
from storage.database import Database, connect
from tests.support.helpers import Stack
from tests.support.offline import bind_documents_offline
from tests.support.rates_provider import RatesProvider
from tests.support.servers import RunningMongo, RunningNats, start_mongo, start_nats
from tests.support.smtp_servers import Scripted, serve

# Property tests judge results, never speed: no deadline per example, and no failure because
# drawing examples is slow on a busy machine.
hypothesis_settings.register_profile(
    "ledgerbus", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("ledgerbus")


@pytest.fixture
def documents() -> None:
    """Documents that can be built without a database (for handlers run on ``MemoryWork``);
    bound to a client that never connects, unless a real database is already bound."""
    bind_documents_offline()


@pytest.fixture(scope="session")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningNats]:
    server = start_nats(tmp_path_factory.mktemp("nats"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def mongo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningMongo]:
    server = start_mongo(tmp_path_factory.mktemp("mongo"))
    yield server
    server.stop()


def make_settings(
    nats: RunningNats, mongo: RunningMongo, tmp: Path, **overrides: object
) -> Settings:
    """Settings for tests: fast redelivery and relay, so failure paths finish in seconds."""
    values: dict[str, object] = {
        "nats_url": nats.url,
        "mongo_uri": mongo.uri,
        "mongo_db": "ledgerbus_test",
        "jwt_secret": "test-secret-" + secrets.token_hex(16),
        "link_secret": "test-links-" + secrets.token_hex(16),
        "http_port": find_free_port(),
        "consumer_ack_wait_s": 3.0,
        "consumer_nak_delay_s": 0.2,
        "consumer_max_deliver": 3,
        "relay_interval_s": 0.3,
        "relay_min_age_s": 1.0,
        "data_dir": tmp,
        "log_level": "WARNING",
        "login_max_per_address": 100_000,  # every test client is 127.0.0.1
        "register_max_per_address": 100_000,
        "account_mail_max_per_address": 100_000,
        "rates_refresh_interval_s": 0,  # no provider on the network in tests; they refresh by command
        "recurring_tick_s": 0,  # tests run the recurring scheduler themselves, with their clock
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def rates_provider() -> Iterator[RatesProvider]:
    """The stack's rates provider: a local server speaking the ECB's XML format."""
    provider = RatesProvider()
    yield provider
    provider.stop()


@pytest.fixture(scope="session")
def settings(
    nats_server: RunningNats,
    mongo_server: RunningMongo,
    rates_provider: RatesProvider,
    tmp_path_factory: pytest.TempPathFactory,
) -> Settings:
    return make_settings(
        nats_server,
        mongo_server,
        tmp_path_factory.mktemp("data"),
        rates_provider_url=rates_provider.url,
        rates_fetch_timeout_s=1.5,
        rates_reload_s=0.5,
        # The shared stack's answers wait for the outcome (a write's 201, a query's reply) as
        # long as a busy machine needs: a test of the 202 path asks for it (Prefer:
        # respond-async) or runs a stack of its own with a short wait.
        outcome_wait_s=30.0,
        rpc_timeout_s=30.0,
        smtp_port=find_free_port(),  # the stack's mail goes to the ``mailbox`` fixture's server
        notification_retry_base_s=0.5,
        notification_sweep_s=0.5,
        push_allow_http_loopback=True,  # the tests' push services listen on loopback http
    )


@pytest.fixture(scope="session")
async def mailbox(settings: Settings) -> AsyncIterator[Scripted]:
    """The stack's SMTP server: it answers 250 and keeps every message it is handed."""
    handler = Scripted()
    server, _ = await serve(handler, settings.smtp_port)
    yield handler
    server.close()
    await server.wait_closed()


@pytest.fixture(scope="session")
async def database(settings: Settings) -> AsyncIterator[Database]:
    """The one MongoDB client of the test process (Beanie binds documents process-wide)."""
    db = await connect(settings)
    yield db
    await db.close()


@pytest.fixture(scope="session")
async def stack(settings: Settings, database: Database, mailbox: Scripted) -> AsyncIterator[Stack]:
    """Every actor and the web process (HTTP + Socket.IO), in this process, on the real servers."""
    actors = [ActorProcess(definition, settings, database) for definition in ACTORS.values()]
    runner: web.AppRunner | None = None
    try:  # whatever fails to start, what did start is stopped (else the loop never closes)
        for actor in actors:
            await actor.start()
        app: web.Application = build_web_app(settings, database=database)
        runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", settings.http_port)
        await site.start()
        stack = Stack(settings, f"http://127.0.0.1:{settings.http_port}")
        await stack.open()
        yield stack
        await stack.close()
    finally:
        if runner is not None:
            await runner.cleanup()
        for actor in actors:
            await actor.stop()
