"""The run of ``ledgerbus bench budgets``: an embedded stack (NATS, SecantusDB, the edge, the
accounts, expenses and budgets actors), users with budgets, then the rounds (one process; with
a second process and once more alone unless ``--one-process``) and the alert delays."""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from random import Random
from typing import TextIO

import nats
from nats.aio.client import Client as NATS

from bus.settings import Settings
from deploy.bench.budgets.alerts import alert_delays
from deploy.bench.budgets.api import ACTORS, DURABLES, REQUEST_TIMEOUT_S, SECOND, get, local_today
from deploy.bench.budgets.options import BudgetsBenchOptions
from deploy.bench.budgets.plan import Owner, Planned, make_budgets, matching, plan_round
from deploy.bench.budgets.results import BudgetsResult, HttpFigures, RoundFigures, SetupFigures
from deploy.bench.budgets.rounds import Round, apply_round
from deploy.bench.consumers import Consumers
from deploy.bench.figures import Header
from deploy.bench.flags import log_path_of
from deploy.bench.http import session
from deploy.bench.memory import own_peak_rss_mb
from deploy.bench.progress import progress
from deploy.bench.stackrun import WRITE_LIMITS, BenchStack, sampled_stack
from deploy.bench.users import BenchUser, sign_up_many
from deploy.supervisor import Supervisor


@dataclass
class Setup:
    """The users and budgets of a run, the plan of each round and what was written so far."""

    owners: list[Owner]
    alert_user: BenchUser
    day: date
    plans: list[list[Planned]]
    figures: SetupFigures
    written: list[Planned] = field(default_factory=list)


async def prepare(base: str, o: BudgetsBenchOptions, say: Callable[[str], None]) -> Setup:
    """Users signed up, the plan of every round, and each user's budgets."""
    say(f"signing up {o.users + 1} users")
    t0 = time.perf_counter()
    users = await sign_up_many(base, o.users + 1)
    sign_up_s = time.perf_counter() - t0
    async with session(base, users[0].token, REQUEST_TIMEOUT_S) as http:
        timezone = str((await get(http, "/v1/me"))["timezone"])
    day = local_today(timezone)
    rng = Random(o.seed)
    rounds = 3 if o.second_process else 1
    plans = [plan_round(rng, o.users, o.budgets, o.expenses) for _ in range(rounds)]
    say(f"making {o.budgets} budgets for each of {o.users} users")
    t0 = time.perf_counter()
    owners = await make_budgets(base, users[: o.users], o.budgets, plans)
    budgets_s = time.perf_counter() - t0
    per_expense = Counter(matching(e, o.budgets) for e in plans[0])
    figures = SetupFigures(
        users=o.users + 1,
        sign_up_s=round(sign_up_s, 3),
        budgets_setup_s=round(budgets_s, 3),
        timezone=timezone,
        day=day.isoformat(),
        budgets_each=o.budgets,
        budgets_per_expense={str(k): v for k, v in sorted(per_expense.items())},
        write_limits=dict(WRITE_LIMITS),
    )
    return Setup(owners, users[-1], day, plans, figures)


@dataclass
class Second:
    """The second budgets process, while it runs."""

    supervisor: Supervisor | None = None

    def pids(self) -> dict[str, int]:
        return self.supervisor.pids() if self.supervisor is not None else {}

    async def stop(self) -> None:
        if self.supervisor is not None:
            await self.supervisor.stop()
            self.supervisor = None


async def _rounds(
    stack: BenchStack, where: Round, setup: Setup, o: BudgetsBenchOptions, second: Second
) -> tuple[list[RoundFigures], int | None]:
    """One round with one process; unless ``--one-process``, one with a second process on the
    same consumers and one more alone. The rounds, and the pull requests the second process had
    waiting on every consumer before its round."""
    rounds: list[RoundFigures] = []

    async def round_of(processes: int) -> None:
        n = len(rounds)
        rounds.append(
            await apply_round(
                where,
                setup.plans[n],
                processes=processes,
                first=n * o.expenses,
                written=setup.written,
                alerts_before=rounds[-1].check.alerts_so_far if rounds else 0,
            )
        )

    await round_of(1)
    if not o.second_process:
        return rounds, None
    where.say("starting a second budgets process on the same consumers")
    second.supervisor = await stack.start_actor(SECOND, "budgets")
    pulling = (await where.consumers.wait_pulling(2, SECOND)).waiting
    await round_of(2)
    await second.stop()
    where.say("the second budgets process stopped: the first round again, with one")
    await round_of(1)
    return rounds, pulling


async def over_http(
    settings: Settings, o: BudgetsBenchOptions, say: Callable[[str], None], log: TextIO
) -> HttpFigures:
    """Every figure, on a stack of its own that is stopped whatever happens."""
    second = Second()
    nc: NATS | None = None
    own = sampled_stack(settings, "budgets", o.stack_log_level, ACTORS, log, say, WRITE_LIMITS)
    async with own as (stack, sampler):
        sampler.add_source(second.pids)
        try:
            nc = await nats.connect(stack.layout.nats.url, name="bench-budgets")
            consumers = Consumers(nc.jetstream(), DURABLES)
            await consumers.wait_pulling(1, "the budgets actor")
            setup = await prepare(stack.base_url, o, say)
            where = Round(
                stack.base_url, setup.owners, consumers, sampler, setup.day, o.budgets, say
            )
            rounds, second_pulling = await _rounds(stack, where, setup, o, second)
            say(f"{o.samples} expenses one at a time, each crossing a threshold of a budget")
            alerts = await alert_delays(stack.base_url, setup.alert_user, o.samples, setup.day)
            sampler.sample()
            return HttpFigures(
                **vars(setup.figures),
                rounds=rounds,
                second_pulling=second_pulling,
                alerts=alerts,
                memory_peak_mb=sampler.peak_mb(),
                memory_peak_applying_mb=sampler.peak_mb(under_load=True),
            )
        finally:
            if nc is not None:
                with contextlib.suppress(Exception):
                    await nc.close()
            await sampler.stop()
            await second.stop()


async def run_budgets(settings: Settings, o: BudgetsBenchOptions, out: TextIO) -> BudgetsResult:
    """Every figure of one run."""
    began = time.monotonic()
    header = Header.now("budgets", o)
    log_path = log_path_of("budgets", o.log_path)
    with log_path.open("w", buffering=1) as log:
        http = await over_http(settings, o, progress(out), log)
    return BudgetsResult(
        header=header,
        http=http,
        process_peak_rss_mb=own_peak_rss_mb(),
        log_file=str(log_path),
        elapsed_s=round(time.monotonic() - began, 1),
    )
