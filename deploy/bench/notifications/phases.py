"""The run of ``ledgerbus bench notifications``: an embedded stack (NATS, SecantusDB, the edge,
the accounts, expenses, currency, budgets, splits and notifications actors) sending its mail to
the benchmark's own SMTP server; people with budgets and a device each; the expenses at a fixed
rate; then a group's bills."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import TextIO

import nats
from nats.aio.client import Client as NATS

from actors.app import reaction_durable
from actors.budgets import BUDGETS
from actors.notifications import NOTIFICATIONS
from bus.settings import Settings
from deploy.bench import db_load
from deploy.bench.consumers import Consumers
from deploy.bench.figures import Header
from deploy.bench.flags import log_path_of
from deploy.bench.memory import CpuWindow
from deploy.bench.notifications.arrivals import Devices, MailCatcher, serve_mail
from deploy.bench.notifications.fanout import fan_out
from deploy.bench.notifications.options import NotificationsBenchOptions
from deploy.bench.notifications.people import people
from deploy.bench.notifications.rate import at_rate, plan
from deploy.bench.notifications.results import NotificationsResult
from deploy.bench.progress import progress
from deploy.bench.stackrun import WRITE_LIMITS, sampled_stack

ACTORS = ["accounts", "expenses", "currency", "budgets", "splits", "notifications"]
DURABLES = [reaction_durable(NOTIFICATIONS.name, t) for t in NOTIFICATIONS.reactions]
BUDGETS_DURABLES = [reaction_durable(BUDGETS.name, t) for t in BUDGETS.reactions]
"""The budgets actor's: a threshold is crossed when it has applied the expense."""


async def run_notifications(
    settings: Settings, o: NotificationsBenchOptions, out: TextIO
) -> NotificationsResult:
    began = time.monotonic()
    header = Header.now("notifications", o)
    say: Callable[[str], None] = progress(out)
    log_path = log_path_of("notifications", o.log_path)
    catcher = MailCatcher()
    smtp, port = await serve_mail(catcher)
    env = {**WRITE_LIMITS, "LEDGERBUS_SMTP_HOST": "127.0.0.1", "LEDGERBUS_SMTP_PORT": str(port)}
    nc: NATS | None = None
    devices = Devices()
    try:
        with log_path.open("w", buffering=1) as log:
            own = sampled_stack(settings, "notifications", o.stack_log_level, ACTORS, log, say, env)
            async with own as (stack, sampler):
                nc = await nats.connect(stack.layout.nats.url, name="bench-notifications")
                consumers = Consumers(nc.jetstream(), DURABLES)
                upstream = Consumers(nc.jetstream(), BUDGETS_DURABLES)
                say(f"signing up {o.users} people, {o.budgets} budgets each, a device each")
                t0 = time.perf_counter()
                crowd = await people(stack.base_url, o.users, o.budgets)
                for person in crowd:
                    await devices.connect(stack.base_url, person.user.id, person.user.token)
                setup_s = time.perf_counter() - t0

                async def lag() -> tuple[int, int]:
                    ahead = (await upstream.backlog()).left
                    return ahead, (await consumers.backlog()).left

                say(f"{o.samples} expenses at {o.rate}/s, each crossing a budget threshold")
                window = CpuWindow(sampler)
                metrics = stack.layout.metrics_urls()
                before = await db_load.read(metrics)
                rate, _ = await at_rate(
                    stack.base_url, plan(crowd, o.samples), o.rate, (devices, catcher), lag
                )
                cpu = window.close()
                after = await db_load.read(metrics)
                db = db_load.per_unit(before, after, o.samples)
                await devices.close()
                say(f"{o.bills} bills for a group of {o.group}")
                group = await fan_out(stack.base_url, o.group, o.bills, catcher)
                sampler.sample()
                memory = sampler.peak_mb()
                await nc.close()  # before the stack stops, or it tries to reconnect
    finally:
        await devices.close()
        if nc is not None and not nc.is_closed:
            with contextlib.suppress(Exception):
                await nc.close()
        smtp.close()
    return NotificationsResult(
        header=header,
        users=o.users,
        budgets_each=o.budgets,
        setup_s=round(setup_s, 1),
        rate=rate,
        fan_out=group,
        memory_peak_mb=memory,
        cpu_percent=cpu,
        db_commands_per_expense=db,
        log_file=str(log_path),
        elapsed_s=round(time.monotonic() - began, 1),
    )
