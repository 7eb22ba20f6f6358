"""What a socket is told when a backing service is down, and which errors mean the bus is."""

from __future__ import annotations

from nats.errors import Error as NatsError

BusDown = (NatsError, TimeoutError, ConnectionError)
"""Errors of an unreachable NATS (a publish, a subscribe, an outcome that cannot come)."""
SIGN_IN_UNAVAILABLE = "sign-in cannot be checked right now; retry later"
BUS_UNAVAILABLE = "the message bus is unavailable; retry later"
