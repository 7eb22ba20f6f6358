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

import aiohttp
import uvloop

from deploy.bench.devices import Devices
from deploy.bench.expenses.plans import LoadPlan, PhasePlan
from deploy.bench.expenses.results import LoadResult, Phase
from deploy.bench.figures import plain
from deploy.bench.stats import Events, Sample, events, in_window, window

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
    phase: PhasePlan, base_url: str, devices: Devices | None, watched: set[str]
) -> Phase:
    """Run one phase and summarise its measured window."""
    clients = open_clients(base_url, phase.tokens, watched)
    warmup, duration = float(phase.warmup_s), float(phase.duration_s)
    epoch_offset = time.time() - time.perf_counter()
    begin = time.perf_counter()
    measure_from, stop_at = begin + warmup, begin + warmup + duration
    late = 0
    rate = float(phase.rate) if phase.mode == "rate" and phase.rate is not None else None
    try:
        if rate is not None:
            late = await open_loop(clients, rate, begin, stop_at)
        else:
            await closed_loop(clients, stop_at)
    finally:
        await asyncio.gather(*(c.session.close() for c in clients))
    measured = window(
        in_window([s for c in clients for s in c.samples], measure_from, stop_at), duration
    )
    seen_events: Events | None = None
    if devices is not None and devices.connected:
        seen = [
            s for c in clients if c.watched for s in in_window(c.samples, measure_from, stop_at)
        ]
        wanted = {s.command_id for s in seen if s.command_id and s.status in (201, 202)}
        await devices.settle(wanted, EVENT_GRACE_S)
        seen_events = events(seen, devices.arrivals, devices.connected)
    return Phase(
        **vars(measured),
        mode=phase.mode,
        clients=len(clients),
        users=len(set(phase.tokens)),
        warmup_s=warmup,
        duration_s=duration,
        window_epoch=[measure_from + epoch_offset, stop_at + epoch_offset],
        target_rate=rate,
        late_sends=late if rate is not None else None,
        events=seen_events,
    )


async def run_plan(plan: LoadPlan) -> LoadResult:
    """Connect the devices, run every phase in order, disconnect."""
    devices = Devices(plan.base_url, plan.device_tokens) if plan.device_tokens else None
    phases: dict[str, Phase] = {}
    try:
        if devices is not None:
            await devices.connect()
        for phase in plan.phases:
            phases[phase.name] = await run_phase(
                phase, plan.base_url, devices, set(plan.device_tokens)
            )
    finally:
        summary = devices.summary() if devices is not None else None
        if devices is not None:
            await devices.close()
    return LoadResult(phases, summary)


def main(argv: list[str]) -> int:
    """Read the plan, run it, write the figures."""
    plan_path, result_path = Path(argv[0]), Path(argv[1])
    result = uvloop.run(run_plan(LoadPlan.from_json(json.loads(plan_path.read_text()))))
    result_path.write_text(json.dumps(plain(result)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
