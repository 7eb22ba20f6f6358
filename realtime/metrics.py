"""A realtime node's metrics: sockets, rooms, events sent, resumes and events held for them.

The gauges are read from the node's servers when scraped (nothing to keep in step by hand);
the counters count as things happen. Labels stay bounded: an event's scope kind (``user``,
``inbox`` or ``group``; anything else is ``other``), never a scope, user or event id.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from typing import Protocol

from prometheus_client import REGISTRY, Counter
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

SCOPE_KINDS = frozenset({"user", "inbox", "group"})

EMITS = Counter(
    "ledgerbus_realtime_emits_total",
    "Events this node emitted to a Socket.IO room, by scope kind (user, inbox or group).",
    ["scope_kind"],
)
RESUMES = Counter(
    "ledgerbus_realtime_resumes_total",
    "sync.resume requests this node caught up (a socket back after a reconnect).",
)


def scope_kind_label(scope: str) -> str:
    """The kind of ``user:<id>``, ``inbox:<id>`` or ``group:<id>``; ``other`` for anything else."""
    kind = scope.partition(":")[0]
    return kind if kind in SCOPE_KINDS else "other"


class Observed(Protocol):
    """What a realtime server tells the collector when scraped."""

    def sockets(self) -> int: ...

    def rooms(self) -> int: ...

    def held_events(self) -> int: ...


class RealtimeCollector(Collector):
    """The gauges of every realtime server of this process, summed, read at scrape time."""

    def __init__(self) -> None:
        self._servers: weakref.WeakSet[Observed] = weakref.WeakSet()

    def track(self, server: Observed) -> None:
        self._servers.add(server)

    def collect(self) -> Iterable[GaugeMetricFamily]:
        servers = list(self._servers)
        yield GaugeMetricFamily(
            "ledgerbus_realtime_sockets",
            "Sockets connected and signed in on this node.",
            value=sum(s.sockets() for s in servers),
        )
        yield GaugeMetricFamily(
            "ledgerbus_realtime_rooms",
            "Scopes (user: and group: rooms) with sockets on this node, each one subscription.",
            value=sum(s.rooms() for s in servers),
        )
        yield GaugeMetricFamily(
            "ledgerbus_realtime_held_events",
            "Live events held for sockets still catching up (sync.resume), not yet sent.",
            value=sum(s.held_events() for s in servers),
        )


COLLECTOR = RealtimeCollector()
REGISTRY.register(COLLECTOR)
