"""Ports for servers to listen on come from below the range outgoing connections take their
local ports from, are never one something listens on, and are not handed out twice lately."""

from __future__ import annotations

import secrets
import socket

import pytest

from deploy import embedded
from deploy.embedded import LISTEN_PORTS, find_free_port


def test_ports_come_from_below_the_ephemeral_ranges_and_differ() -> None:
    ports = [find_free_port() for _ in range(300)]
    assert all(port in LISTEN_PORTS for port in ports)
    assert max(LISTEN_PORTS) < 27017 < 32768  # below `ledgerbus up`'s MongoDB and Linux's range
    assert len(set(ports)) == len(ports)


def test_a_port_something_listens_on_is_passed_over(monkeypatch: pytest.MonkeyPatch) -> None:
    taken = find_free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", taken))  # a port of the range, held by someone else
        busy.listen()
        embedded._handed.clear()  # else it would be passed over as handed out lately
        real = secrets.randbelow
        first = [LISTEN_PORTS.index(taken)] * 2  # asked for twice, then chosen at random

        def pick(n: int) -> int:
            return first.pop() if first else real(n)

        monkeypatch.setattr(secrets, "randbelow", pick)
        chosen = find_free_port()
    assert chosen != taken
    assert chosen in LISTEN_PORTS
    assert not first  # the busy port was tried, twice, and passed over
