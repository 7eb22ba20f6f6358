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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import structlog

from bus.settings import Settings
from deploy.bench.memory import ProcessSampler
from deploy.bench.options import BenchOptions
from deploy.bench.report import database_info, machine_info, plain_options
from deploy.bench.stackrun import BenchStack
from deploy.bench.stats import ratio
from deploy.bench.users import BenchUser, sign_up_many

LOADGEN = "loadgen"
RAWDB = "raw-db"


def default_log_path() -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return Path(tempfile.gettempdir()) / f"ledgerbus-bench-{stamp}.log"


def bus_plan(
    base_url: str, users: list[BenchUser], hot: BenchUser, o: BenchOptions
) -> dict[str, Any]:
    """The three bus phases, for the load generator."""
    tokens = [u.token for u in users]
    return {
        "base_url": base_url,
        "device_tokens": tokens[: o.sampled_socket_users],
        "phases": [
            {"name": "closed", "mode": "closed", "tokens": tokens,
             "warmup_s": o.warmup_s, "duration_s": o.duration_s},
            {"name": "rate", "mode": "rate", "tokens": tokens, "rate": o.rate,
             "warmup_s": o.phase_warmup_s, "duration_s": o.rate_duration_s},
            {"name": "hot", "mode": "closed", "tokens": [hot.token] * o.hot_clients,
             "warmup_s": o.phase_warmup_s, "duration_s": o.hot_duration_s},
        ],
    }  # fmt: skip


def naive_plan(base_url: str, users: list[BenchUser], o: BenchOptions) -> dict[str, Any]:
    return {
        "base_url": base_url,
        "phases": [
            {"name": "closed", "mode": "closed", "tokens": [u.token for u in users],
             "warmup_s": o.baseline_warmup_s, "duration_s": o.baseline_duration_s},
        ],
    }  # fmt: skip


class Run:
    """One benchmark run; :meth:`execute` returns every figure."""

    def __init__(self, settings: Settings, options: BenchOptions, out: TextIO) -> None:
        self.settings = settings
        self.options = options
        self.out = out
        self.log_path = options.log_path or default_log_path()
        self.data_dir = Path(tempfile.mkdtemp(prefix="ledgerbus-bench-"))
        self.sampler = ProcessSampler()
        self.started_at = datetime.now(UTC).isoformat(timespec="seconds")

    def say(self, message: str) -> None:
        print(f"  ... {message}", file=self.out, flush=True)

    async def _helper(self, stack: BenchStack, module: str, name: str, plan: dict[str, Any]) -> Any:
        plan_path = self.data_dir / f"{name}-plan.json"
        result_path = self.data_dir / f"{name}-result.json"
        plan_path.write_text(json.dumps(plan))
        await stack.run_helper(
            module, str(plan_path), str(result_path),
            on_start=lambda pid: self.sampler.track(name, pid),
        )  # fmt: skip
        return json.loads(result_path.read_text())

    async def execute(self) -> dict[str, Any]:
        began = time.monotonic()
        with self.log_path.open("a", buffering=1) as log:
            structlog.configure(logger_factory=structlog.PrintLoggerFactory(log))
            stack = BenchStack(self.settings, self.options, self.data_dir, log)
            self.sampler.add_source(stack.pids)
            try:
                figures = await self._phases(stack)
            finally:
                await self.sampler.stop()
                await stack.stop()
                structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stdout))
                if not self.options.keep_data:
                    shutil.rmtree(self.data_dir, ignore_errors=True)
        figures["elapsed_s"] = round(time.monotonic() - began, 1)
        return figures

    async def _phases(self, stack: BenchStack) -> dict[str, Any]:
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
        raw_plan = {
            "owners": [u.id for u in load_users],
            "warmup_s": o.baseline_warmup_s,
            "duration_s": o.baseline_duration_s,
        }
        raw = await self._helper(stack, "deploy.bench.rawdb", RAWDB, raw_plan)
        self.say("baseline: naive synchronous REST")
        naive_base = await stack.start_naive()
        naive_run = await self._helper(
            stack, "deploy.bench.loadgen", LOADGEN, naive_plan(naive_base, load_users, o)
        )
        self.sampler.sample()
        await stack.stop_naive()
        return self._assemble(bus, raw, naive_run["phases"]["closed"])

    def _cpu(self, phase: dict[str, Any]) -> dict[str, float]:
        start, end = phase["window_epoch"]
        return self.sampler.cpu_percent(start, end)

    def _assemble(
        self, bus: dict[str, Any], raw: dict[str, Any], naive: dict[str, Any]
    ) -> dict[str, Any]:
        phases = bus["phases"]
        closed = phases["closed"]["commands_per_s"]
        return {
            "benchmark": "expenses",
            "started_at": self.started_at,
            "machine": machine_info(),
            "database": database_info(),
            "options": plain_options(self.options),
            "bus": phases,
            "devices": bus["devices"],
            "raw_db": raw,
            "naive_rest": naive,
            "ratios": {
                "bus_over_naive_rest": ratio(closed, naive["commands_per_s"]),
                "bus_over_raw_db": ratio(closed, raw["commands_per_s"]),
            },
            "memory_peak_mb": self.sampler.peak_mb(),
            "memory_peak_under_load_mb": self.sampler.peak_mb(under_load=True),
            "cpu_percent": {
                "bus_closed": self._cpu(phases["closed"]),
                "bus_hot": self._cpu(phases["hot"]),
                "raw_db": self._cpu(raw),
                "naive_rest": self._cpu(naive),
            },
            "log_file": str(self.log_path),
        }
