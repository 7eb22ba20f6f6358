"""``ledgerbus bench fraud``: how soon an expense's risk record is committed after its event, how
many expense events the fraud actor scores a second, and how much memory it takes, on an
embedded stack of its own.

The stack is NATS, SecantusDB, the edge, and the accounts, expenses and fraud actors, each its
own process. Users sign up and each writes a history of expenses first (varied amounts,
merchants, categories and purchase times, a few duplicates, outliers, round amounts and night
purchases among them), so that every expense timed afterwards is scored against a real profile.
This process watches two things: every ``expense.created`` event on NATS (a core subscription to
``evt.user.*.expense.created``, timestamped as it arrives) and every risk record committed to
``fraud_risks`` (a MongoDB change stream, timestamped as each insert or replace arrives; if the
server refuses change streams, polling for the awaited ids every 5 ms instead, and the output
says which). Then:

1. The delay from an expense event to its risk record: expenses arrive at a fixed rate (10 a
   second for 30 s by default, round robin over the users, sent on schedule whatever the
   answers), and each one's delay is from its event on NATS to its risk record's commit. The
   target is a p95 under 100 ms. Each delay is also split in stages by wall clock: the event
   on NATS, the fraud actor starting to score it (the record's ``scored_at``), the commit seen.
2. Expenses applied per second beside expense events scored per second, for the same backlog
   (see ``deploy.bench.fraud_backlog``). The expenses actor's command consumer and the fraud
   actor's event consumers are paused (JetStream consumer pauses) while the users write a
   backlog of expenses over HTTP; the command consumer is resumed and the time to the last
   ``expense.created`` event is the expenses actor's; then the fraud consumers are resumed and
   the time to the last risk record committed is the fraud actor's; their ratio says whether
   scoring keeps up. Then the count of the backlog's risk records is checked against the
   expenses created, and the dead letters against none. The same with a second fraud process
   on the same consumers, and once more with the first alone (so that a difference between one
   and two is not just the order of the rounds).
3. The fraud process's memory (RSS) while scoring at the fixed rate, and its peak; the largest
   ``fraud_profiles`` document after each phase (a person's profile is bounded by design).

Nothing is asserted: figures are printed (and written as JSON), speed is never judged; the one
target the issue sets is shown met or missed.
"""

from __future__ import annotations

import argparse
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TextIO

import nats
from pymongo import AsyncMongoClient

from bus.settings import Settings
from deploy.bench.command_consumer import CommandConsumer
from deploy.bench.consumers import Consumers
from deploy.bench.flags import log_path_of, options_from_flags
from deploy.bench.fraud_backlog import scoring_round
from deploy.bench.fraud_names import ACTORS, DURABLES, FRAUD_PROCESS, REQUEST_TIMEOUT_S, SECOND
from deploy.bench.fraud_phases import Run, history, largest_profile, scoring_summary, steady
from deploy.bench.fraud_plan import Planner
from deploy.bench.fraud_render import render
from deploy.bench.fraud_watch import Commits, CreatedEvents
from deploy.bench.fraud_writes import Owner, categories_of
from deploy.bench.http import RequestFailedError, call, session
from deploy.bench.memory import own_peak_rss_mb
from deploy.bench.report import progress, report_bench, run_header
from deploy.bench.stackrun import WRITE_LIMITS, sampled_stack
from deploy.bench.users import sign_up_many
from deploy.supervisor import Supervisor


@dataclass(frozen=True)
class FraudBenchOptions:
    """Every figure the benchmark can be told; defaults are the full run."""

    users: int = 20
    history: int = 30
    rate: float = 10.0
    duration_s: float = 30.0
    backlog: int = 2_000
    second_process: bool = True
    seed: int = 20261123
    stack_log_level: str = "WARNING"
    json_path: Path | None = None
    log_path: Path | None = None
    quick: bool = False

    def shrunk(self) -> FraudBenchOptions:
        """The ``--quick`` variant: 4 users with 8 expenses of history, 5 a second for 4 s,
        a backlog of 100."""
        return replace(self, users=4, history=8, rate=5.0, duration_s=4.0, backlog=100, quick=True)


# --- command line ------------------------------------------------------------------------------


def options_from(args: argparse.Namespace) -> FraudBenchOptions:
    """Options from parsed flags: ``--quick`` shrinks the defaults, given flags win."""
    o = options_from_flags(
        FraudBenchOptions(second_process=not args.one_process),
        args,
        "users",
        "history",
        "rate",
        "duration_s",
        "backlog",
    )
    return replace(
        o,
        users=max(1, o.users),
        history=max(0, o.history),
        rate=max(0.1, o.rate),
        duration_s=max(1.0, o.duration_s),
        backlog=max(1, o.backlog),
    )


def run_cli(args: argparse.Namespace, settings: Settings) -> int:
    """Run the benchmark from parsed flags; 0 when it completed (speed is never judged)."""
    return report_bench("fraud", options_from(args), run_fraud, render, settings)


# --- the run and its report --------------------------------------------------------------------


async def prepare(
    base: str, o: FraudBenchOptions, say: Callable[[str], None]
) -> tuple[list[Owner], str, float]:
    """Users signed up, each with a session and their default categories."""
    say(f"signing up {o.users} users")
    t0 = time.perf_counter()
    users = await sign_up_many(base, o.users)
    owners = [Owner(u, session(base, u.token, REQUEST_TIMEOUT_S)) for u in users]
    for owner in owners:
        owner.categories = await categories_of(owner.http)
    status, me = await call(owners[0].http, "GET", "/v1/me")
    if status != 200 or not isinstance(me, dict):
        raise RequestFailedError(f"GET /v1/me answered {status}: {me}")
    return owners, str(me["timezone"]), time.perf_counter() - t0


async def over_http(
    settings: Settings, o: FraudBenchOptions, say: Callable[[str], None], log: TextIO
) -> dict[str, Any]:
    """Every figure, on a stack of its own that is stopped whatever happens."""
    second: Supervisor | None = None

    def second_pids() -> dict[str, int]:
        return second.pids() if second is not None else {}

    nc: Any = None
    mongo: AsyncMongoClient[dict[str, Any]] | None = None
    owners: list[Owner] = []
    events = CreatedEvents()
    commits: Commits | None = None
    own = sampled_stack(settings, "fraud", o.stack_log_level, ACTORS, log, say, WRITE_LIMITS)
    async with own as (stack, sampler):
        sampler.add_source(second_pids)
        try:
            nc = await nats.connect(stack.layout.nats.url, name="bench-fraud")
            await events.start(nc)
            mongo = AsyncMongoClient(stack.layout.mongo.url)
            db = mongo[settings.mongo_db]
            commits = Commits(db)
            await commits.start()
            consumers = Consumers(nc.jetstream(), DURABLES)
            await consumers.wait_pulling(1, "the fraud actor")
            owners, timezone, sign_up_s = await prepare(stack.base_url, o, say)
            run = Run(
                owners,
                Planner(o.seed, o.users, timezone),
                events,
                commits,
                consumers,
                CommandConsumer(nc.jetstream(), "expenses"),
                sampler,
                db,
                say,
                settings.fraud_flag_threshold,
                lambda: {
                    name: pid
                    for name, pid in {**stack.pids(), **second_pids()}.items()
                    if name.startswith(FRAUD_PROCESS)
                },
            )
            h: dict[str, Any] = {
                "users": o.users,
                "sign_up_s": round(sign_up_s, 3),
                "timezone": timezone,
                "commits_seen_by": commits.method,
                "write_limits": dict(WRITE_LIMITS),
                "threshold": settings.fraud_flag_threshold,
            }
            profiles: dict[str, Any] = {}
            h["history"] = await history(run, o.history)
            profiles["after the history"] = await largest_profile(db)
            h["steady"] = await steady(run, o.rate, o.duration_s)
            profiles["after the fixed rate"] = await largest_profile(db)
            h["memory_steady_mb"] = sampler.peak_mb(under_load=True)
            rounds: list[dict[str, Any]] = []
            h["rounds"] = rounds
            rounds.append(await scoring_round(run, o.backlog, 1))
            if o.second_process:
                say("starting a second fraud process on the same consumers")
                second = await stack.start_actor(SECOND, "fraud")
                h["second_pulling"] = (await consumers.wait_pulling(2, SECOND)).waiting
                rounds.append(await scoring_round(run, o.backlog, 2))
                await second.stop()
                second = None
                say("the second fraud process stopped: the first round again, with one")
                rounds.append(await scoring_round(run, o.backlog, 1))
            profiles["at the end"] = await largest_profile(db)
            h["profiles"] = profiles
            h["scoring"] = await scoring_summary(db, settings.fraud_flag_threshold)
            h["commits_seen_by"] = commits.method  # polling, if the stream failed on the way
            h["change_stream_error"] = commits.fallback_reason
            sampler.sample()
            h["memory_peak_mb"] = sampler.peak_mb()
            return h
        finally:
            await events.stop()
            if commits is not None:
                await commits.stop()
            for owner in owners:
                with contextlib.suppress(Exception):
                    await owner.http.close()
            if nc is not None:
                with contextlib.suppress(Exception):
                    await nc.close()
            if mongo is not None:
                await mongo.close()
            await sampler.stop()
            if second is not None:
                await second.stop()


async def run_fraud(settings: Settings, o: FraudBenchOptions, out: TextIO) -> dict[str, Any]:
    """Every figure of one run."""
    began = time.monotonic()
    say = progress(out)
    figures = run_header("fraud", o)
    log_path = log_path_of("fraud", o.log_path)
    with log_path.open("w", buffering=1) as log:
        figures["http"] = await over_http(settings, o, say, log)
    figures["process_peak_rss_mb"] = own_peak_rss_mb()
    figures["log_file"] = str(log_path)
    figures["elapsed_s"] = round(time.monotonic() - began, 1)
    return figures
