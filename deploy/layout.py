"""Where every part of the embedded stack listens and keeps its data: :class:`StackLayout`,
made from the settings and the flags of ``ledgerbus up`` (pure), and its check that every port
is free before anything starts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from bus.metrics_server import METRICS_PORT_ENV
from bus.settings import Settings
from deploy.embedded import (
    DEFAULT_HOST,
    MongoSpec,
    PortInUseError,
    free_port_except,
    require_free_port,
)
from deploy.nats_cluster import cluster_specs, cluster_url, consecutive_ports
from deploy.nats_spec import NatsSpec

WILDCARD_HOSTS = {"", "0.0.0.0", "::"}


@dataclass(frozen=True)
class StackLayout:
    """Where every part of the embedded stack listens and keeps its data. ``nats`` is the
    first NATS server; in a cluster, ``nats_peers`` are the others."""

    data_dir: Path
    http_host: str
    http_port: int
    nats: NatsSpec
    mongo: MongoSpec
    metrics_host: str = DEFAULT_HOST
    metrics_ports: tuple[tuple[str, int], ...] = ()  # (child, port) of each app process
    nats_peers: tuple[NatsSpec, ...] = ()
    smtp_port: int | None = None  # the local mail sink's (None: no sink)

    @property
    def nats_servers(self) -> tuple[NatsSpec, ...]:
        """Every NATS server of the stack, the first first."""
        return (self.nats, *self.nats_peers)

    @property
    def nats_url(self) -> str:
        """Every NATS server's client URL, comma separated: what a client of the stack is given."""
        return cluster_url(self.nats_servers)

    @property
    def clustered(self) -> bool:
        """Whether NATS runs as a cluster (its servers have routes)."""
        return self.nats.routes is not None

    @property
    def http_base(self) -> str:
        """Base URL of the edge as seen from this machine."""
        host = DEFAULT_HOST if self.http_host in WILDCARD_HOSTS else self.http_host
        return f"http://{host}:{self.http_port}"

    def with_nats(self, servers: Sequence[NatsSpec]) -> StackLayout:
        """This layout with ``servers`` (as many as it has) in place of its NATS servers."""
        first, *peers = servers
        return replace(self, nats=first, nats_peers=tuple(peers))

    def metrics_env(self, child: str) -> dict[str, str]:
        """``LEDGERBUS_METRICS_PORT`` for ``child``, if it has a metrics port."""
        port = dict(self.metrics_ports).get(child)
        return {} if port is None else {METRICS_PORT_ENV: str(port)}

    def metrics_urls(self) -> list[tuple[str, str]]:
        """(child, URL of its ``/metrics``) of each app process."""
        host = DEFAULT_HOST if self.metrics_host in WILDCARD_HOSTS else self.metrics_host
        return [(name, f"http://{host}:{port}/metrics") for name, port in self.metrics_ports]

    def server_ports(self) -> list[tuple[str, int, str, str]]:
        """(host, port, what, flag) of every port the servers and the edge listen on."""
        wanted = []
        for index, server in enumerate(self.nats_servers, start=1):
            name = f"NATS {index}" if self.clustered else "NATS"
            wanted += [
                (server.host, server.port, name, "--nats-port"),
                (server.host, server.monitor_port, f"{name} monitor", "--nats-monitor-port"),
            ]
            if server.routes is not None:
                wanted += [(server.host, server.routes.port, f"{name} routes", "--nats-route-port")]
        if self.smtp_port is not None:
            wanted += [(DEFAULT_HOST, self.smtp_port, "mail sink", "--smtp-port")]
        return [
            *wanted,
            (self.mongo.host, self.mongo.port, "MongoDB", "--mongo-port"),
            (self.http_host, self.http_port, "HTTP", "--http-port"),
        ]


def with_metrics_ports(layout: StackLayout, actors: Sequence[str], host: str) -> StackLayout:
    """``layout`` with a free metrics port (on ``host``) for the edge and each actor, none of
    them a port of the servers or the edge."""
    taken = {port for _, port, _, _ in layout.server_ports()}
    ports: list[tuple[str, int]] = []
    for child in ["edge", *(f"actor:{a}" for a in actors)]:
        ports.append((child, free_port_except(taken, host)))
    return replace(layout, metrics_host=host, metrics_ports=tuple(ports))


def make_layout(
    settings: Settings,
    *,
    http_port: int,
    nats_port: int,
    nats_monitor_port: int,
    mongo_port: int,
    data_dir: Path,
    nats_cluster: int = 1,
    nats_route_port: int = 6222,
) -> StackLayout:
    """Place the servers' data under ``data_dir`` (``nats/`` and ``mongo/``; a NATS cluster of
    ``nats_cluster`` servers in ``nats-1/`` ..., on consecutive ports from the ones given),
    each fsyncing every commit when ``settings.durability`` is ``power_loss``; pure."""
    root = Path(data_dir).resolve()
    fsync = settings.durability == "power_loss"
    layout = StackLayout(
        data_dir=root,
        http_host=settings.http_host,
        http_port=http_port,
        nats=NatsSpec(
            store_dir=root / "nats",
            port=nats_port,
            monitor_port=nats_monitor_port,
            sync_always=fsync,
        ),
        mongo=MongoSpec(storage_dir=root / "mongo", port=mongo_port, sync_on_commit=fsync),
    )
    if nats_cluster == 1:
        return layout
    ports = consecutive_ports(nats_cluster, nats_port, nats_monitor_port, nats_route_port)
    return layout.with_nats(cluster_specs(root, ports, sync_always=fsync))


def check_ports(layout: StackLayout) -> None:
    """Fail before anything starts if a port is taken or given twice."""
    seen: dict[int, str] = {}
    for host, port, what, flag in layout.server_ports():
        if port in seen:
            raise PortInUseError(f"port {port} is given for both {seen[port]} and {what}")
        seen[port] = what
        require_free_port(host, port, what, flag)
