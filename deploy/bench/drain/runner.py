"""The run of ``ledgerbus bench drain``: an embedded stack (NATS, SecantusDB, the edge, the
accounts actor) with no expenses process of its own, users signed up, the expenses actor's
consumers made by one process started and stopped again, then one round per process count."""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import AsyncIterator
from typing import Any, TextIO

import nats
from pymongo import AsyncMongoClient

from actors.app import reaction_durable
from actors.expenses import EXPENSES
from bus.settings import Settings
from deploy.bench.consumers import Consumers
from deploy.bench.drain.lag import DrainWatch
from deploy.bench.drain.options import DrainBenchOptions, process_counts
from deploy.bench.drain.results import DrainResult, RoundFigures
from deploy.bench.drain.rounds import Drain, drain_round
from deploy.bench.drain.workers import ACTOR, Workers
from deploy.bench.figures import Header
from deploy.bench.flags import log_path_of
from deploy.bench.progress import progress
from deploy.bench.stackrun import BenchStack, sampled_stack
from deploy.bench.stats import ratio
from deploy.bench.users import sign_up_many

ACTORS = ["accounts"]
"""Sign-up and sign-in; the expenses processes are the rounds' own."""
IDLE_WAIT_S = 120.0


class InexactDrainError(RuntimeError):
    """A round did not apply exactly its backlog; the figures were printed above."""


@contextlib.asynccontextmanager
async def connected(stack: BenchStack, settings: Settings) -> AsyncIterator[tuple[Any, Any]]:
    """JetStream and the database of the stack; closed whatever happens."""
    nc = await nats.connect(stack.layout.nats.url, name="bench-drain")
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(stack.layout.mongo.url)
    try:
        yield nc.jetstream(), mongo[settings.mongo_db]
    finally:
        with contextlib.suppress(Exception):
            await nc.close()
        await mongo.close()


async def prepare(d: Drain) -> None:
    """One expenses process makes the actor's consumers and applies what waits for it (the new
    users' default categories); then its command consumer is paused and the process stopped."""
    d.say("one expenses process making its consumers and seeding the users' categories")
    await d.workers.start(1)
    try:
        await d.watch.wait_pulling(1)
        durables = [reaction_durable(ACTOR, t) for t in EXPENSES.reactions]
        await Consumers(d.js, durables).wait(lambda b: b.left == 0, IDLE_WAIT_S, "seeding")
        await d.watch.consumer.pause()
    finally:
        await d.workers.stop()


def with_speed_up(rounds: list[RoundFigures]) -> list[RoundFigures]:
    """Each round's drain rate over the first 1-process round's."""
    one = next((r.drain_per_s for r in rounds if r.processes == 1), None)
    return [dataclasses.replace(r, speed_up=ratio(r.drain_per_s, one)) for r in rounds]


async def run_drain(settings: Settings, o: DrainBenchOptions, out: TextIO) -> DrainResult:
    """Every round of one run; fails (after printing the figures) when a round was inexact."""
    began = time.monotonic()
    header = Header.now("drain", o)
    log_path = log_path_of("drain", o.log_path)
    say = progress(out)
    with log_path.open("w", buffering=1) as log:
        own = sampled_stack(settings, "drain", o.stack_log_level, ACTORS, log, say)
        async with own as (stack, sampler), connected(stack, settings) as (js, db):
            say(f"signing up {o.users} users")
            t0 = time.perf_counter()
            users = await sign_up_many(stack.base_url, o.users)
            sign_up_s = time.perf_counter() - t0
            workers = Workers(stack)
            sampler.add_source(workers.pids)
            d = Drain(js, db, DrainWatch(js, ACTOR), workers, sampler, [u.id for u in users], say)
            await prepare(d)
            counts = process_counts(o.processes)
            rounds = [await drain_round(d, i, p, o.backlog) for i, p in enumerate(counts, 1)]
            memory = sampler.peak_mb()
    result = DrainResult(
        header=header,
        users=len(users),
        sign_up_s=round(sign_up_s, 3),
        rounds=with_speed_up(rounds),
        exact=all(r.exact for r in rounds),
        memory_peak_mb=memory,
        log_file=str(log_path),
        elapsed_s=round(time.monotonic() - began, 1),
    )
    return checked(result, out)


def checked(result: DrainResult, out: TextIO) -> DrainResult:
    """The result, when every round applied exactly its backlog; else its figures printed and
    :class:`InexactDrainError` raised."""
    if result.exact:
        return result
    from deploy.bench.drain.render import render

    out.write(render(result) + "\n")
    wrong = [r for r in result.rounds if not r.exact]
    raise InexactDrainError(
        "; ".join(
            f"{r.processes} process(es) applied {r.applied:,} of {r.commands:,} "
            f"({r.accepted:,} accepted, {r.dead_letters_added} dead letters)"
            for r in wrong
        )
    )
