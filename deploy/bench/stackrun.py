"""The benchmark's own embedded stack, in a temporary directory on free ports, and its helpers.

Built from the pieces of ``ledgerbus up`` (:mod:`deploy.stack`, :mod:`deploy.supervisor`,
:mod:`deploy.embedded`): NATS, SecantusDB, the edge with Socket.IO, the accounts actor and N
expenses actors. Every child's output goes to one log file. Helper processes of the benchmark
(load generator, baselines) are started here too, so that stopping is in one place.
:func:`sampled_stack` is a whole run's stack: started, sampled, and gone afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import TextIO

import structlog

from bus.settings import Settings
from deploy.bench.expenses.options import BenchOptions
from deploy.bench.memory import ProcessSampler
from deploy.embedded import DEFAULT_HOST, ensure_jwt_secret, find_free_port, http_ok
from deploy.layout import StackLayout, make_layout, with_metrics_ports
from deploy.stack import STOP_MARGIN_S, child_environment, child_specs
from deploy.supervisor import ChildSpec, Supervisor, die_with_parent

NAIVE = "naive-rest"


class HelperFailedError(RuntimeError):
    """A helper process of the benchmark exited with an error; see the log file."""


def bench_environment(
    base: Mapping[str, str], layout: StackLayout, secret: str, options: BenchOptions
) -> dict[str, str]:
    """The stack's environment, plus what a benchmark needs: many sign-ins from one address."""
    env = child_environment(base, layout, secret)
    env.update(
        LEDGERBUS_LOG_LEVEL=options.stack_log_level,
        LEDGERBUS_LOGIN_MAX_PER_ADDRESS="1000000",
        LEDGERBUS_REGISTER_MAX_PER_ADDRESS="1000000",
        LEDGERBUS_WRITES_PER_USER_S="100000",  # the hot-scope phase is one user writing flat out
        LEDGERBUS_ACCESS_TOKEN_TTL_S="7200",
    )
    return env


def stack_specs(layout: StackLayout, env: Mapping[str, str], expenses: int) -> list[ChildSpec]:
    """Servers, edge, accounts and ``expenses`` expenses actors (numbered when several)."""
    specs = child_specs(layout, ["accounts", *["expenses"] * expenses], env)
    if expenses > 1:
        numbered = iter(range(1, expenses + 1))
        specs = [
            dataclasses.replace(s, name=f"{s.name}#{next(numbered)}")
            if s.name == "actor:expenses"
            else s
            for s in specs
        ]
    return specs


class BenchStack:
    """Start, use and stop the stack; see the module docstring."""

    def __init__(
        self,
        settings: Settings,
        options: BenchOptions,
        data_dir: Path,
        log: TextIO,
        actors: list[str] | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.layout = make_layout(
            settings,
            http_port=find_free_port(),
            nats_port=find_free_port(),
            nats_monitor_port=find_free_port(),
            mongo_port=find_free_port(),
            data_dir=data_dir,
        )
        if actors is not None:  # each process's /metrics, read by benchmarks that want them
            self.layout = with_metrics_ports(self.layout, actors, DEFAULT_HOST)
        self.log = log
        self._grace_s = settings.drain_timeout_s + STOP_MARGIN_S
        self.env = bench_environment(
            os.environ, self.layout, ensure_jwt_secret(self.layout.data_dir), options
        )
        self.env.update(env or {})  # before the children's specs copy it
        specs = (
            child_specs(self.layout, actors, self.env)
            if actors is not None
            else stack_specs(self.layout, self.env, options.expenses_actors)
        )
        self._main = Supervisor(
            specs,
            grace_s=self._grace_s,
            out=log,
        )
        self._naive: Supervisor | None = None
        self.naive_base = ""

    @property
    def base_url(self) -> str:
        return self.layout.http_base

    def pids(self) -> dict[str, int]:
        """Running children by name (the naive baseline too, while it runs)."""
        pids = self._main.pids()
        if self._naive is not None:
            pids.update(self._naive.pids())
        return pids

    async def start(self) -> None:
        """Start everything in order; raises ChildFailedError (with output) if a part fails."""
        self.layout.nats.prepare()
        self.layout.mongo.storage_dir.mkdir(parents=True, exist_ok=True)
        await self._main.start()
        ready = f"{self.base_url}/readyz"
        for _ in range(300):
            if await asyncio.to_thread(http_ok, ready):
                return
            await asyncio.sleep(0.1)
        raise RuntimeError(f"the edge never answered {ready} with 200")

    async def start_naive(self) -> str:
        """Start the naive REST baseline on a free port; its base URL."""
        port = find_free_port()
        env = {**self.env, "LEDGERBUS_HTTP_PORT": str(port)}
        self.naive_base = f"http://{self.layout.http_host}:{port}"
        health = f"{self.naive_base}/healthz"

        async def ready() -> bool:
            return await asyncio.to_thread(http_ok, health)

        spec = ChildSpec(NAIVE, [sys.executable, "-m", "deploy.bench.naive"], env, ready)
        self._naive = Supervisor([spec], grace_s=self._grace_s, out=self.log)
        await self._naive.start()
        return self.naive_base

    async def start_actor(self, name: str, actor: str) -> Supervisor:
        """One more process of ``actor`` (named ``name`` in the figures) on the stack's servers,
        sharing the running one's consumers; the caller stops the supervisor it returns."""
        cmd = [sys.executable, "-m", "deploy.cli", "actor", actor]
        more = Supervisor([ChildSpec(name, cmd, self.env)], grace_s=self._grace_s, out=self.log)
        await more.start()
        return more

    async def stop_naive(self) -> None:
        if self._naive is not None:
            await self._naive.stop()
            self._naive = None

    async def stop(self) -> None:
        """Stop the baseline server (if any), then the stack in reverse order."""
        await self.stop_naive()
        await self._main.stop()

    async def run_helper(
        self, module: str, *args: str, on_start: Callable[[int], None] | None = None
    ) -> None:
        """Run ``python -m module args`` to completion, its output in the log; killed if cancelled."""
        self.log.flush()
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            module,
            *args,
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=self.log.fileno(),
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )
        if on_start is not None:
            on_start(process.pid)
        try:
            code = await process.wait()
        finally:
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
        if code != 0:
            raise HelperFailedError(f"{module} exited with code {code}")


@contextlib.asynccontextmanager
async def sampled_stack(
    settings: Settings,
    name: str,
    stack_log_level: str,
    actors: list[str],
    log: TextIO,
    say: Callable[[str], None],
    env: Mapping[str, str] | None = None,
) -> AsyncIterator[tuple[BenchStack, ProcessSampler]]:
    """A started stack of ``actors`` (``env`` added to its environment) in a temporary directory
    named for benchmark ``name``, and a started sampler of its processes; this process logs to
    ``log`` meanwhile. Afterwards, whatever happens, both are stopped and the directory removed.
    """
    data_dir = Path(tempfile.mkdtemp(prefix=f"ledgerbus-bench-{name}-"))
    stack = BenchStack(
        settings,
        BenchOptions(stack_log_level=stack_log_level),
        data_dir,
        log,
        actors=actors,
        env=env,
    )
    sampler = ProcessSampler()
    sampler.add_source(stack.pids)
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(log))
    try:
        say(f"starting an embedded stack (NATS, SecantusDB, edge, {', '.join(actors)})")
        await stack.start()
        sampler.start()
        yield stack, sampler
    finally:
        await sampler.stop()
        await stack.stop()
        structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stdout))
        shutil.rmtree(data_dir, ignore_errors=True)


WRITE_LIMITS = {
    "LEDGERBUS_WRITES_PER_USER_S": "1000000",
    "LEDGERBUS_WRITES_BURST": "1000000",
}
"""Each user's write allowance for a run: high enough that the limiter never answers 429 and the
figures are of the bus, not of the limiter."""
