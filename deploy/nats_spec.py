"""One embedded nats-server with JetStream: where it listens, where it keeps its store, and the
config file that locks it, serves TLS, fsyncs every write or joins it to a cluster.

A server alone answers ``nats://host:port``; a cluster (:mod:`deploy.nats_cluster`) is several of
these on one host, each with a ``server_name`` and the routes to the others.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from bus.private_files import write_private
from deploy.embedded import (
    DEFAULT_HOST,
    ServerTls,
    http_ok,
    nats_server_executable,
)

ROUTE_USER = "route"


@dataclass(frozen=True)
class ClusterRoutes:
    """A server's place in a cluster on its host: the cluster's name, the port it takes routes
    on, the route ports of the other servers, and the login every route must present (so no
    other local process can join the cluster and read its traffic)."""

    name: str
    port: int
    peers: tuple[int, ...]
    password: str = field(repr=False)

    def config(self, host: str) -> list[str]:
        """The ``cluster { ... }`` block of the config file."""
        login = f"{ROUTE_USER}:{quote(self.password, safe='')}@"
        routes = [json.dumps(f"nats-route://{login}{host}:{port}") for port in self.peers]
        return [
            "cluster {",
            f"  name: {json.dumps(self.name)}",
            f"  listen: {json.dumps(f'{host}:{self.port}')}",
            "  authorization {",
            f"    user: {ROUTE_USER}",
            f"    password: {json.dumps(self.password)}",
            "  }",
            f"  routes: [{', '.join(routes)}]",
            "}",
        ]


@dataclass(frozen=True)
class NatsSpec:
    """Where one embedded NATS server listens and keeps its JetStream store.

    ``sync_always`` fsyncs every JetStream write before its acknowledgement; ``accounts`` is the
    config text of its accounts and users (empty: anyone may connect); ``tls`` serves TLS;
    ``server_name`` and ``routes`` make it one server of a cluster. Any of them makes the server
    read a config file, written by :meth:`prepare`.
    """

    store_dir: Path
    port: int = 4222
    monitor_port: int = 8222
    host: str = DEFAULT_HOST
    executable: Path | None = None
    sync_always: bool = False
    accounts: str = field(default="", repr=False)
    tls: ServerTls | None = None
    server_name: str | None = None
    routes: ClusterRoutes | None = None

    @property
    def config_path(self) -> Path:
        """The config file the server reads, beside its JetStream store (mode 0600)."""
        return self.store_dir / "nats-server.conf"

    def config(self) -> str | None:
        """The config file's text; None when the command line says everything."""
        if not (self.sync_always or self.accounts or self.tls or self.server_name or self.routes):
            return None
        lines = [f"server_name: {json.dumps(self.server_name)}"] if self.server_name else []
        # The store directory is on the command line (the server refuses it twice).
        lines += ["jetstream {", "  sync_interval: always" if self.sync_always else "", "}"]
        if self.tls is not None:
            lines += [
                "tls {",
                f"  cert_file: {json.dumps(str(self.tls.cert_file))}",
                f"  key_file: {json.dumps(str(self.tls.key_file))}",
                "}",
            ]
        lines += self.routes.config(self.host) if self.routes is not None else []
        return "\n".join([*lines, self.accounts, ""])

    def prepare(self) -> None:
        """Make the store directory and write the config file, if there is one."""
        self.store_dir.mkdir(parents=True, exist_ok=True)
        text = self.config()
        if text is not None:
            write_private(self.config_path, text)

    def command(self) -> list[str]:
        """The argv that runs this server with JetStream enabled (after :meth:`prepare`)."""
        exe = self.executable or nats_server_executable()
        config = ["-c", str(self.config_path)] if self.config() is not None else []
        return [
            str(exe),
            *config,
            "-js",
            "-sd",
            str(self.store_dir),
            "-p",
            str(self.port),
            "-m",
            str(self.monitor_port),
            "-a",
            self.host,
        ]

    @property
    def url(self) -> str:
        """Client URL, e.g. ``nats://127.0.0.1:4222`` (``tls://`` when it serves TLS)."""
        scheme = "tls" if self.tls is not None else "nats"
        return f"{scheme}://{self.host}:{self.port}"

    @property
    def monitor_url(self) -> str:
        """Base URL of the HTTP monitoring endpoint (``/healthz``, ``/jsz``, ...)."""
        return f"http://{self.host}:{self.monitor_port}"

    @property
    def healthz_url(self) -> str:
        """Health check that answers OK once JetStream is up; in a cluster, only once this
        server follows an elected JetStream meta leader (before that no stream can be made)."""
        if self.routes is not None:
            return f"{self.monitor_url}/healthz"
        return f"{self.monitor_url}/healthz?js-enabled-only=true"


def nats_is_ready(spec: NatsSpec, timeout_s: float = 2.0) -> bool:
    """Whether the NATS server answers its health check (see :attr:`NatsSpec.healthz_url`)."""
    return http_ok(spec.healthz_url, timeout_s)
