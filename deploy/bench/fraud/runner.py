"""The run of ``ledgerbus bench fraud``: an embedded stack (NATS, SecantusDB, the edge, and the
accounts, expenses and fraud actors), what this process watches on it, users signed up, and
the phases in order (a second fraud process started for the middle round)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, TextIO

import nats
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from bus.settings import Settings
from deploy.bench.command_consumer import CommandConsumer
from deploy.bench.consumers import Consumers
from deploy.bench.figures import Header
from deploy.bench.flags import log_path_of
from deploy.bench.fraud.backlog import scoring_round
from deploy.bench.fraud.names import ACTORS, DURABLES, FRAUD_PROCESS, REQUEST_TIMEOUT_S, SECOND
from deploy.bench.fraud.options import FraudBenchOptions
from deploy.bench.fraud.phases import history, steady
from deploy.bench.fraud.plan import Planner
from deploy.bench.fraud.results import FraudResult, HttpFigures, RoundFigures
from deploy.bench.fraud.run import Run
from deploy.bench.fraud.stored import largest_profile, scoring_summary
from deploy.bench.fraud.watch import Commits, CreatedEvents
from deploy.bench.fraud.writes import Owner, categories_of
from deploy.bench.http import RequestFailedError, call, session
from deploy.bench.memory import ProcessSampler, own_peak_rss_mb
from deploy.bench.progress import progress
from deploy.bench.stackrun import WRITE_LIMITS, BenchStack, sampled_stack
from deploy.bench.users import sign_up_many
from deploy.supervisor import Supervisor


class SecondProcess:
    """The second fraud process, on the same consumers as the first, while it runs."""

    def __init__(self) -> None:
        self._running: Supervisor | None = None

    def pids(self) -> dict[str, int]:
        return self._running.pids() if self._running is not None else {}

    async def start(self, stack: BenchStack) -> None:
        self._running = await stack.start_actor(SECOND, "fraud")

    async def stop(self) -> None:
        """Stop it, if it runs."""
        running, self._running = self._running, None
        if running is not None:
            await running.stop()


@dataclass(frozen=True)
class Watching:
    """What this process watches on the stack: every ``expense.created`` event on NATS, every
    risk record committed, and the fraud actor's and the expenses actor's consumers."""

    db: AsyncDatabase[dict[str, Any]]
    events: CreatedEvents
    commits: Commits
    consumers: Consumers
    commands: CommandConsumer


@contextlib.asynccontextmanager
async def watching(stack: BenchStack, settings: Settings) -> AsyncIterator[Watching]:
    """Watching the stack, once the fraud actor pulls; closed whatever happens."""
    nc: Any = None
    mongo: AsyncMongoClient[dict[str, Any]] | None = None
    events = CreatedEvents()
    commits: Commits | None = None
    try:
        nc = await nats.connect(stack.layout.nats.url, name="bench-fraud")
        await events.start(nc)
        mongo = AsyncMongoClient(stack.layout.mongo.url)
        db = mongo[settings.mongo_db]
        commits = Commits(db)
        await commits.start()
        consumers = Consumers(nc.jetstream(), DURABLES)
        await consumers.wait_pulling(1, "the fraud actor")
        yield Watching(db, events, commits, consumers, CommandConsumer(nc.jetstream(), "expenses"))
    finally:
        await events.stop()
        if commits is not None:
            await commits.stop()
        if nc is not None:
            with contextlib.suppress(Exception):
                await nc.close()
        if mongo is not None:
            await mongo.close()


@dataclass(frozen=True)
class SignedUp:
    """The users, each with a session and their default categories, their time zone, and how
    long signing up took."""

    owners: list[Owner]
    timezone: str
    sign_up_s: float


@contextlib.asynccontextmanager
async def signed_up(
    base: str, o: FraudBenchOptions, say: Callable[[str], None]
) -> AsyncIterator[SignedUp]:
    """Users signed up, each with a session and their default categories; the sessions closed
    whatever happens."""
    say(f"signing up {o.users} users")
    t0 = time.perf_counter()
    users = await sign_up_many(base, o.users)
    owners = [Owner(u, session(base, u.token, REQUEST_TIMEOUT_S)) for u in users]
    try:
        for owner in owners:
            owner.categories = await categories_of(owner.http)
        status, me = await call(owners[0].http, "GET", "/v1/me")
        if status != 200 or not isinstance(me, dict):
            raise RequestFailedError(f"GET /v1/me answered {status}: {me}")
        yield SignedUp(owners, str(me["timezone"]), time.perf_counter() - t0)
    finally:
        for owner in owners:
            with contextlib.suppress(Exception):
                await owner.http.close()


async def scoring_rounds(
    run: Run, stack: BenchStack, second: SecondProcess, o: FraudBenchOptions
) -> tuple[list[RoundFigures], int | None]:
    """The rounds: one fraud process; unless told otherwise, two, then one again. Also the
    pull requests waiting on every consumer once the second process started (None without)."""
    rounds = [await scoring_round(run, o.backlog, 1)]
    if not o.second_process:
        return rounds, None
    run.say("starting a second fraud process on the same consumers")
    await second.start(stack)
    pulling = (await run.consumers.wait_pulling(2, SECOND)).waiting
    rounds.append(await scoring_round(run, o.backlog, 2))
    await second.stop()
    run.say("the second fraud process stopped: the first round again, with one")
    rounds.append(await scoring_round(run, o.backlog, 1))
    return rounds, pulling


async def measure(
    run: Run, stack: BenchStack, second: SecondProcess, o: FraudBenchOptions, users: SignedUp
) -> HttpFigures:
    """The phases in order, the largest profile measured after each."""
    hist = await history(run, o.history)
    profiles = {"after the history": await largest_profile(run.db)}
    at_rate = await steady(run, o.rate, o.duration_s)
    profiles["after the fixed rate"] = await largest_profile(run.db)
    memory_steady_mb = run.sampler.peak_mb(under_load=True)
    rounds, pulling = await scoring_rounds(run, stack, second, o)
    profiles["at the end"] = await largest_profile(run.db)
    scoring = await scoring_summary(run.db, run.threshold)
    run.sampler.sample()
    return HttpFigures(
        users=o.users,
        sign_up_s=round(users.sign_up_s, 3),
        timezone=users.timezone,
        commits_seen_by=run.commits.method,  # polling, if the stream failed on the way
        write_limits=dict(WRITE_LIMITS),
        threshold=run.threshold,
        history=hist,
        steady=at_rate,
        memory_steady_mb=memory_steady_mb,
        rounds=rounds,
        second_pulling=pulling,
        profiles=profiles,
        scoring=scoring,
        change_stream_error=run.commits.fallback_reason,
        memory_peak_mb=run.sampler.peak_mb(),
    )


def phase_run(
    stack: BenchStack,
    sampler: ProcessSampler,
    second: SecondProcess,
    seen: Watching,
    users: SignedUp,
    settings: Settings,
    o: FraudBenchOptions,
    say: Callable[[str], None],
) -> Run:
    """What every phase uses; the fraud processes are the first and, while it runs, the
    second."""

    def fraud_pids() -> dict[str, int]:
        every = {**stack.pids(), **second.pids()}
        return {name: pid for name, pid in every.items() if name.startswith(FRAUD_PROCESS)}

    planner = Planner(o.seed, o.users, users.timezone)
    return Run(
        users.owners,
        planner,
        seen.events,
        seen.commits,
        seen.consumers,
        seen.commands,
        sampler,
        seen.db,
        say,
        settings.fraud_flag_threshold,
        fraud_pids,
    )


async def over_http(
    settings: Settings, o: FraudBenchOptions, say: Callable[[str], None], log: TextIO
) -> HttpFigures:
    """Every figure, on a stack of its own that is stopped whatever happens."""
    second = SecondProcess()
    own = sampled_stack(settings, "fraud", o.stack_log_level, ACTORS, log, say, WRITE_LIMITS)
    async with own as (stack, sampler):
        sampler.add_source(second.pids)
        try:
            async with (
                watching(stack, settings) as seen,
                signed_up(stack.base_url, o, say) as users,
            ):
                run = phase_run(stack, sampler, second, seen, users, settings, o, say)
                return await measure(run, stack, second, o, users)
        finally:
            await sampler.stop()
            await second.stop()


async def run_fraud(settings: Settings, o: FraudBenchOptions, out: TextIO) -> FraudResult:
    """Every figure of one run."""
    began = time.monotonic()
    say = progress(out)
    header = Header.now("fraud", o)
    log_path = log_path_of("fraud", o.log_path)
    with log_path.open("w", buffering=1) as log:
        http = await over_http(settings, o, say, log)
    return FraudResult(
        header=header,
        http=http,
        process_peak_rss_mb=own_peak_rss_mb(),
        log_file=str(log_path),
        elapsed_s=round(time.monotonic() - began, 1),
    )
