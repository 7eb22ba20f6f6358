"""The run of ``ledgerbus bench receipts``: the receipts rendered and a few read alone, then an
embedded stack (NATS, SecantusDB, the edge with HTTP and Socket.IO on one port, the accounts
actor and one ocr process), users signed up with a device each, and the phases in order."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import TextIO

import aiohttp

from bus.settings import Settings
from deploy.bench.figures import Header
from deploy.bench.flags import log_path_of
from deploy.bench.http import session
from deploy.bench.memory import ProcessSampler, own_peak_rss_mb
from deploy.bench.progress import progress
from deploy.bench.receipts.devices import ReceiptDevices
from deploy.bench.receipts.images import Image, image_figures, read_alone, render_images
from deploy.bench.receipts.options import ReceiptsBenchOptions
from deploy.bench.receipts.phases import (
    accuracy,
    at_fixed_rate,
    check_all,
    late_receipts,
    one_at_a_time,
    target,
)
from deploy.bench.receipts.results import (
    ArrivalsFigures,
    HttpFigures,
    IdleFigures,
    ReceiptsResult,
    SaturationFigures,
)
from deploy.bench.receipts.saturation import all_read, saturated
from deploy.bench.receipts.uploads import ARRIVALS, IDLE, SATURATION, Run, outcome_figures
from deploy.bench.stackrun import WRITE_LIMITS, sampled_stack
from deploy.bench.users import BenchUser, sign_up_many

ACTORS = ["accounts", "ocr"]
"""Sign-up and sign-in (accounts), and the receipts: recorded and read (ocr)."""

REQUEST_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class Stack:
    """The running stack's address, its process sampler, the users' devices, and their HTTP
    sessions (filled once they signed up)."""

    base_url: str
    sampler: ProcessSampler
    devices: ReceiptDevices
    sessions: dict[str, aiohttp.ClientSession]


@contextlib.asynccontextmanager
async def started(
    settings: Settings, o: ReceiptsBenchOptions, say: Callable[[str], None], log: TextIO
) -> AsyncIterator[Stack]:
    """A stack of its own with one ocr process of ``o.ocr_workers`` threads (or the setting's),
    and the devices and sessions of its users, all stopped and closed whatever happens."""
    env = {**WRITE_LIMITS, "LEDGERBUS_OCR_WORKERS": str(o.ocr_workers or settings.ocr_workers)}
    own = sampled_stack(settings, "receipts", o.stack_log_level, ACTORS, log, say, env)
    async with own as (stack, sampler):
        ours = Stack(stack.base_url, sampler, ReceiptDevices(), {})
        try:
            yield ours
        finally:
            await ours.devices.close()
            for http in ours.sessions.values():
                with contextlib.suppress(Exception):
                    await http.close()


@dataclass(frozen=True)
class SignedUp:
    """The users, each with a session and a device, and how long signing up and connecting
    took. The first uploads one at a time and the arrivals, the second is the probe, and the
    others upload the backlog."""

    users: list[BenchUser]
    sign_up_s: float
    connect_s: float


async def over_http(
    settings: Settings,
    o: ReceiptsBenchOptions,
    images: list[Image],
    say: Callable[[str], None],
    log: TextIO,
) -> HttpFigures:
    """Every figure over HTTP and Socket.IO, on a stack of its own that is stopped whatever
    happens."""
    async with started(settings, o, say, log) as stack:
        say(f"signing up {o.users + 2} users")
        t0 = time.perf_counter()
        users = await sign_up_many(stack.base_url, o.users + 2)
        sign_up_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        await stack.devices.connect(stack.base_url, users)
        signed = SignedUp(users, sign_up_s, time.perf_counter() - t0)
        stack.sessions.update(
            {u.id: session(stack.base_url, u.token, REQUEST_TIMEOUT_S) for u in users}
        )
        run = Run(stack.sessions, stack.devices, images)
        return await measure(run, signed, settings, o, stack.sampler, say)


async def measure(
    run: Run,
    signed: SignedUp,
    settings: Settings,
    o: ReceiptsBenchOptions,
    sampler: ProcessSampler,
    say: Callable[[str], None],
) -> HttpFigures:
    """The phases in order; the outcomes on the devices last, so that a receipt read only once
    the sweeper asked counts with its whole wait."""
    workers = o.ocr_workers or settings.ocr_workers
    alone, probe_owner, owners = signed.users[0], signed.users[1], signed.users[2:]
    say(f"{o.idle} receipts one at a time, each once the previous one was read")
    idle = await one_at_a_time(run, alone, o.idle)
    say(f"receipts arriving at {o.rate:g}/s for {o.duration_s:g} s, one user")
    arrivals = await at_fixed_rate(run, alone, o, sampler)
    say(
        f"{o.users} users uploading {o.backlog} receipts as fast as they can, a probe "
        f"user at {o.probe_rate:g}/s meanwhile"
    )
    saturation = await saturated(run, owners, probe_owner, o, workers, sampler)
    late = await late_receipts(run, settings, say)
    devices = run.devices
    idled = outcome_figures(run.of(IDLE), devices)
    arrived = outcome_figures(run.of(ARRIVALS), devices)
    sat_outcomes = outcome_figures(run.of(SATURATION), devices)
    every = all_read(run.of(SATURATION), devices)
    say(f"reading back all {sum(1 for p in run.posts if p.accepted)} receipts")
    final = await check_all(run)
    read_right = accuracy(run)
    sampler.sample()
    return HttpFigures(
        users=len(signed.users),
        sign_up_s=round(signed.sign_up_s, 3),
        devices=devices.connected,
        devices_connect_s=round(signed.connect_s, 3),
        ocr_workers=workers,
        outcome_wait_s=settings.outcome_wait_s,
        ocr_retry_after_s=settings.ocr_retry_after_s,
        ocr_sweep_s=settings.ocr_sweep_s,
        write_limits=dict(WRITE_LIMITS),
        idle=IdleFigures(**vars(idle), outcomes=idled),
        arrivals=ArrivalsFigures(**vars(arrivals), outcomes=arrived, target=target(arrived)),
        saturation=SaturationFigures(**vars(saturation), outcomes=sat_outcomes, all_read=every),
        late=late,
        final=final,
        accuracy=read_right,
        events_on_devices=dict(devices.events),
        memory_peak_mb=sampler.peak_mb(),
        memory_peak_saturated_mb=sampler.peak_mb(under_load=True),
    )


async def run_receipts(settings: Settings, o: ReceiptsBenchOptions, out: TextIO) -> ReceiptsResult:
    """Every figure of one run."""
    began = time.monotonic()
    say = progress(out)
    header = Header.now("receipts", o)
    say(f"rendering {o.receipts} receipts ({o.degraded:.0%} degraded)")
    t0 = time.perf_counter()
    images = await asyncio.to_thread(render_images, o.seed, o.receipts, o.degraded)
    rendered = image_figures(images, time.perf_counter() - t0)
    if o.reads:
        say(f"reading {o.reads} clean and {o.reads} degraded receipts in this process")
    alone = await asyncio.to_thread(read_alone, o.seed, o.reads)
    log_path = log_path_of("receipts", o.log_path)
    with log_path.open("w", buffering=1) as log:
        http = await over_http(settings, o, images, say, log)
    return ReceiptsResult(
        header=header,
        images=rendered,
        alone=alone,
        http=http,
        process_peak_rss_mb=own_peak_rss_mb(),
        log_file=str(log_path),
        elapsed_s=round(time.monotonic() - began, 1),
    )
