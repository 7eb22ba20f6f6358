"""`ledgerbus up`: the whole embedded stack as a user starts it, used, stopped and started again.

Fresh starts are repeated (``LEDGERBUS_TEST_UP_STARTS``, default ``DEFAULT_STARTS``; the issue's
figure is 10: ``LEDGERBUS_TEST_UP_STARTS=10 pytest tests/test_up.py -k fresh``): each is used the
moment it says it is ready, with no retry.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiohttp
import psutil
import pytest

from actors.notifications.mail import MailSettings, send_mail
from tests.support.helpers import PASSWORD, eventually
from tests.support.processes import REPO, clean_environment, start_up, up_ports

pytestmark = pytest.mark.integration
DEFAULT_STARTS = 5
STARTS = int(os.environ.get("LEDGERBUS_TEST_UP_STARTS", DEFAULT_STARTS))
READY_LINE = "ledgerbus is ready"


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


async def _mail_reaches_the_sink(data: Path, port: int, newcomer: str) -> None:
    """A mail sent to the stack's SMTP port is kept under the data dir and listed by
    ``ledgerbus mail list``, as a developer would look for it; so is the welcome the
    notifications actor sent the newcomer who signed up."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@example.com", "b@example.com", "hi"
    message["Message-ID"] = f"<{uuid.uuid4()}@ledgerbus.test>"
    message.set_content("hello from the test")
    await send_mail(message, MailSettings(host="127.0.0.1", port=port, timeout_s=10))

    async def listed() -> list[dict[str, Any]] | None:
        """``mail list --json``, once the welcome is among what it lists."""
        done = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "deploy.cli", "mail", "list", "--json", "--data-dir", str(data)],
            cwd=REPO,
            env=clean_environment(),
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        kept: list[dict[str, Any]] = json.loads(done.stdout)
        return kept if any(m["to"] == newcomer for m in kept) else None

    kept = await eventually(listed, timeout_s=60, every_s=1.0)
    mine = [m["subject"] for m in kept if m["message_id"] == message["Message-ID"]]
    assert mine == ["hi"]
    welcome = [m["subject"] for m in kept if m["to"] == newcomer]
    assert welcome == ["Welcome to ledgerbus, Up"], kept


async def test_up_serves_keeps_data_across_restarts_and_stops_without_orphans(
    tmp_path: Path,
) -> None:
    ports = up_ports()
    base = f"http://127.0.0.1:{ports['http-port']}"
    data, log = tmp_path / "data", tmp_path / "up.log"
    email = f"up.{uuid.uuid4().hex[:8]}@example.com"

    up = start_up(data, ports, log)
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
        await _mail_reaches_the_sink(data, ports["smtp-port"], email)
        children = psutil.Process(up.pid).children(recursive=True)
        assert len(children) >= 6  # nats, mongo, the mail sink, edge, and one process per actor
        up.send_signal(signal.SIGINT)
        assert await asyncio.to_thread(up.wait, 60) == 0
        _, alive = psutil.wait_procs(children, timeout=10)
        assert alive == [], f"orphans left: {[p.pid for p in alive]}"
    finally:
        if up.poll() is None:
            up.kill()

    again = start_up(data, ports, log)
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
    ports = up_ports()
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", ports["http-port"]))
        taken.listen()
        log = tmp_path / "up.log"
        up = start_up(tmp_path / "data", ports, log)
        code = await asyncio.to_thread(up.wait, 60)
    assert code == 2
    assert f"port {ports['http-port']}" in log.read_text()
    assert "already in use" in log.read_text()


async def _announced_ready(up: subprocess.Popen[bytes], log: Path) -> bool:
    assert up.poll() is None, await asyncio.to_thread(log.read_text)
    return READY_LINE in await asyncio.to_thread(log.read_text)


async def _first_minutes(base: str) -> None:
    """What a new user does first, each answered at once: sign up, sign in, look at the rates,
    record an expense in another currency and get its home-currency value."""
    email = f"first.{uuid.uuid4().hex[:8]}@example.com"
    account = {"email": email, "password": PASSWORD}
    profile = {"name": "First", "home_currency": "EUR", "timezone": "UTC"}
    # A date inside the bundled rate history, so the value never depends on today's date.
    expense = {"amount": "12.50", "currency": "USD", "date": "2026-10-15", "description": "lunch"}
    async with aiohttp.ClientSession(base) as http:
        async with http.post("/v1/auth/register", json={**account, **profile}) as resp:
            assert resp.status == 201, await resp.text()
        async with http.post("/v1/auth/login", json=account) as resp:
            assert resp.status == 200, await resp.text()
            auth = {"Authorization": f"Bearer {(await resp.json())['access_token']}"}
        async with http.get("/v1/currency/rates?base=EUR&symbols=USD", headers=auth) as resp:
            assert resp.status == 200, await resp.text()
            assert "USD" in (await resp.json())["rates"]
        async with http.post("/v1/expenses", json=expense, headers=auth) as resp:
            assert resp.status == 201, await resp.text()
            created = await resp.json()
    assert created["home_currency"] == "EUR"
    assert created["home_amount"] is not None, created
    assert created["rate_date"] == "2026-10-15"


async def _freshstart_up(root: Path) -> float:
    """One fresh start, used the moment it says it is ready, then stopped; its seconds to ready."""
    ports, log = up_ports(), root / "up.log"
    started = time.monotonic()
    up = start_up(root / "data", ports, log)
    try:
        await eventually(lambda: _announced_ready(up, log), timeout_s=180, every_s=0.05)
        took = time.monotonic() - started
        await _first_minutes(f"http://127.0.0.1:{ports['http-port']}")
        up.send_signal(signal.SIGINT)
        assert await asyncio.to_thread(up.wait, 60) == 0
    finally:
        if up.poll() is None:
            up.kill()
    said = log.read_text()
    before = said[: said.index(READY_LINE)]
    assert "waiting for actor:currency" in before  # it said what it waited for
    assert "actor:expenses ready (" in before
    return took


@pytest.mark.timeout(60 + 150 * STARTS)  # a loaded 2-core machine: ~35 s a start, at worst
async def test_fresh_starts_serve_a_first_write_the_moment_they_say_ready(tmp_path: Path) -> None:
    took = []
    for run in range(STARTS):
        (tmp_path / str(run)).mkdir()
        took.append(await _freshstart_up(tmp_path / str(run)))
    print(f"{STARTS} fresh starts, seconds to ready:", " ".join(f"{t:.1f}" for t in took))
