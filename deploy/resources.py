"""The connections a web process shares between its HTTP edge and its Socket.IO server."""

from __future__ import annotations

from nats.aio.client import Client as NATS

from bus.client import CommandSender
from bus.nats_conn import connect_nats
from bus.settings import Settings
from bus.streams import ensure_streams
from storage.database import Database, connect
from storage.outcomes import stored_outcome


class Resources:
    """MongoDB, NATS and the command sender: made in :meth:`start`, closed in :meth:`stop`."""

    def __init__(
        self, settings: Settings, name: str = "edge", database: Database | None = None
    ) -> None:
        self.settings = settings
        self.name = name
        self._owns_database = database is None
        self._database: Database | None = database
        self._nc: NATS | None = None
        self._sender: CommandSender | None = None

    @property
    def database(self) -> Database:
        if self._database is None:
            raise RuntimeError("Resources.start() first")
        return self._database

    @property
    def nc(self) -> NATS:
        if self._nc is None:
            raise RuntimeError("Resources.start() first")
        return self._nc

    @property
    def sender(self) -> CommandSender:
        if self._sender is None:
            raise RuntimeError("Resources.start() first")
        return self._sender

    async def start(self) -> None:
        if self._database is None:
            self._database = await connect(self.settings)
        self._nc = await connect_nats(self.settings, self.name)
        await ensure_streams(self._nc.jetstream(), self.settings)
        self._sender = CommandSender(self._nc, self.settings.node_id, stored_outcome)
        await self._sender.start()

    async def stop(self) -> None:
        if self._sender is not None:
            await self._sender.stop()
        if self._nc is not None and not self._nc.is_closed:
            await self._nc.drain()
        if self._database is not None and self._owns_database:
            await self._database.close()
