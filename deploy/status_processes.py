"""The processes a local ``ledgerbus up`` supervises, for ``ledgerbus status``: from its state
file (:mod:`deploy.control_state`), with each live one's memory and CPU from the system.

CPU% is measured between two looks at a process (its own time, not its children's; 100 is one
core): a one-shot ``status`` looks twice ``FIRST_SAMPLE_S`` apart, ``--watch`` between refreshes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import psutil  # type: ignore[import-untyped]

from deploy.control_state import UpState

FIRST_SAMPLE_S = 0.3


@dataclass(frozen=True)
class ProcessRow:
    """One supervised child: ``pid`` None while it is down (between a crash and its restart)."""

    name: str
    pid: int | None
    rss_bytes: int | None
    cpu_percent: float | None
    restarts: int
    uptime_s: float | None
    last_exit_code: int | None


@dataclass(frozen=True)
class UpView:
    """The supervisor and its children."""

    pid: int
    uptime_s: float
    processes: list[ProcessRow]


class ProcessSampler:
    """Keeps the processes it has looked at, so CPU% covers the time since the last look."""

    def __init__(self) -> None:
        self._seen: dict[int, psutil.Process] = {}
        self._since = time.monotonic()

    def prime(self, state: UpState | None) -> None:
        """Look at every live child once (a first CPU% has nothing to compare with)."""
        if state is not None:
            for child in state.children:
                if child.pid is not None:
                    self._process(child.pid)
        self._since = time.monotonic()

    def wait_s(self) -> float:
        """How long to wait before :meth:`view` measures CPU% over at least ``FIRST_SAMPLE_S``."""
        return max(FIRST_SAMPLE_S - (time.monotonic() - self._since), 0.0)

    def view(self, state: UpState) -> UpView:
        now = time.time()
        rows = [
            self._row(child.name, child.pid, child.restarts, child.last_exit_code, now)
            for child in state.children
        ]
        live = {row.pid for row in rows if row.pid is not None}
        self._seen = {pid: p for pid, p in self._seen.items() if pid in live}
        return UpView(pid=state.pid, uptime_s=now - state.started_at, processes=rows)

    def _row(
        self, name: str, pid: int | None, restarts: int, exit_code: int | None, now: float
    ) -> ProcessRow:
        process = self._process(pid) if pid is not None else None
        try:
            if process is None:
                raise psutil.NoSuchProcess(pid or 0)
            with process.oneshot():
                rss = int(process.memory_info().rss)
                cpu = float(process.cpu_percent(None))
                uptime = now - float(process.create_time())
        except psutil.Error:
            return ProcessRow(name, pid, None, None, restarts, None, exit_code)
        return ProcessRow(name, pid, rss, cpu, restarts, uptime, exit_code)

    def _process(self, pid: int) -> psutil.Process | None:
        if pid not in self._seen:
            try:
                process = psutil.Process(pid)
                process.cpu_percent(None)
            except psutil.Error:
                return None
            self._seen[pid] = process
        return self._seen[pid]
