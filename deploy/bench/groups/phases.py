"""The run of ``ledgerbus bench groups``: the in-process figures, then (unless ``--no-http``) on
an embedded stack of its own (NATS, SecantusDB, edge, accounts and splits actors): members sign
up, one creates a group and adds the others, then every member adds group expenses concurrently
with their own token; then the group's running balances are read, the balances at a moment
folded from the event log, and one member's balance explained."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from random import Random
from typing import TextIO

from bus.settings import Settings
from deploy.bench.figures import Header
from deploy.bench.flags import log_path_of
from deploy.bench.groups.api import REQUEST_TIMEOUT_S, ApiObject, make_group
from deploy.bench.groups.balances import balances_as_of, explain, running_balances
from deploy.bench.groups.bills import expense_body
from deploy.bench.groups.inprocess import in_process
from deploy.bench.groups.load import LoadRun, load_expenses, load_figures, settle_pending
from deploy.bench.groups.options import GroupsBenchOptions
from deploy.bench.groups.results import AsOf, GroupsResult, HttpFigures
from deploy.bench.http import call, session
from deploy.bench.memory import ProcessSampler
from deploy.bench.progress import progress
from deploy.bench.stackrun import BenchStack, sampled_stack
from deploy.bench.users import BenchUser, sign_up_many

ACTORS = ["accounts", "splits"]
"""What the group routes need: sign-up and sign-in (accounts), groups and balances (splits).
Every bill is in the group's own currency, so no rate is ever looked up."""

AS_OF_FRACTIONS = (0.1, 0.5)
"""Past balances are also asked for at the moments these shares of the expenses had been
answered: how the fold's time grows with the number of events."""


async def over_http(
    settings: Settings, o: GroupsBenchOptions, say: Callable[[str], None], log: TextIO
) -> HttpFigures:
    """Every end-to-end figure, on a stack of its own that is stopped whatever happens."""
    own = sampled_stack(settings, "groups", o.stack_log_level, ACTORS, log, say)
    async with own as (stack, sampler):
        return await end_to_end(stack, o, say, sampler)


async def _as_of(
    base: str,
    owner: BenchUser,
    path: str,
    run: LoadRun,
    o: GroupsBenchOptions,
    current: ApiObject,
    say: Callable[[str], None],
) -> tuple[list[AsOf], AsOf]:
    """The balances as of moments during the load, and as of now. Last: a fold that outlives
    the edge's wait keeps the splits actor busy after the 503."""
    answered = sorted(s.answered_at for s in run.sent if s.sample.status == 201)
    earlier: list[AsOf] = []
    async with session(base, owner.token, REQUEST_TIMEOUT_S) as http:
        for fraction in AS_OF_FRACTIONS:
            if len(answered) < 10:
                break
            moment = datetime.fromtimestamp(answered[int(fraction * len(answered)) - 1], UTC)
            say(f"balances as of {fraction:.0%} of the load, {o.as_of_reads} times")
            earlier.append(
                await balances_as_of(http, path, moment, o.as_of_reads, fraction=fraction)
            )
        say(f"balances as of now, folded from the event log, {o.as_of_reads} times")
        now = await balances_as_of(http, path, datetime.now(UTC), o.as_of_reads, current)
    return earlier, now


async def end_to_end(
    stack: BenchStack, o: GroupsBenchOptions, say: Callable[[str], None], sampler: ProcessSampler
) -> HttpFigures:
    """Sign up, make the group, add the expenses, then read the balances."""
    base = stack.base_url
    say(f"signing up {o.members} members")
    t0 = time.perf_counter()
    users = await sign_up_many(base, o.members)
    sign_up_s = time.perf_counter() - t0
    say(f"making a group of {o.members}")
    t0 = time.perf_counter()
    group_id = await make_group(base, users)
    group_s = time.perf_counter() - t0

    rng = Random(o.seed + 1)
    made = [expense_body(rng, [u.id for u in users], i) for i in range(o.expenses)]
    bodies = [json.dumps(body).encode() for body, _ in made]
    sampler.under_load = True
    say(f"adding {o.expenses:,} group expenses with {o.clients} concurrent clients")
    run = await load_expenses(base, group_id, users, bodies, o.clients)
    pending = sum(1 for s in run.sent if s.sample.status == 202)
    if pending:
        say(f"waiting for {pending} pending (202) expenses to be applied")
    final = await settle_pending(base, users, run)
    load = load_figures(run, final, time.perf_counter())
    sampler.under_load = False
    sampler.sample()
    accepted = {s.bill for s in run.sent if s.sample.status == 201}
    accepted |= {bill for bill, status in final.items() if status == "accepted"}

    owner, member = users[0], users[-1]
    path = f"/v1/groups/{group_id}/balances"
    async with session(base, owner.token, REQUEST_TIMEOUT_S) as http:
        status, stats = await call(http, "GET", f"/v1/groups/{group_id}/stats")
        in_group = int(stats["expenses"]) if status == 200 and isinstance(stats, dict) else -1
        say(f"reading the group's balances {o.balance_reads} times")
        bills = [made[i][1] for i in sorted(accepted)]
        balances, current = await running_balances(http, path, o.balance_reads, bills)
    say("explaining one member's balance")
    async with session(base, member.token, REQUEST_TIMEOUT_S) as http:
        explained = await explain(http, path, member.id)
    earlier, now = await _as_of(base, owner, path, run, o, current, say)
    return HttpFigures(
        members=o.members,
        clients=o.clients,
        group_id=group_id,
        sign_up_s=round(sign_up_s, 3),
        group_setup_s=round(group_s, 3),
        load=load,
        expenses_requested=o.expenses,
        expenses_created=load.expenses_created,
        expenses_in_group=in_group,
        balances=balances,
        balances_as_of=now,
        balances_as_of_earlier=earlier,
        explain=explained,
        memory_peak_mb=sampler.peak_mb(),
        memory_peak_under_load_mb=sampler.peak_mb(under_load=True),
    )


async def run_groups(settings: Settings, o: GroupsBenchOptions, out: TextIO) -> GroupsResult:
    """Every figure of one run."""
    began = time.monotonic()
    say = progress(out)
    header = Header.now("groups", o)
    figures = await asyncio.to_thread(in_process, o, say)
    if not o.http:
        return GroupsResult(
            header=header, in_process=figures, elapsed_s=round(time.monotonic() - began, 1)
        )
    log_path = log_path_of("groups", o.log_path)
    with log_path.open("w", buffering=1) as log:
        http = await over_http(settings, o, say, log)
    return GroupsResult(
        header=header,
        in_process=figures,
        http=http,
        zero_sum=http.balances.zero_sum,
        log_file=str(log_path),
        elapsed_s=round(time.monotonic() - began, 1),
    )
