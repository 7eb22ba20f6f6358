"""The run of ``ledgerbus bench sync``: an embedded stack (NATS, SecantusDB, the edge with HTTP
and Socket.IO on one port, the accounts and expenses actors), users signed up, then batches of
commands, the change feed and a device's catch-up, in that order."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

from bus.settings import Settings
from deploy.bench.figures import Header
from deploy.bench.flags import log_path_of
from deploy.bench.memory import ProcessSampler, own_peak_rss_mb
from deploy.bench.progress import progress
from deploy.bench.stackrun import WRITE_LIMITS, sampled_stack
from deploy.bench.sync.batches import batch_phase, make_batches
from deploy.bench.sync.catchup import catch_up
from deploy.bench.sync.feed import heads_of, heads_reads, many_readers, single_reader
from deploy.bench.sync.options import SyncBenchOptions
from deploy.bench.sync.results import HttpFigures, SyncResult
from deploy.bench.users import sign_up_many

ACTORS = ["accounts", "expenses"]
"""Sign-up and sign-in (accounts), and the expenses that are synced (expenses)."""


async def over_http(
    settings: Settings, o: SyncBenchOptions, say: Callable[[str], None], log: TextIO
) -> HttpFigures:
    """Every figure, on a stack of its own that is stopped whatever happens."""
    own = sampled_stack(settings, "sync", o.stack_log_level, ACTORS, log, say, WRITE_LIMITS)
    async with own as (stack, sampler):
        return await measure(stack.base_url, o, say, sampler)


async def measure(
    base: str, o: SyncBenchOptions, say: Callable[[str], None], sampler: ProcessSampler
) -> HttpFigures:
    """Sign up, then the three figures on the stack at ``base``."""
    say(f"signing up {o.users + 1} users")
    t0 = time.perf_counter()
    users = await sign_up_many(base, o.users + 1)
    sign_up_s = time.perf_counter() - t0
    device = users[-1]  # the lone device: sequential batches, the long feed, the catch-up

    many = make_batches(o.users, o.commands, o.batch)
    alone = make_batches(1, o.single_commands, o.batch, first_user=o.users)
    sampler.under_load = True
    say(f"{o.users} clients sending {o.commands:,} commands in {len(many)} batches of {o.batch}")
    concurrent = await batch_phase(base, users, many)
    say(f"one device sending {o.single_commands:,} commands in {len(alone)} sequential batches")
    single = await batch_phase(base, users, alone)
    sampler.under_load = False
    sampler.sample()

    device_head = (await heads_of(base, device))[f"user:{device.id}"]
    say(f"reading a feed of {device_head:,} events from 0, {o.feed_reads} times")
    feed_one = await single_reader(base, device, device_head, o.feed_reads)
    readers = users[: o.readers]
    reader_heads = [(await heads_of(base, u))[f"user:{u.id}"] for u in readers]
    say(f"{len(readers)} readers reading their own feeds at once")
    feed_many = await many_readers(base, readers, reader_heads, device_head)
    say(f"GET /v1/sync/heads {o.heads_reads} times")
    heads = await heads_reads(base, device, o.heads_reads)

    say(f"a device that missed {device_head:,} events resumes over Socket.IO from 0")
    resumed = await catch_up(base, device, device_head)
    sampler.sample()
    return HttpFigures(
        users=o.users + 1,
        sign_up_s=round(sign_up_s, 3),
        write_limits=dict(WRITE_LIMITS),
        batches_concurrent=concurrent,
        batches_single=single,
        feed_single=feed_one,
        feed_concurrent=feed_many,
        heads=heads,
        catch_up=resumed,
        memory_peak_mb=sampler.peak_mb(),
        memory_peak_under_load_mb=sampler.peak_mb(under_load=True),
    )


async def run_sync(settings: Settings, o: SyncBenchOptions, out: TextIO) -> SyncResult:
    """Every figure of one run."""
    began = time.monotonic()
    header = Header.now("sync", o)
    log_path = log_path_of("sync", o.log_path)
    with log_path.open("w", buffering=1) as log:
        http = await over_http(settings, o, progress(out), log)
    return SyncResult(
        header=header,
        http=http,
        process_peak_rss_mb=own_peak_rss_mb(),
        gapless=http.catch_up.gapless,
        log_file=str(log_path),
        elapsed_s=round(time.monotonic() - began, 1),
    )
