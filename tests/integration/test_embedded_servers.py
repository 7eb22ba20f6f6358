"""The embedded servers as the stack runs them: JetStream on, transactions, data kept, ports."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pymongo
import pytest

from deploy.credentials import load_credentials
from deploy.embedded import PortInUseError, find_free_port, port_is_free, require_free_port
from tests.support.servers import RunningMongo, RunningNats, start_mongo, start_nats


@pytest.fixture
def nats(tmp_path: Path) -> Iterator[RunningNats]:
    server = start_nats(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def mongo(tmp_path: Path) -> Iterator[RunningMongo]:
    server = start_mongo(tmp_path)
    yield server
    server.stop()


def client(uri: str) -> pymongo.MongoClient[dict[str, object]]:
    return pymongo.MongoClient(uri, serverSelectionTimeoutMS=20_000)


@pytest.mark.integration
def test_nats_server_runs_with_jetstream_storing_under_the_given_dir(
    nats: RunningNats, tmp_path: Path
) -> None:
    with urllib.request.urlopen(f"{nats.monitor_url}/jsz", timeout=10) as response:
        jsz = json.load(response)

    assert not jsz.get("disabled", False)
    assert Path(jsz["config"]["store_dir"]).is_relative_to(tmp_path / "nats")
    assert nats.url.startswith("nats://127.0.0.1:")


@pytest.mark.integration
def test_secantus_answers_ping_and_commits_a_multi_document_transaction(
    mongo: RunningMongo,
) -> None:
    with client(mongo.uri) as db_client:
        assert db_client.admin.command("ping")["ok"] == 1.0
        db = db_client["ledgerbus_test"]
        with db_client.start_session() as txn, txn.start_transaction():
            db.expenses.insert_one({"_id": "e1", "amount": "12.34"}, session=txn)
            db.outbox.insert_one({"_id": "ev1", "expense_id": "e1"}, session=txn)

        assert db.expenses.find_one({"_id": "e1"}) == {"_id": "e1", "amount": "12.34"}
        assert db.outbox.find_one({"_id": "ev1"}) == {"_id": "ev1", "expense_id": "e1"}


@pytest.mark.integration
def test_secantus_keeps_data_across_a_restart_on_the_same_storage_dir(tmp_path: Path) -> None:
    first = start_mongo(tmp_path)
    try:
        with client(first.uri) as db_client:
            db_client["ledgerbus_test"].users.insert_one({"_id": "u1", "name": "Ada"})
    finally:
        first.stop()
        first.stop()  # a second stop is harmless

    second = start_mongo(tmp_path, storage_dir=first.storage_dir)
    try:
        with client(second.uri) as db_client:
            found = db_client["ledgerbus_test"].users.find_one({"_id": "u1"})
    finally:
        second.stop()

    assert found == {"_id": "u1", "name": "Ada"}


def test_require_free_port_names_the_taken_port_and_the_flag() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        assert not port_is_free("127.0.0.1", port)
        with pytest.raises(PortInUseError, match=rf"port {port} \(NATS\).*--nats-port"):
            require_free_port("127.0.0.1", port, "NATS", "--nats-port")


def test_a_free_port_passes_the_check() -> None:
    port = find_free_port()

    require_free_port("127.0.0.1", port, "HTTP")
    assert port_is_free("127.0.0.1", port)


FAKE_EDGE = """
import http.server, os
class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path in ("/healthz", "/readyz") else 404)
        self.end_headers()
    def log_message(self, *args):
        pass
port = int(os.environ["LEDGERBUS_HTTP_PORT"])
http.server.HTTPServer(("127.0.0.1", port), Health).serve_forever()
"""
FAKE_ACTOR = (
    "import os, time; print('actor sees', os.environ['LEDGERBUS_MONGO_URI']); time.sleep(600)"
)

# Runs run_up with the edge and actor commands swapped for stand-ins (deploy.cli is not needed).
UP_SCRIPT = """
import asyncio, sys
from dataclasses import replace
from pathlib import Path
from bus.settings import Settings
from deploy import stack

real_specs = stack.child_specs
def child_specs(layout, actors, env, **options):
    specs = real_specs(layout, actors, env, **options)
    fakes = {"edge": FAKE_EDGE}
    return [
        s if s.name in ("nats", "mongo")
        else replace(s, argv=[sys.executable, "-c", fakes.get(s.name, FAKE_ACTOR)],
                     ready=s.ready if s.name == "edge" else None)  # a stand-in answers no ping
        for s in specs
    ]
stack.child_specs = child_specs
http, nats, monitor, mongo, data = sys.argv[1:]
raise SystemExit(asyncio.run(stack.run_up(
    Settings(), actors=["expenses"], http_port=int(http), nats_port=int(nats),
    nats_monitor_port=int(monitor), mongo_port=int(mongo), smtp_port=None, data_dir=Path(data),
)))
"""


def _run_up(tmp_path: Path, ports: list[int]) -> subprocess.Popen[bytes]:
    script = f"FAKE_EDGE = {FAKE_EDGE!r}\nFAKE_ACTOR = {FAKE_ACTOR!r}\n{UP_SCRIPT}"
    return subprocess.Popen(
        [sys.executable, "-c", script, *map(str, ports), str(tmp_path / "data")],
        cwd=Path(__file__).resolve().parents[2],
        stdout=(tmp_path / "up.log").open("ab"),
        stderr=subprocess.STDOUT,
    )


def _wait_for(check: Callable[[], bool], proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while not check():
        assert proc.poll() is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.1)


@pytest.mark.integration
def test_up_starts_the_stack_stops_on_sigint_and_reuses_its_data(tmp_path: Path) -> None:
    ports = [find_free_port() for _ in range(4)]
    log = tmp_path / "up.log"
    for run in (1, 2):
        proc = _run_up(tmp_path, ports)
        _wait_for(lambda n=run: log.read_text().count("Ctrl-C to stop") == n, proc, log)
        _wait_for(lambda n=run: log.read_text().count("actor sees") == n, proc, log)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=90) == 0, log.read_text()
        assert all(port_is_free("127.0.0.1", p) for p in ports), log.read_text()

    text = log.read_text()
    assert f"http://127.0.0.1:{ports[0]}/v1/docs" in text
    credentials = load_credentials(tmp_path / "data")  # the actor connects as its own user
    assert credentials is not None
    login = f"expenses:{credentials.passwords['expenses']}@"
    assert f"actor:expenses | actor sees mongodb://{login}127.0.0.1:{ports[3]}/" in text
    assert (tmp_path / "data" / "nats" / "jetstream").is_dir()
    assert (tmp_path / "data" / "mongo" / "WiredTiger").is_file()
    assert (tmp_path / "data" / "jwt_secret").is_file()


def test_up_refuses_a_taken_port_before_starting_anything(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        ports = [find_free_port(), taken.getsockname()[1], find_free_port(), find_free_port()]
        proc = _run_up(tmp_path, ports)
        code = proc.wait(timeout=60)

    assert code == 2
    assert (
        f"port {ports[1]} (NATS) on 127.0.0.1 is already in use"
        in (tmp_path / "up.log").read_text()
    )
    assert not (tmp_path / "data").exists()
