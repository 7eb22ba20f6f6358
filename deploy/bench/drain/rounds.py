"""One round of the drain benchmark: a fresh backlog published while no expenses process runs
(the actor's command consumer paused), ``P`` processes started and awaited until each pulls,
then the consumer resumed and timed until its lag is zero; the processes stopped; what the
round applied read back and checked.

JetStream does not serve the pull requests that waited on a paused consumer when it resumes:
they wait until they expire (up to the actor's 5 s pull timeout). A new message serves them at
once, so the round's last command is published just after the resume, and every process starts
on the backlog together.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from bus.envelopes import Command
from deploy.bench.drain.backlog import Published, backlog_commands, publish_backlog
from deploy.bench.drain.lag import DrainWatch, LagSeries
from deploy.bench.drain.records import Applied, applied
from deploy.bench.drain.results import RoundFigures
from deploy.bench.drain.workers import Workers
from deploy.bench.memory import CpuWindow, ProcessSampler
from deploy.bench.stats import rate

WAITING_S = 60.0
"""How long the published backlog may take to show as pending on the consumer."""


@dataclass
class Drain:
    """What every round uses: the stack's consumer, its database, the users, the processes."""

    js: Any
    db: AsyncDatabase[dict[str, Any]]
    watch: DrainWatch
    workers: Workers
    sampler: ProcessSampler
    issuers: Sequence[str]
    say: Callable[[str], None]


@dataclass(frozen=True)
class Drained:
    """A backlog drained: when the consumer resumed (epoch), how long the processes took to
    pull, the last command's publish, the lag read, CPU use and each process's peak RSS."""

    resumed_epoch: float
    startup_s: float
    last: Published
    lag: LagSeries
    cpu: dict[str, float]
    peak_rss_mb: dict[str, float]


async def drained(d: Drain, processes: int, last: Sequence[Command]) -> Drained:
    """Start the processes, resume the consumer once each pulls (publishing ``last``), time the
    lag to zero, pause the consumer again and stop the processes, whatever happens."""
    launched = time.perf_counter()
    rss = ProcessSampler()
    try:
        await d.workers.start(processes)
        rss.add_source(d.workers.pids)
        rss.start()
        await d.watch.wait_pulling(processes)
        startup_s = time.perf_counter() - launched
        window = CpuWindow(d.sampler)
        resumed_epoch, resumed = time.time(), time.perf_counter()
        await d.watch.consumer.resume()
        published = await publish_backlog(d.js, last)
        lag = await d.watch.until_zero(resumed)
        cpu = window.close()
        await d.watch.consumer.pause()
    finally:
        await rss.stop()
        await d.workers.stop()
    return Drained(resumed_epoch, startup_s, published, lag, cpu, rss.peak_mb())


def figures(
    count: int,
    processes: int,
    held: Published,
    waiting: int,
    run: Drained,
    done: Applied,
    dead_before: int,
) -> RoundFigures:
    """The round's figures from what was published, drained and applied."""
    since = run.resumed_epoch
    drain_s = done.last_epoch - since if done.last_epoch is not None else 0.0
    first_s = done.first_epoch - since if done.first_epoch is not None else 0.0
    dead_added = done.dead_letters - dead_before
    return RoundFigures(
        processes=processes,
        commands=count,
        publish_s=round(held.seconds, 3),
        published_per_s=rate(len(held.command_ids), held.seconds),
        publish_duplicates=held.duplicates + run.last.duplicates,
        waiting=waiting,
        startup_s=round(run.startup_s, 3),
        first_applied_s=round(first_s, 3),
        to_zero_lag_s=run.lag.zero_after_s,
        drain_s=round(drain_s, 3),
        drain_per_s=rate(count, drain_s),
        lag_per_s=rate(count, run.lag.zero_after_s),
        speed_up=None,
        cpu_percent=run.cpu,
        peak_rss_mb=run.peak_rss_mb,
        applied=done.applied,
        accepted=done.accepted,
        dead_letters_added=dead_added,
        exact=done.applied == count and done.accepted == count and dead_added == 0,
        lag_samples=run.lag.samples,
    )


async def drain_round(d: Drain, round_no: int, processes: int, count: int) -> RoundFigures:
    """See the module docstring; the consumer is paused before and after."""
    commands = backlog_commands(d.issuers, round_no, count)
    d.say(f"round {round_no}: publishing {count:,} expense.create commands to JetStream")
    held = await publish_backlog(d.js, commands[:-1])
    waiting = await d.watch.consumer.wait_pending(count - 1, WAITING_S)
    dead_before = (await applied(d.db, [])).dead_letters
    d.say(f"round {round_no}: {processes} expenses process(es) draining {count:,} commands")
    run = await drained(d, processes, commands[-1:])
    done = await applied(d.db, [c.command_id for c in commands])
    d.say(f"round {round_no}: applied {done.applied:,} of {count:,}")
    return figures(count, processes, held, waiting + 1, run, done, dead_before)
