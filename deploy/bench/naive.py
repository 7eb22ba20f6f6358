"""The "naive synchronous REST" baseline: ``python -m deploy.bench.naive`` (settings from env).

One aiohttp process whose ``POST /v1/expenses`` checks the same bearer token, validates the same
JSON with the same model (:class:`bus.expense_commands.CreateExpense`), writes the same documents with
the same connection pool settings (:func:`storage.database.connect`), one transaction per
request, and answers 201 with the expense — no bus, no actor, no events on the wire.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator

import uvloop
from aiohttp import web
from pydantic import ValidationError

from bus.expense_commands import CreateExpense
from bus.settings import Settings
from bus.tokens import InvalidToken, verify_access_token
from deploy.bench.writes import write_expense
from storage.database import Database, connect

DATABASE = web.AppKey("database", Database)


def _problem(status: int, code: str, detail: str) -> web.Response:
    return web.json_response(
        {"status": status, "code": code, "detail": detail},
        status=status,
        content_type="application/problem+json",
    )


def create_app(settings: Settings) -> web.Application:
    """The whole baseline service: health and one write route."""
    if settings.jwt_secret is None:
        raise RuntimeError("LEDGERBUS_JWT_SECRET is not set")
    secret = settings.jwt_secret.get_secret_value()
    app = web.Application(client_max_size=settings.max_body_bytes)

    async def database(app: web.Application) -> AsyncIterator[None]:
        app[DATABASE] = await connect(settings)
        yield
        await app[DATABASE].close()

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def create_expense(request: web.Request) -> web.Response:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        try:
            if scheme.lower() != "bearer":
                raise InvalidToken("no bearer token")
            claims = verify_access_token(token.strip(), secret=secret, issuer=settings.jwt_issuer)
        except InvalidToken as exc:
            return _problem(401, "unauthorized", str(exc))
        try:
            payload = CreateExpense.model_validate_json(await request.read())
        except ValidationError as exc:
            return _problem(422, "validation", str(exc)[:500])
        written = await write_expense(request.app[DATABASE], claims.user_id, payload)
        return web.json_response(
            written.expense.model_dump(mode="json"),
            status=201,
            headers={"X-Command-Id": written.command_id},
        )

    app.cleanup_ctx.append(database)
    app.router.add_get("/healthz", healthz)
    app.router.add_post("/v1/expenses", create_expense)
    return app


async def serve(settings: Settings) -> None:
    """Serve until SIGINT/SIGTERM."""
    runner = web.AppRunner(create_app(settings), handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.http_host, settings.http_port, reuse_address=True)
    await site.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


if __name__ == "__main__":
    uvloop.run(serve(Settings()))
    sys.exit(0)
