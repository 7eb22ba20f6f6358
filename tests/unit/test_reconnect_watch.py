"""A NATS client that stops trying to reconnect ends its process; one still trying does not;
an actor's broker keeps reconnecting through the errors FastStream would re-raise."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest
from nats.errors import Error as NatsError

from actors.broker import ActorBroker
from bus.reconnect_watch import ReconnectWatch


@dataclass
class Client:
    is_reconnecting: bool = False
    is_closed: bool = False


def test_a_client_reconnecting_without_a_sign_past_the_limit_has_stalled() -> None:
    watch = ReconnectWatch(limit_s=20)
    now = time.monotonic()
    assert watch.stalled_for(Client(is_reconnecting=True), now + 19) is None
    quiet = watch.stalled_for(Client(is_reconnecting=True), now + 21)
    assert quiet is not None
    assert quiet > 20


def test_a_sign_of_an_attempt_or_a_connected_client_is_not_a_stall() -> None:
    watch = ReconnectWatch(limit_s=20)
    later = time.monotonic() + 60
    assert watch.stalled_for(Client(is_reconnecting=False), later) is None  # connected
    assert watch.stalled_for(Client(is_reconnecting=True, is_closed=True), later) is None
    watch.sign()  # an attempt failed just now: it is still trying
    assert watch.stalled_for(Client(is_reconnecting=True), time.monotonic() + 5) is None


async def test_run_calls_on_stall_once_and_ends_when_the_client_closes() -> None:
    stalls: list[str] = []
    watch = ReconnectWatch(limit_s=0.05, on_stall=stalls.append)
    await watch.run(Client(is_reconnecting=True), every_s=0.02)
    assert len(stalls) == 1
    assert "without an attempt" in stalls[0]
    closed = ReconnectWatch(limit_s=0.05, on_stall=stalls.append)
    await closed.run(Client(is_reconnecting=True, is_closed=True), every_s=0.02)
    assert len(stalls) == 1  # a closed client is nobody's to restart


async def test_the_actor_broker_fails_a_start_but_not_a_reconnect_on_an_auth_timeout() -> None:
    broker = ActorBroker("nats://127.0.0.1:1")
    heard: list[Exception] = []

    async def mine(err: Exception) -> None:
        heard.append(err)

    callback = broker._log_connection_broken(mine)
    timeout = NatsError("nats: 'Authorization Timeout'")
    with pytest.raises(NatsError):  # while starting: a bad configuration fails fast
        await callback(timeout)
    broker.connected()
    await callback(timeout)  # while reconnecting: heard and logged, never raised
    assert heard == [timeout, timeout]
