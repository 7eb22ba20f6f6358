"""An HTTP edge on a nats-server of its own, beside the shared stack: the request-reply queries
it asks reach only what a test binds there (a responder that fails, or a currency actor's
runtime with other settings), while it reads the shared database and accepts the shared
stack's access tokens (same settings, same signing secret).

Only an edge and what a test binds: no actor process (whose outbox relay would publish the
shared stack's events to the wrong server).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web
from nats.aio.client import Client as NATS
from nats.aio.subscription import Subscription
from pydantic import BaseModel

from actors.responders import responder
from bus.settings import Settings
from deploy.embedded import find_free_port
from deploy.serve import build_web_app
from storage.database import Database
from tests.support.helpers import Account, Stack


class LoneEdge:
    """The running edge as a client sees it, and a NATS connection to its server."""

    def __init__(self, stack: Stack, settings: Settings, url: str, nc: NATS) -> None:
        self.stack = stack
        self.settings = settings
        self.url = url
        self.nc = nc

    async def call(
        self, method: str, path: str, who: Account, json: dict[str, Any] | None = None
    ) -> tuple[int, Any, str]:
        """Status, JSON body and content type of one request with ``who``'s token."""
        async with self.stack.http.request(
            method, self.url + path, headers=who.headers, json=json
        ) as resp:
            return resp.status, await resp.json(content_type=None), resp.content_type

    async def answering(
        self, subjects: list[str], answer: Callable[[bytes], Awaitable[BaseModel]]
    ) -> list[Subscription]:
        """Answer ``subjects`` with ``answer``, as an actor's responder does."""
        subs = [
            await self.nc.subscribe(subject, queue="test", cb=responder(answer))
            for subject in subjects
        ]
        await self.nc.flush()
        return subs

    async def release(self, subs: list[Subscription]) -> None:
        """Stop answering: unsubscribed, and known to the server (a round trip) on return."""
        for sub in subs:
            await sub.unsubscribe()
        await self.nc.flush()


@asynccontextmanager
async def lone_edge(
    stack: Stack, settings: Settings, database: Database, nats_url: str, **overrides: Any
) -> AsyncIterator[LoneEdge]:
    """An edge with ``settings`` (and ``overrides``) on the nats-server at ``nats_url``."""
    local = settings.model_copy(
        update={
            "nats_url": nats_url,
            "http_port": find_free_port(),
            "node_id": "lone-edge",
            **overrides,
        }
    )
    app = build_web_app(local, realtime=False, database=database)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", local.http_port).start()
    nc = NATS()
    await nc.connect(nats_url)
    try:
        yield LoneEdge(stack, local, f"http://127.0.0.1:{local.http_port}", nc)
    finally:
        await nc.drain()
        await runner.cleanup()
