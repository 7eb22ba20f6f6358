"""Peak memory (RSS) and CPU time of every process of the run, sampled in the background.

A named process counts with everything it started (its process tree), so a server that forks
helpers is measured whole. CPU seconds are kept as a time series, so the CPU use of each process
within a phase's measured window can be read afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import resource
import time
from collections.abc import Callable

import psutil  # type: ignore[import-untyped]

MB = 1024 * 1024
MACHINE = "(whole machine)"
OTHERS = "(not this run)"
PidSource = Callable[[], dict[str, int]]


def own_peak_rss_mb() -> float:
    """Peak RSS of this process so far, in MiB."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _machine_busy_s() -> float:
    """CPU seconds the whole machine has been busy (all cores; idle, iowait, steal excluded)."""
    t = psutil.cpu_times()
    skip = ("idle", "iowait", "steal", "guest", "guest_nice")  # guest time is inside user time
    return float(sum(float(v) for k, v in t._asdict().items() if k not in skip))


def _tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def _measure(procs: list[psutil.Process]) -> tuple[int, float]:
    rss, cpu = 0, 0.0
    for proc in procs:
        with contextlib.suppress(psutil.Error), proc.oneshot():
            rss += proc.memory_info().rss
            times = proc.cpu_times()
            cpu += times.user + times.system
    return rss, cpu


class ProcessSampler:
    """Samples the processes named by each source every ``interval_s`` until stopped."""

    def __init__(self, interval_s: float = 0.5) -> None:
        self._interval_s = interval_s
        self._sources: list[PidSource] = []
        self._fixed: dict[str, int] = {}
        self.peak_rss: dict[str, int] = {}
        self.load_peak_rss: dict[str, int] = {}
        self.under_load = False
        self.cpu_series: list[tuple[float, dict[str, float]]] = []
        self._task: asyncio.Task[None] | None = None

    def add_source(self, source: PidSource) -> None:
        self._sources.append(source)

    def track(self, name: str, pid: int) -> None:
        """Sample ``pid`` under ``name`` from now on (until it exits)."""
        self._fixed[name] = pid

    def sample(self) -> None:
        """Take one sample now."""
        named = dict(self._fixed)
        for source in self._sources:
            named.update(source())
        cpu_now: dict[str, float] = {MACHINE: _machine_busy_s()}
        for name, pid in named.items():
            procs = _tree(pid)
            if not procs:
                continue
            rss, cpu = _measure(procs)
            self.peak_rss[name] = max(self.peak_rss.get(name, 0), rss)
            if self.under_load:
                self.load_peak_rss[name] = max(self.load_peak_rss.get(name, 0), rss)
            cpu_now[name] = cpu
        self.cpu_series.append((time.time(), cpu_now))

    async def _run(self) -> None:
        while True:
            await asyncio.to_thread(self.sample)
            await asyncio.sleep(self._interval_s)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="bench-sampler")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    def peak_mb(self, *, under_load: bool = False) -> dict[str, float]:
        """Peak RSS per process in MiB: of the whole run, or only while ``under_load`` was set."""
        peaks = self.load_peak_rss if under_load else self.peak_rss
        return {name: round(rss / MB, 1) for name, rss in peaks.items()}

    def cpu_percent(self, start: float, end: float) -> dict[str, float]:
        """CPU use per process between two epoch times, in % of one core.

        Also the whole machine's, and what processes outside this run used (other work on the
        machine makes every figure of the window less trustworthy).
        """
        inside = [(t, cpu) for t, cpu in self.cpu_series if start <= t <= end]
        if len(inside) < 2 or inside[-1][0] <= inside[0][0]:
            return {}
        (t0, first), (t1, last) = inside[0], inside[-1]
        used = {
            name: (last[name] - first[name]) / (t1 - t0) * 100 for name in last if name in first
        }
        if MACHINE in used:
            ours = sum(v for name, v in used.items() if name != MACHINE)
            used[OTHERS] = max(0.0, used[MACHINE] - ours)
        return {name: round(value, 1) for name, value in used.items()}


BENCH = "bench"
"""The benchmark's own process, in the CPU figures."""


def cpu_with_bench(cpu: dict[str, float], own_cpu_s: float, seconds: float) -> dict[str, float]:
    """The sampler's CPU figures with this process's own share taken out of what processes
    outside the run used."""
    if seconds <= 0 or not cpu:
        return cpu
    own = round(own_cpu_s / seconds * 100, 1)
    out = {**cpu, BENCH: own}
    if OTHERS in out:
        out[OTHERS] = round(max(0.0, out[OTHERS] - own), 1)
    return out


class CpuWindow:
    """CPU use of every process (this one's too) from now until :meth:`close`."""

    def __init__(self, sampler: ProcessSampler) -> None:
        self._sampler = sampler
        sampler.sample()
        self._began = time.time()
        self._own = time.process_time()
        self._start = time.perf_counter()
        self.seconds = 0.0

    def close(self) -> dict[str, float]:
        """CPU % of one core of every process over the window (``seconds`` long)."""
        self._sampler.sample()
        self.seconds = time.perf_counter() - self._start
        cpu = self._sampler.cpu_percent(self._began, time.time())
        return cpu_with_bench(cpu, time.process_time() - self._own, self.seconds)
