"""Real servers for integration tests: a JetStream-enabled nats-server and a SecantusDB.

Synchronous (``subprocess.Popen``) so fixtures of any scope can use them, built on
``deploy.embedded``. Each server gets free ports and keeps its files and log under the given
directory; a start that loses a port race to another process is retried on new ports.

Usage from a conftest::

    @pytest.fixture(scope="module")
    def nats_server(tmp_path_factory):
        server = start_nats(tmp_path_factory.mktemp("nats"))
        yield server
        server.stop()
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import IO, TypeVar

from deploy.embedded import (
    EmbeddedServerError,
    MongoSpec,
    find_free_port,
    mongo_is_ready,
    tail_of_file,
    wait_ready_sync,
)
from deploy.nats_spec import NatsSpec, nats_is_ready
from deploy.supervisor import die_with_parent

STOP_GRACE_S = 15.0
START_ATTEMPTS = 3


class _Server:
    """A server process and its log file; ``stop`` and ``kill`` are safe to call twice."""

    def __init__(self, name: str, argv: list[str], log_path: Path) -> None:
        self.name = name
        self.log_path = log_path
        self._log: IO[bytes] = log_path.open("ab")
        self.process: subprocess.Popen[bytes] = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        """The end of the server's log, for failure messages."""
        return tail_of_file(self.log_path)

    def wait_ready(self, probe: Callable[[], bool], timeout_s: float) -> None:
        wait_ready_sync(
            self.process, probe, what=self.name, timeout_s=timeout_s, output=self.output
        )

    def stop(self, grace_s: float = STOP_GRACE_S) -> None:
        """SIGTERM and wait; SIGKILL if it outlives the grace period."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()

    def kill(self) -> None:
        """SIGKILL at once, as a crash would."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._log.close()


S = TypeVar("S", bound=_Server)


class RunningNats(_Server):
    """A running nats-server with JetStream; its store lives under the test's directory."""

    def __init__(self, spec: NatsSpec, log_path: Path) -> None:
        self.spec = spec
        super().__init__("nats-server", spec.command(), log_path)

    @property
    def url(self) -> str:
        return self.spec.url

    @property
    def monitor_url(self) -> str:
        return self.spec.monitor_url


class RunningMongo(_Server):
    """A running SecantusDB; ``storage_dir`` can be passed again to restart on the same data."""

    def __init__(self, spec: MongoSpec, log_path: Path) -> None:
        self.spec = spec
        super().__init__("secantusd-py", spec.command(), log_path)

    @property
    def uri(self) -> str:
        return self.spec.url

    @property
    def storage_dir(self) -> Path:
        return self.spec.storage_dir


def start_nats(tmp_dir: Path, *, timeout_s: float = 60.0) -> RunningNats:
    """Start nats-server on free ports with its JetStream store in ``tmp_dir/nats``."""
    store = Path(tmp_dir) / "nats"
    store.mkdir(parents=True, exist_ok=True)

    def attempt() -> RunningNats:
        spec = NatsSpec(store_dir=store, port=find_free_port(), monitor_port=find_free_port())
        server = RunningNats(spec, Path(tmp_dir) / "nats.log")
        return _ready_or_stopped(server, lambda: nats_is_ready(spec), timeout_s)

    return _with_retries(attempt)


def start_mongo(
    tmp_dir: Path, *, storage_dir: Path | None = None, timeout_s: float = 120.0
) -> RunningMongo:
    """Start SecantusDB on a free port, its data in ``storage_dir`` (default ``tmp_dir/mongo``).

    Starting again with the same directory reopens the same data.
    """
    storage = Path(storage_dir) if storage_dir is not None else Path(tmp_dir) / "mongo"
    storage.mkdir(parents=True, exist_ok=True)

    def attempt() -> RunningMongo:
        spec = MongoSpec(storage_dir=storage, port=find_free_port())
        server = RunningMongo(spec, Path(tmp_dir) / "mongo.log")
        return _ready_or_stopped(server, lambda: mongo_is_ready(spec), timeout_s)

    return _with_retries(attempt)


def _ready_or_stopped(server: S, probe: Callable[[], bool], timeout_s: float) -> S:
    try:
        server.wait_ready(probe, timeout_s)
    except BaseException:
        server.kill()
        raise
    return server


def _with_retries(attempt: Callable[[], S]) -> S:
    """Retry a start that died early (most likely a port taken between choosing and binding)."""
    for number in range(1, START_ATTEMPTS + 1):
        try:
            return attempt()
        except EmbeddedServerError as exc:
            if number == START_ATTEMPTS or "before it was ready" not in str(exc):
                raise
    raise AssertionError("unreachable")
