"""The operators' NATS connection without a server: a cluster URL becomes its servers, the TLS
context reaches the client, the connection is made on first use and again once closed, the first
connect is bounded and then widened to reconnect forever, and every tool uses it."""

from __future__ import annotations

import io
import ssl
import subprocess
from pathlib import Path
from typing import Any

import pytest
from nats.errors import NoServersError

from bus.nats_conn import nats_servers
from bus.settings import Settings
from deploy.control_replicas import ActorCensus
from deploy.lazy_nats import FIRST_ATTEMPTS, FOREVER, LazyNats, connect_options
from deploy.probes import ActorPings
from deploy.status import Limits
from deploy.status_run import Looker, StatusOptions
from deploy.targets import masked, open_nats

CLUSTER = "nats://u:p@127.0.0.1:4222,nats://u:p@127.0.0.1:4223"


class FakeClient:
    """A NATS client that records how it was asked to connect; ``fails`` makes every attempt
    fail with that error, as nats-py reports it (error_cb each time, then "no servers")."""

    def __init__(self, fails: Exception | None = None) -> None:
        self.fails = fails
        self.options: dict[str, Any] = {}
        self.connects = 0
        self.is_closed = False
        self.connected_url: Any = None

    async def connect(self, **options: Any) -> None:
        self.connects += 1
        self.options.update(options)
        if self.fails is not None:
            await options["error_cb"](self.fails)
            raise NoServersError

    async def close(self) -> None:
        self.is_closed = True


class Clients:
    """Makes fake clients and keeps them, in order."""

    def __init__(self, fails: Exception | None = None) -> None:
        self.made: list[FakeClient] = []
        self.fails = fails

    def __call__(self) -> FakeClient:
        self.made.append(FakeClient(self.fails))
        return self.made[-1]


def test_a_cluster_url_is_split_into_its_servers_each_with_its_login() -> None:
    assert nats_servers(CLUSTER) == ["nats://u:p@127.0.0.1:4222", "nats://u:p@127.0.0.1:4223"]
    assert nats_servers(" nats://a:4222 , nats://b:4222,") == ["nats://a:4222", "nats://b:4222"]
    assert nats_servers("tls://h:4222") == ["tls://h:4222"]
    with pytest.raises(ValueError, match="no NATS server"):
        nats_servers(" , ")


def test_connect_options_name_every_server_the_tls_context_and_a_bounded_first_connect() -> None:
    context = ssl.create_default_context()
    options = connect_options(CLUSTER, "ledgerbus-status", context)
    assert options["servers"] == ["nats://127.0.0.1:4222", "nats://127.0.0.1:4223"]
    assert (options["user"], options["password"]) == ("u", "p")  # on every server, found or given
    assert options["tls"] is context
    assert options["name"] == "ledgerbus-status"
    assert options["max_reconnect_attempts"] == FIRST_ATTEMPTS
    assert connect_options(CLUSTER, "x", None)["tls"] is None


async def test_the_connection_is_made_on_first_use_with_the_tls_context_and_then_kept() -> None:
    clients = Clients()
    context = ssl.create_default_context()
    lazy = LazyNats(CLUSTER, "ledgerbus-up", context, client=clients)
    assert clients.made == []

    nc: object = await lazy.connection()
    [made] = clients.made
    assert nc is made
    assert made.options["servers"] == ["nats://127.0.0.1:4222", "nats://127.0.0.1:4223"]
    assert made.options["user"] == "u"
    assert made.options["tls"] is context
    assert made.options["max_reconnect_attempts"] == FOREVER  # widened once connected
    again: object = await lazy.connection()
    assert again is nc
    assert made.connects == 1


async def test_a_closed_connection_is_made_again_on_the_next_use_and_close_is_idempotent() -> None:
    clients = Clients()
    lazy = LazyNats(CLUSTER, "ledgerbus-up", client=clients)
    first = await lazy.connection()
    await first.close()  # nats-py gave up, or someone closed it
    second = await lazy.connection()
    assert second is not first
    assert len(clients.made) == 2

    await lazy.close()
    await lazy.close()
    assert second.is_closed
    third: object = await lazy.connection()
    assert third is clients.made[-1]
    assert len(clients.made) == 3


async def test_an_unreachable_nats_raises_the_last_attempts_error_and_is_tried_again() -> None:
    refused = ConnectionRefusedError(111, "Connect call failed")
    clients = Clients(fails=refused)
    lazy = LazyNats(CLUSTER, "ledgerbus-status", client=clients)
    with pytest.raises(ConnectionRefusedError) as raised:
        await lazy.connection()
    assert raised.value is refused
    with pytest.raises(ConnectionRefusedError):
        await lazy.connection()
    assert len(clients.made) == 2


def test_every_tool_connects_to_the_whole_url_over_the_tls_context_it_is_given(
    tmp_path: Path,
) -> None:
    context = ssl.create_default_context()
    options = StatusOptions(data_dir=tmp_path, limits=Limits(max_lag=1, max_age_s=1.0))
    tools = [
        ActorPings(CLUSTER, tls=context).nats,
        ActorCensus(CLUSTER, tls=context).nats,
        Looker(CLUSTER, options, io.StringIO(), context).nats,
    ]
    assert [(lazy.url, lazy.tls) for lazy in tools] == [(CLUSTER, context)] * 3
    assert ActorPings(CLUSTER).nats.tls is None
    assert ActorCensus(CLUSTER, 0.1).nats.tls is None


def _ca_file(folder: Path) -> Path:
    """A CA certificate of the test's own (openssl's CLI), named ``ledgerbus-test-ca``."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "1",
         "-subj", "/CN=ledgerbus-test-ca"],
        cwd=folder, check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return folder / "ca.pem"


async def test_operator_commands_connect_to_the_whole_url_over_the_settings_tls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[tuple[str, str, ssl.SSLContext | None]] = []

    async def connect(url: str, name: str, tls: ssl.SSLContext | None = None) -> FakeClient:
        asked.append((url, name, tls))
        return FakeClient()

    monkeypatch.setattr("deploy.lazy_nats.connect_quiet", connect)
    settings = Settings(
        nats_url=CLUSTER,
        nats_tls_ca_file=_ca_file(tmp_path),
        data_dir=tmp_path / "no-stack",
        node_id="n1",
    )
    note = io.StringIO()
    await open_nats(settings, "dlq", note)

    [(url, name, tls)] = asked
    assert (url, name) == (CLUSTER, "dlq-n1")
    assert tls is not None
    assert "ledgerbus-test-ca" in str(tls.get_ca_certs())  # the settings' CA
    assert note.getvalue() == f"connected to NATS at {masked(CLUSTER)}\n"
