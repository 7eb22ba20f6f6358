"""The operators' runbook in tests: ``ledgerbus up`` started on a data directory and stopped as a
person does it, a person and an expense recorded over HTTP, and both found again after the
directory went through a procedure of the README (rotation, backup, restore)."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from tests.support.helpers import PASSWORD, eventually
from tests.support.processes import start_up, up_ports

READY_LINE = "ledgerbus is ready"
START_TIMEOUT_S = 240.0
STOP_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Running:
    """A started ``up``: where it keeps its data and where it listens."""

    data: Path
    ports: dict[str, int] = field(default_factory=up_ports)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.ports['http-port']}"

    @property
    def nats(self) -> str:
        return f"nats://127.0.0.1:{self.ports['nats-port']}"

    @property
    def mongo(self) -> str:
        return f"mongodb://127.0.0.1:{self.ports['mongo-port']}/?directConnection=true"


@dataclass(frozen=True)
class Recorded:
    """What a person left in the stack: their email (the password is ``PASSWORD``), the
    Authorization header of their sign-in, and an expense as the API answered its creation."""

    email: str
    auth: dict[str, str]
    expense: dict[str, Any]


async def _announced_ready(up: subprocess.Popen[bytes], log: Path) -> bool:
    text = await asyncio.to_thread(log.read_text, errors="replace")
    assert up.poll() is None, f"ledgerbus up exited with {up.returncode}:\n{text[-4000:]}"
    return READY_LINE in text


@asynccontextmanager
async def running_up(data: Path, log: Path) -> AsyncIterator[Running]:
    """``ledgerbus up`` on ``data`` and free ports, from its ready line until it is stopped with
    Ctrl-C (SIGINT), which must end it cleanly; each start gets its own ``log``."""
    stack = Running(data)
    up = start_up(data, stack.ports, log)
    try:
        await eventually(lambda: _announced_ready(up, log), timeout_s=START_TIMEOUT_S, every_s=0.2)
        yield stack
        up.send_signal(signal.SIGINT)
        code = await asyncio.to_thread(up.wait, STOP_TIMEOUT_S)
        assert code == 0, f"ledgerbus up stopped with {code}; its output is in {log}"
    finally:
        if up.poll() is None:
            up.kill()
            up.wait(10)


async def _sign_in(http: aiohttp.ClientSession, email: str) -> dict[str, str]:
    login = {"email": email, "password": PASSWORD}
    async with http.post("/v1/auth/login", json=login) as resp:
        assert resp.status == 200, await resp.text()
        token: str = (await resp.json())["access_token"]
    return {"Authorization": f"Bearer {token}"}


async def record_a_person_and_an_expense(stack: Running) -> Recorded:
    """Sign a new person up and in, and create one expense for them."""
    email = f"runbook.{uuid.uuid4().hex[:10]}@example.com"
    profile = {"name": "Runbook", "home_currency": "EUR", "timezone": "UTC"}
    expense = {"amount": "7.35", "currency": "EUR", "date": "2026-11-20", "description": "tea"}
    async with aiohttp.ClientSession(stack.base) as http:
        register = {"email": email, "password": PASSWORD, **profile}
        async with http.post("/v1/auth/register", json=register) as resp:
            assert resp.status == 201, await resp.text()
        auth = await _sign_in(http, email)
        headers = {**auth, "Idempotency-Key": str(uuid.uuid4())}
        async with http.post("/v1/expenses", json=expense, headers=headers) as resp:
            assert resp.status == 201, await resp.text()
            created: dict[str, Any] = await resp.json()
    return Recorded(email, auth, created)


async def _read(http: aiohttp.ClientSession, recorded: Recorded, auth: dict[str, str]) -> Any:
    async with http.get(f"/v1/expenses/{recorded.expense['id']}", headers=auth) as resp:
        assert resp.status == 200, await resp.text()
        return await resp.json()


async def found_again(stack: Running, recorded: Recorded) -> dict[str, Any]:
    """The recorded expense as the stack answers it now, read after signing the same person in
    with the same password (which fails the test if they cannot)."""
    async with aiohttp.ClientSession(stack.base) as http:
        found: dict[str, Any] = await _read(http, recorded, await _sign_in(http, recorded.email))
    return found


async def found_with_the_first_sign_in(stack: Running, recorded: Recorded) -> dict[str, Any]:
    """The recorded expense read with the access token of the sign-in made when it was
    recorded: accepted only where the stack's ``jwt_secret`` is the one that signed it."""
    async with aiohttp.ClientSession(stack.base) as http:
        found: dict[str, Any] = await _read(http, recorded, recorded.auth)
    return found
