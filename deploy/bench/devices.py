"""Second devices: one python-socketio client per sampled user, noting when each event arrives;
and how any benchmark's device connects and disconnects."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from typing import Any

import socketio

EVENT = "expense.created"
CONNECT_TIMEOUT_S = 10.0


async def connect_device(client: socketio.AsyncClient, base_url: str, token: str) -> None:
    """Connect ``client`` over a WebSocket as a device of the user whose token is ``token``."""
    await client.connect(
        base_url,
        socketio_path="socket.io",
        transports=["websocket"],
        auth={"token": token},
        wait_timeout=CONNECT_TIMEOUT_S,
    )


async def disconnect_device(client: socketio.AsyncClient) -> None:
    """Disconnect ``client``; an error, or no answer within 5 s, is let go."""
    with contextlib.suppress(Exception):
        await asyncio.wait_for(client.disconnect(), 5.0)


@dataclass(frozen=True)
class DeviceSummary:
    """The Socket.IO devices of a load: asked for, connected, failed (the first few errors),
    and the events they received."""

    requested: int
    connected: int
    failed: int
    errors: list[str]
    events_received: int


class Devices:
    """Socket.IO clients of some users; ``arrivals`` maps command id → first arrival time.

    Times are ``time.perf_counter()`` of this process, the clock the HTTP clients use too.
    """

    def __init__(self, base_url: str, tokens: list[str]) -> None:
        self._base_url = base_url
        self._tokens = tokens
        self._clients: list[socketio.AsyncClient] = []
        self.arrivals: dict[str, float] = {}
        self.received = 0
        self.errors: list[str] = []
        self._awaited: set[str] = set()
        self._all_in = asyncio.Event()

    @property
    def connected(self) -> int:
        return sum(1 for c in self._clients if c.connected)

    def _on_event(self, data: Any = None) -> None:
        now = time.perf_counter()
        self.received += 1
        command_id = data.get("command_id") if isinstance(data, dict) else None
        if isinstance(command_id, str):
            self.arrivals.setdefault(command_id, now)
            self._awaited.discard(command_id)
            if not self._awaited:
                self._all_in.set()

    async def connect(self) -> None:
        """Connect every device (a few at a time); failures are counted, not raised."""
        limit = asyncio.Semaphore(10)

        async def one(token: str) -> None:
            client = socketio.AsyncClient(reconnection=False)
            client.on(EVENT, self._on_event)
            async with limit:
                try:
                    await connect_device(client, self._base_url, token)
                except Exception as exc:
                    self.errors.append(f"{type(exc).__name__}: {exc}"[:200])
                    return
            self._clients.append(client)

        await asyncio.gather(*(one(t) for t in self._tokens))

    async def close(self) -> None:
        for client in self._clients:
            await disconnect_device(client)
        self._clients.clear()

    async def settle(self, command_ids: set[str], timeout_s: float) -> None:
        """Wait until every one of ``command_ids`` has arrived, or the timeout passes."""
        self._awaited = command_ids - self.arrivals.keys()
        if not self._awaited:
            return
        self._all_in.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._all_in.wait(), timeout_s)
        self._awaited = set()

    def summary(self) -> DeviceSummary:
        """How many devices were asked for, connected and failed, and the events they got."""
        return DeviceSummary(
            requested=len(self._tokens),
            connected=self.connected,
            failed=len(self.errors),
            errors=sorted(set(self.errors))[:5],
            events_received=self.received,
        )
