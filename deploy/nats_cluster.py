"""A NATS JetStream cluster on one host: several embedded servers (:mod:`deploy.nats_spec`),
each with its own store, client, monitoring and route ports, routed to one another on loopback.

``ledgerbus up --nats-cluster 3`` runs one; so do the tests that kill a stream's leader. The
streams of a cluster are kept on as many servers as it has (at most five, JetStream's limit), so
a cluster of three goes on with one server dead. Server ``nats-<i>`` keeps its store in
``<root>/nats-<i>``: apart from a lone server's ``nats/``, whose streams a cluster does not take
over.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from deploy.embedded import DEFAULT_HOST, free_port_except, read_or_make_secret
from deploy.nats_spec import ClusterRoutes, NatsSpec

CLUSTER_NAME = "ledgerbus"
MAX_REPLICAS = 5
"""JetStream keeps a stream on at most five servers."""
ROUTE_SECRET_FILE = "nats_route_secret"
"""In the data directory: the password the cluster's servers present to one another."""


@dataclass(frozen=True)
class NodePorts:
    """The three ports of one server of the cluster."""

    client: int
    monitor: int
    route: int


def consecutive_ports(size: int, client: int, monitor: int, route: int) -> list[NodePorts]:
    """Server ``i`` (from 0) on ``client + i``, ``monitor + i`` and ``route + i``."""
    return [NodePorts(client + i, monitor + i, route + i) for i in range(size)]


def free_ports(size: int, host: str = DEFAULT_HOST) -> list[NodePorts]:
    """Ports the system considers free now, none given twice (for tests and benchmarks)."""
    taken: set[int] = set()
    return [
        NodePorts(*(free_port_except(taken, host) for _ in range(3))) for _ in range(size)
    ]


def server_name(index: int) -> str:
    """The name of server ``index`` (from 1): its ``server_name``, store folder and child name."""
    return f"nats-{index}"


def cluster_specs(
    root: Path,
    ports: Sequence[NodePorts],
    *,
    host: str = DEFAULT_HOST,
    sync_always: bool = False,
    route_password: str = "",
) -> tuple[NatsSpec, ...]:
    """One server per entry of ``ports``, each routed to all the others."""
    specs = []
    for index, own in enumerate(ports, start=1):
        name = server_name(index)
        peers = tuple(p.route for p in ports if p is not own)
        specs.append(
            NatsSpec(
                store_dir=Path(root) / name,
                port=own.client,
                monitor_port=own.monitor,
                host=host,
                sync_always=sync_always,
                server_name=name,
                routes=ClusterRoutes(CLUSTER_NAME, own.route, peers, route_password),
            )
        )
    return tuple(specs)


def with_route_password(specs: Sequence[NatsSpec], password: str) -> tuple[NatsSpec, ...]:
    """``specs`` whose routes all require (and present) ``password``."""
    return tuple(
        dataclasses.replace(s, routes=dataclasses.replace(s.routes, password=password))
        if s.routes is not None
        else s
        for s in specs
    )


def route_password(data_dir: Path) -> str:
    """The cluster's route password, kept in ``<data_dir>/nats_route_secret`` (mode 0600)."""
    return read_or_make_secret(Path(data_dir) / ROUTE_SECRET_FILE, lambda: secrets.token_hex(24))


def cluster_url(specs: Sequence[NatsSpec]) -> str:
    """Every server's client URL, comma separated, as clients take them."""
    return ",".join(s.url for s in specs)


def stream_replicas(size: int) -> int:
    """How many servers keep each stream in a cluster of ``size``."""
    return min(size, MAX_REPLICAS)
