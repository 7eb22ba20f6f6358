"""A real python-socketio client for the tests: a device that records what it receives."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import socketio

from tests.support.helpers import eventually

WAIT_S = 30.0  # a bound that only a failing test waits out


@dataclass
class Device:
    """A real python-socketio client that records every event it receives."""

    client: socketio.AsyncClient = field(
        default_factory=lambda: socketio.AsyncClient(reconnection=False)
    )
    events: list[tuple[str, Any]] = field(default_factory=list)
    connect_errors: list[Any] = field(default_factory=list)
    disconnected: bool = False
    disconnected_at: float | None = None  # wall-clock time, as a token's `exp`

    def __post_init__(self) -> None:
        async def on_any(event: str, data: Any = None) -> None:
            self.events.append((event, data))

        async def on_connect_error(data: Any = None) -> None:
            self.connect_errors.append(data)

        async def on_disconnect(*_reason: Any) -> None:
            self.disconnected = True
            self.disconnected_at = time.time()

        self.client.on("*", on_any)
        self.client.on("connect_error", on_connect_error)
        self.client.on("disconnect", on_disconnect)

    async def connect(self, base_url: str, auth: dict[str, Any] | None) -> None:
        await self.client.connect(
            base_url,
            socketio_path="socket.io",
            transports=["websocket"],
            auth=auth,
            wait_timeout=10,
        )

    def received(self, event_type: str) -> list[Any]:
        return [data for name, data in self.events if name == event_type]

    async def wait_for(self, event_type: str) -> list[Any]:
        """The payloads of ``event_type`` received, once there is at least one."""

        async def probe() -> list[Any]:
            return self.received(event_type)

        return await eventually(probe, timeout_s=WAIT_S)

    async def wait_for_seqs(self, scope: str, after: int, upto: int) -> None:
        """Return once every event of ``scope`` numbered ``after + 1`` to ``upto`` has arrived
        (whatever their order: actors publish a scope's events independently)."""
        wanted = set(range(after + 1, upto + 1))

        async def probe() -> bool:
            seen = {
                data.get("seq")
                for _name, data in self.events
                if isinstance(data, dict) and data.get("scope") == scope
            }
            return wanted <= seen

        await eventually(probe, timeout_s=WAIT_S)

    async def wait_disconnected(self) -> None:
        """Return once the server (or this client) has closed the socket."""

        async def probe() -> bool:
            return self.disconnected

        await eventually(probe, timeout_s=WAIT_S)

    async def command(self, body: Any) -> Any:
        return await self.client.call("command", body, timeout=WAIT_S)

    async def close(self) -> None:
        if self.client.connected:
            await self.client.disconnect()


async def open_device(base_url: str, token: str, **auth: Any) -> Device:
    """A connected socket signed in with ``token``."""
    device = Device()
    await device.connect(base_url, {"token": token, **auth})
    return device
