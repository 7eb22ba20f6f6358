"""``ledgerbus bench expenses`` from start to end: stack, users, phases, baselines, figures.

Order: start the stack; sign up ``clients`` + 1 users; the bus phases in one load-generator
process (closed loop with Socket.IO devices, fixed rate, hot scope); the raw-database baseline
in its own process; the naive REST server and the same load generator against it. Memory and
CPU of every process are sampled throughout. Everything is stopped at the end, whatever happens.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

import structlog

from bus.settings import Settings
from deploy.bench.expenses.durability import closed_plan, compare, other_durability
from deploy.bench.expenses.options import BenchOptions, log_file
from deploy.bench.expenses.plans import LoadPlan, RawPlan, bus_plan, naive_plan, write_plan
from deploy.bench.expenses.results import (
    CpuWindows,
    ExpensesResult,
    LoadResult,
    Ratios,
    RunWindow,
)
from deploy.bench.figures import Header
from deploy.bench.memory import ProcessSampler
from deploy.bench.stackrun import BenchStack
from deploy.bench.stats import ratio
from deploy.bench.users import sign_up_many

LOADGEN = "loadgen"
RAWDB = "raw-db"


class Run:
    """One benchmark run; :meth:`execute` returns every figure."""

    def __init__(self, settings: Settings, options: BenchOptions, out: TextIO) -> None:
        self.settings = settings
        self.options = options
        self.out = out
        self.log_path = log_file(options)
        self.data_dir = Path(tempfile.mkdtemp(prefix="ledgerbus-bench-"))
        self.sampler = ProcessSampler()
        self.header = Header.now("expenses", options)

    def say(self, message: str) -> None:
        print(f"  ... {message}", file=self.out, flush=True)

    async def _helper(
        self, stack: BenchStack, module: str, name: str, plan: LoadPlan | RawPlan
    ) -> dict[str, Any]:
        """Run helper ``module`` on ``plan`` in its own process; the figures it wrote."""
        plan_path = self.data_dir / f"{name}-plan.json"
        result_path = self.data_dir / f"{name}-result.json"
        write_plan(plan_path, plan)
        await stack.run_helper(
            module, str(plan_path), str(result_path),
            on_start=lambda pid: self.sampler.track(name, pid),
        )  # fmt: skip
        result: dict[str, Any] = json.loads(result_path.read_text())
        return result

    async def execute(self) -> ExpensesResult:
        began = time.monotonic()
        with self.log_path.open("a", buffering=1) as log:
            structlog.configure(logger_factory=structlog.PrintLoggerFactory(log))
            stack = BenchStack(self.settings, self.options, self.data_dir, log)
            self.sampler.add_source(stack.pids)
            try:
                bus, raw, naive = await self._phases(stack)
            finally:
                await self.sampler.stop()
                await stack.stop()
            try:
                other = (
                    await self._other_durability(log) if self.options.durability_compare else None
                )
            finally:
                structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stdout))
                if not self.options.keep_data:
                    shutil.rmtree(self.data_dir, ignore_errors=True)
        result = self._assemble(bus, raw, naive, round(time.monotonic() - began, 1))
        if other is None:
            return result
        return replace(result, durability_compare=compare(result.durability, bus, other))

    async def _other_durability(self, log: TextIO) -> LoadResult:
        """The closed loop alone on a fresh stack of the other durability, after the first
        stack has stopped (so the two never share the machine)."""
        o, durability = self.options, other_durability(self.settings.durability)
        settings = self.settings.model_copy(update={"durability": durability})
        stack = BenchStack(settings, o, self.data_dir / durability, log)
        try:
            self.say(f"durability {durability}: starting a fresh stack")
            await stack.start()
            users = await sign_up_many(stack.base_url, o.clients)
            self.say(f"durability {durability}: closed loop (~{o.warmup_s + o.duration_s:.0f} s)")
            plan = closed_plan(stack.base_url, users, o)
            return LoadResult.from_json(
                await self._helper(stack, "deploy.bench.loadgen", LOADGEN, plan)
            )
        finally:
            await stack.stop()

    async def _phases(self, stack: BenchStack) -> tuple[LoadResult, RunWindow, LoadResult]:
        o = self.options
        self.say(f"starting the stack (log: {self.log_path})")
        await stack.start()
        self.sampler.start()
        self.say(f"signing up {o.clients + 1} users")
        users = await sign_up_many(stack.base_url, o.clients + 1)
        load_users, hot_user = users[:-1], users[-1]
        self.sampler.under_load = True  # sign-up hashes passwords (argon2id: 64 MiB each)
        bus_secs = o.warmup_s + o.duration_s + 2 * o.phase_warmup_s
        bus_secs += o.rate_duration_s + o.hot_duration_s
        self.say(f"bus: closed loop, fixed rate, hot scope (~{bus_secs:.0f} s)")
        plan = bus_plan(stack.base_url, load_users, hot_user, o)
        bus = await self._helper(stack, "deploy.bench.loadgen", LOADGEN, plan)
        self.say("baseline: raw database")
        raw_plan = RawPlan([u.id for u in load_users], o.baseline_warmup_s, o.baseline_duration_s)
        raw = await self._helper(stack, "deploy.bench.rawdb", RAWDB, raw_plan)
        self.say("baseline: naive synchronous REST")
        naive_base = await stack.start_naive()
        naive_run = await self._helper(
            stack, "deploy.bench.loadgen", LOADGEN, naive_plan(naive_base, load_users, o)
        )
        self.sampler.sample()
        await stack.stop_naive()
        return LoadResult.from_json(bus), RunWindow.from_json(raw), LoadResult.from_json(naive_run)

    def _cpu(self, phase: RunWindow) -> dict[str, float]:
        start, end = phase.window_epoch
        return self.sampler.cpu_percent(start, end)

    def _assemble(
        self, bus: LoadResult, raw: RunWindow, naive_run: LoadResult, elapsed_s: float
    ) -> ExpensesResult:
        phases = bus.phases
        naive = naive_run.phases["closed"]
        closed = phases["closed"].commands_per_s
        return ExpensesResult(
            header=self.header,
            bus=phases,
            devices=bus.devices,
            raw_db=raw,
            naive_rest=naive,
            ratios=Ratios(
                bus_over_naive_rest=ratio(closed, naive.commands_per_s),
                bus_over_raw_db=ratio(closed, raw.commands_per_s),
            ),
            memory_peak_mb=self.sampler.peak_mb(),
            memory_peak_under_load_mb=self.sampler.peak_mb(under_load=True),
            cpu_percent=CpuWindows(
                bus_closed=self._cpu(phases["closed"]),
                bus_hot=self._cpu(phases["hot"]),
                raw_db=self._cpu(raw),
                naive_rest=self._cpu(naive),
            ),
            log_file=str(self.log_path),
            elapsed_s=elapsed_s,
            durability=self.settings.durability,
        )
