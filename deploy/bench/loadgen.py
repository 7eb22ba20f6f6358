"""The load generator, run as its own process: ``python -m deploy.bench.loadgen PLAN RESULT``.

Each client is one user with its own keep-alive aiohttp session. A closed-loop phase has every
client send its next request as soon as the last is answered; a fixed-rate phase sends requests
at fixed times (open loop, round robin over the clients) and measures from the time each was
due, so a slow server cannot hide its queueing. Requests are pre-encoded and nothing is logged
per request, to keep this process's share of the CPU small. The result file holds figures only.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import uvloop

from deploy.bench.devices import Devices
from deploy.bench.stats import Sample, event_summary, in_window, window_summary

PATH = "/v1/expenses"
REQUEST_TIMEOUT_S = 30.0
EVENT_GRACE_S = 5.0


def expense_body(index: int) -> bytes:
    """The JSON body every client sends (the same shape as a phone's quick entry)."""
    return json.dumps(
        {
            "amount": f"{12 + index % 50}.30",
            "currency": "EUR",
            "date": "2026-11-20",
            "description": f"bench lunch {index}",
        }
    ).encode()


@dataclass
class Client:
    """One user's HTTP connection and the samples of its requests."""

    session: aiohttp.ClientSession
    headers: dict[str, str]
    body: bytes
    watched: bool
    samples: list[Sample] = field(default_factory=list)

    async def send(self, start: float) -> None:
        """One POST; records (start, answered, status, command id). Status 0: no answer."""
        status, command_id = 0, None
        try:
            async with self.session.post(PATH, data=self.body, headers=self.headers) as resp:
                raw = await resp.read()
                status = resp.status
                command_id = resp.headers.get("X-Command-Id")
                if status == 202 and command_id is None:
                    command_id = json.loads(raw).get("command_id")
        except (aiohttp.ClientError, TimeoutError, ValueError):
            pass
        self.samples.append(Sample(start, time.perf_counter(), status, command_id))


def open_clients(base_url: str, tokens: list[str], watched: set[str]) -> list[Client]:
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    return [
        Client(
            session=aiohttp.ClientSession(
                base_url,
                timeout=timeout,
                cookie_jar=aiohttp.DummyCookieJar(),
                connector=aiohttp.TCPConnector(limit=64, keepalive_timeout=60),
            ),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            body=expense_body(i),
            watched=token in watched,
        )
        for i, token in enumerate(tokens)
    ]


async def closed_loop(clients: list[Client], stop_at: float) -> None:
    async def loop(client: Client) -> None:
        while (start := time.perf_counter()) < stop_at:
            await client.send(start)

    await asyncio.gather(*(loop(c) for c in clients))


async def open_loop(clients: list[Client], rate: float, begin: float, stop_at: float) -> int:
    """Fire requests at ``rate`` per second; the number of sends that left over 10 ms late."""
    interval, sent, late = 1.0 / rate, 0, 0
    in_flight: set[asyncio.Task[None]] = set()
    while (due := begin + sent * interval) < stop_at:
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        elif delay < -0.01:
            late += 1
        task = asyncio.create_task(clients[sent % len(clients)].send(due))
        in_flight.add(task)
        task.add_done_callback(in_flight.discard)
        sent += 1
    await asyncio.gather(*in_flight)
    return late


async def run_phase(
    phase: dict[str, Any], base_url: str, devices: Devices | None, watched: set[str]
) -> dict[str, Any]:
    """Run one phase and summarise its measured window."""
    clients = open_clients(base_url, phase["tokens"], watched)
    warmup, duration = float(phase["warmup_s"]), float(phase["duration_s"])
    epoch_offset = time.time() - time.perf_counter()
    begin = time.perf_counter()
    measure_from, stop_at = begin + warmup, begin + warmup + duration
    late = 0
    try:
        if phase["mode"] == "rate":
            late = await open_loop(clients, float(phase["rate"]), begin, stop_at)
        else:
            await closed_loop(clients, stop_at)
    finally:
        await asyncio.gather(*(c.session.close() for c in clients))
    result = window_summary(
        in_window([s for c in clients for s in c.samples], measure_from, stop_at), duration
    )
    result.update(
        mode=phase["mode"],
        clients=len(clients),
        users=len(set(phase["tokens"])),
        warmup_s=warmup,
        duration_s=duration,
        window_epoch=[measure_from + epoch_offset, stop_at + epoch_offset],
    )
    if phase["mode"] == "rate":
        result.update(target_rate=float(phase["rate"]), late_sends=late)
    if devices is not None and devices.connected:
        seen = [
            s for c in clients if c.watched for s in in_window(c.samples, measure_from, stop_at)
        ]
        wanted = {s.command_id for s in seen if s.command_id and s.status in (201, 202)}
        await devices.settle(wanted, EVENT_GRACE_S)
        result["events"] = event_summary(seen, devices.arrivals, devices.connected)
    else:
        result["events"] = None
    return result


async def run_plan(plan: dict[str, Any]) -> dict[str, Any]:
    """Connect the devices, run every phase in order, disconnect."""
    base_url: str = plan["base_url"]
    device_tokens: list[str] = plan.get("device_tokens", [])
    devices = Devices(base_url, device_tokens) if device_tokens else None
    out: dict[str, Any] = {"phases": {}, "devices": None}
    try:
        if devices is not None:
            await devices.connect()
        for phase in plan["phases"]:
            out["phases"][phase["name"]] = await run_phase(
                phase, base_url, devices, set(device_tokens)
            )
    finally:
        if devices is not None:
            out["devices"] = devices.summary()
            await devices.close()
    return out


def main(argv: list[str]) -> int:
    """Read the plan, run it, write the figures."""
    plan_path, result_path = Path(argv[0]), Path(argv[1])
    result = uvloop.run(run_plan(json.loads(plan_path.read_text())))
    result_path.write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
