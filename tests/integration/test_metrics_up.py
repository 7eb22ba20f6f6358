"""Every process of `ledgerbus up` serves its own Prometheus metrics, on the port `up` gave it
and listed in its banner: a write through HTTP moves the edge's request counter and the
expenses actor's command counter by exactly one, each read over TCP from its own process."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import socketio
from prometheus_client.parser import text_string_to_metric_families

from bus.subjects import COMMANDS_STREAM
from tests.support.helpers import PASSWORD, eventually
from tests.support.processes import start_up, up_ports

pytestmark = pytest.mark.integration

METRICS_URL = re.compile(r"(edge|actor:[a-z]+)\s+(http://\S+/metrics)")


async def _banner(up: subprocess.Popen[bytes], log: Path) -> str | None:
    assert up.poll() is None, await asyncio.to_thread(log.read_text)
    text = await asyncio.to_thread(log.read_text)
    return text if "Ctrl-C to stop" in text else None


async def _scrape(url: str) -> str:
    async with aiohttp.ClientSession() as http, http.get(url) as resp:
        assert resp.status == 200
        return await resp.text()


def _value(text: str, name: str, **labels: str) -> float | None:
    """The value of sample ``name`` with exactly ``labels`` in a scrape, or None if absent."""
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and s.labels == labels:
                return float(s.value)
    return None


async def _json(resp: aiohttp.ClientResponse, status: int) -> Any:
    assert resp.status == status, await resp.text()
    return await resp.json()


async def test_each_process_of_up_serves_its_own_metrics_that_count_a_write(
    tmp_path: Path,
) -> None:
    ports = up_ports()
    base = f"http://127.0.0.1:{ports['http-port']}"
    log = tmp_path / "up.log"
    up = start_up(tmp_path / "data", ports, log)
    try:
        banner = await eventually(lambda: _banner(up, log), timeout_s=180, every_s=0.2)
        urls = dict(METRICS_URL.findall(banner))
        assert {"edge", "actor:expenses", "actor:accounts"} <= set(urls), banner
        assert len(set(urls.values())) == len(urls)  # a listener of its own for each

        email = f"metrics.{uuid.uuid4().hex[:8]}@example.com"
        account = {"email": email, "password": PASSWORD}
        profile = {"name": "Metrics", "home_currency": "EUR", "timezone": "UTC"}
        async with aiohttp.ClientSession(base) as http:
            async with http.post("/v1/auth/register", json={**account, **profile}) as resp:
                await _json(resp, 201)
            async with http.post("/v1/auth/login", json=account) as resp:
                token = (await _json(resp, 200))["access_token"]
            auth = {"Authorization": f"Bearer {token}"}

            device = socketio.AsyncClient(reconnection=False)
            await device.connect(base, auth={"token": token}, transports=["websocket"])
            try:
                edge_before = await _scrape(urls["edge"])
                actor_before = await _scrape(urls["actor:expenses"])
                expense = {
                    "amount": "4.20",
                    "currency": "EUR",
                    "date": "2026-11-20",
                    "description": "coffee",
                }
                async with http.post("/v1/expenses", json=expense, headers=auth) as resp:
                    created = await _json(resp, 201)
                async with http.get(f"/v1/expenses/{created['id']}", headers=auth) as resp:
                    await _json(resp, 200)
                edge_after = await _scrape(urls["edge"])
                actor_after = await _scrape(urls["actor:expenses"])
            finally:
                await device.disconnect()

        requests = "ledgerbus_http_requests_total"
        posted = {"method": "POST", "route": "/v1/expenses", "status": "201"}
        read = {"method": "GET", "route": "/v1/expenses/{id}", "status": "200"}
        assert (_value(edge_before, requests, **posted) or 0) + 1 == _value(
            edge_after, requests, **posted
        )
        assert (_value(edge_before, requests, **read) or 0) + 1 == _value(
            edge_after, requests, **read
        )
        assert created["id"] not in edge_after  # a route's template, never its path
        assert _value(edge_after, "ledgerbus_realtime_sockets") == 1.0

        commands = "ledgerbus_commands_total"
        accepted = {"actor": "expenses", "type": "expense.create", "status": "accepted"}
        assert (_value(actor_before, commands, **accepted) or 0) + 1 == _value(
            actor_after, commands, **accepted
        )
        assert _value(actor_after, "ledgerbus_batch_size_count", actor="expenses")
        assert _value(actor_after, "ledgerbus_transaction_duration_seconds_count", actor="expenses")
        assert _value(actor_after, "ledgerbus_events_published_total", actor="expenses")
        pending = _value(
            actor_after,
            "ledgerbus_consumer_pending_messages",
            stream=COMMANDS_STREAM,
            durable="expenses",
        )
        assert pending is not None  # read from JetStream by the actor process
        assert pending >= 0
        for text in (edge_after, actor_after):  # the library's process collector
            assert _value(text, "process_resident_memory_bytes")
        # Another process: the accounts actor applied the sign-up, the expenses actor did not.
        registered = {"actor": "accounts", "type": "user.register", "status": "accepted"}
        assert _value(await _scrape(urls["actor:accounts"]), commands, **registered) == 1.0
        assert _value(actor_after, commands, **registered) is None
    finally:
        up.send_signal(signal.SIGINT)
        try:
            await asyncio.to_thread(up.wait, 60)
        finally:
            if up.poll() is None:
                up.kill()
