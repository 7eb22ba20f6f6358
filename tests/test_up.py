"""`ledgerbus up`: the whole embedded stack as a user starts it, used, stopped and started again."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import psutil
import pytest

from deploy.embedded import find_free_port
from tests.helpers import PASSWORD, eventually
from tests.processes import REPO

pytestmark = pytest.mark.integration


def _start(data: Path, ports: dict[str, int], log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGERBUS_")}
    args = [sys.executable, "-m", "deploy.cli", "up", "--data-dir", str(data)]
    for flag, port in ports.items():
        args += [f"--{flag}", str(port)]
    return subprocess.Popen(
        args, cwd=REPO, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT
    )


async def _ready(base: str) -> bool:
    try:
        async with aiohttp.ClientSession() as http, http.get(f"{base}/readyz") as resp:
            return resp.status == 200
    except aiohttp.ClientError:
        return False


async def _banner_printed(log: Path) -> bool:
    return "Ctrl-C" in await asyncio.to_thread(log.read_text)


async def _applied(
    http: aiohttp.ClientSession, path: str, body: dict[str, Any], headers: dict[str, str]
) -> dict[str, Any]:
    """POST a write until it is applied: a 202 (just after start, the actors may still be
    loading) is retried with the same Idempotency-Key, which answers the stored outcome."""
    key = {"Idempotency-Key": str(uuid.uuid4()), **headers}

    async def attempt() -> dict[str, Any] | None:
        async with http.post(path, json=body, headers=key) as resp:
            assert resp.status in (201, 202), await resp.text()
            return await resp.json() if resp.status == 201 else None  # type: ignore[no-any-return]

    return await eventually(attempt, timeout_s=60, every_s=0.5)


async def test_up_serves_keeps_data_across_restarts_and_stops_without_orphans(
    tmp_path: Path,
) -> None:
    ports = {
        name: find_free_port()
        for name in ("http-port", "nats-port", "nats-monitor-port", "mongo-port")
    }
    base = f"http://127.0.0.1:{ports['http-port']}"
    data, log = tmp_path / "data", tmp_path / "up.log"
    email = f"up.{uuid.uuid4().hex[:8]}@example.com"

    up = _start(data, ports, log)
    try:
        await eventually(lambda: _ready(base), timeout_s=120, every_s=0.5)
        await eventually(lambda: _banner_printed(log), timeout_s=60)  # after every actor started
        async with aiohttp.ClientSession(base) as http:
            body = {
                "email": email,
                "password": PASSWORD,
                "name": "Up",
                "home_currency": "EUR",
                "timezone": "UTC",
            }
            await _applied(http, "/v1/auth/register", body, {})
            async with http.post(
                "/v1/auth/login", json={"email": email, "password": PASSWORD}
            ) as resp:
                token = (await resp.json())["access_token"]
            expense = {
                "amount": "4.20",
                "currency": "EUR",
                "date": "2026-11-20",
                "description": "coffee",
            }
            created = await _applied(
                http, "/v1/expenses", expense, {"Authorization": f"Bearer {token}"}
            )
        children = psutil.Process(up.pid).children(recursive=True)
        assert len(children) >= 5  # nats, mongo, edge, and one process per actor
        up.send_signal(signal.SIGINT)
        assert await asyncio.to_thread(up.wait, 60) == 0
        _, alive = psutil.wait_procs(children, timeout=10)
        assert alive == [], f"orphans left: {[p.pid for p in alive]}"
    finally:
        if up.poll() is None:
            up.kill()

    again = _start(data, ports, log)
    try:
        await eventually(lambda: _ready(base), timeout_s=120, every_s=0.5)
        async with aiohttp.ClientSession(base) as http:
            async with http.post(
                "/v1/auth/login", json={"email": email, "password": PASSWORD}
            ) as resp:
                assert resp.status == 200, await resp.text()
                token = (await resp.json())["access_token"]
            async with http.get(
                f"/v1/expenses/{created['id']}", headers={"Authorization": f"Bearer {token}"}
            ) as resp:
                assert resp.status == 200
                assert await resp.json() == created
    finally:
        again.send_signal(signal.SIGINT)
        await asyncio.to_thread(again.wait, 60)


async def test_up_refuses_a_taken_port_with_a_clear_message(tmp_path: Path) -> None:
    ports = {
        name: find_free_port()
        for name in ("http-port", "nats-port", "nats-monitor-port", "mongo-port")
    }
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", ports["http-port"]))
        taken.listen()
        log = tmp_path / "up.log"
        up = _start(tmp_path / "data", ports, log)
        code = await asyncio.to_thread(up.wait, 60)
    assert code == 2
    assert f"port {ports['http-port']}" in log.read_text()
    assert "already in use" in log.read_text()
