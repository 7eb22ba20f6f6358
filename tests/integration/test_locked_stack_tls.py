"""TLS by settings: the embedded NATS and SecantusDB serve TLS with a certificate the test makes
(its own CA, with the openssl CLI), and clients given that CA (``nats_tls_ca_file``,
``mongo_tls_ca_file``) reach them, while clients without it are refused."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pymongo
import pymongo.errors
import pytest
from nats.aio.client import Client as NATS

from bus.nats_conn import connect_nats
from bus.settings import Settings
from deploy.embedded import (
    MongoSpec,
    find_free_port,
    mongo_is_ready,
)
from deploy.nats_spec import NatsSpec, nats_is_ready
from storage.database import tls_options
from tests.support.pki import Pki, make_pki
from tests.support.servers import RunningMongo, RunningNats

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def tls_nats(pki: Pki, tmp_path: Path) -> Iterator[NatsSpec]:
    spec = NatsSpec(
        store_dir=tmp_path / "nats",
        port=find_free_port(),
        monitor_port=find_free_port(),
        tls=pki.server,
    )
    spec.prepare()
    server = RunningNats(spec, tmp_path / "nats.log")
    try:
        server.wait_ready(lambda: nats_is_ready(spec), 60)
        yield spec
    finally:
        server.stop()


@pytest.fixture
def tls_mongo(pki: Pki, tmp_path: Path) -> Iterator[MongoSpec]:
    spec = MongoSpec(
        storage_dir=tmp_path / "mongo", port=find_free_port(), tls=pki.server, tls_ca=pki.ca
    )
    spec.storage_dir.mkdir()
    server = RunningMongo(spec, tmp_path / "mongo.log")
    try:
        server.wait_ready(lambda: mongo_is_ready(spec), 120)
        yield spec
    finally:
        server.stop()


async def test_nats_over_tls_with_the_ca_of_the_settings(tls_nats: NatsSpec, pki: Pki) -> None:
    assert tls_nats.url.startswith("tls://")
    settings = Settings(nats_url=tls_nats.url, nats_tls_ca_file=pki.ca)
    nc = await connect_nats(settings, "tls-test")
    try:
        assert nc.is_connected
        assert nc.connected_url is not None
        await nc.flush()
    finally:
        await nc.close()


async def test_nats_refuses_a_client_that_does_not_trust_the_ca(tls_nats: NatsSpec) -> None:
    nc = NATS()
    with pytest.raises(Exception) as refused:  # noqa: PT011 - nats-py wraps the TLS error
        await nc.connect(
            servers=[tls_nats.url],
            tls=ssl.create_default_context(),
            allow_reconnect=False,
            connect_timeout=5,
        )
    assert not nc.is_connected, refused.value


def _ping(uri: str, **options: Any) -> None:
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(
        uri, serverSelectionTimeoutMS=3000, **options
    )
    try:
        client.admin.command("ping")
    finally:
        client.close()


def test_mongo_over_tls_with_the_ca_of_the_settings(tls_mongo: MongoSpec, pki: Pki) -> None:
    plain = MongoSpec(storage_dir=tls_mongo.storage_dir, port=tls_mongo.port).url
    options = tls_options(Settings(mongo_uri=plain, mongo_tls_ca_file=pki.ca))
    assert options == {"tls": True, "tlsCAFile": str(pki.ca)}
    _ping(plain, **options)
    with pytest.raises(pymongo.errors.ServerSelectionTimeoutError):
        _ping(plain, tls=True)  # the system's CAs do not know the test's CA
    with pytest.raises(pymongo.errors.ServerSelectionTimeoutError):
        _ping(plain)  # nor does a plain connection reach a TLS server
