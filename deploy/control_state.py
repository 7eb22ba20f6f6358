"""What a running ``ledgerbus up`` tells the operator's tools: its state file under the data dir.

The supervisor keeps one record per child (name, pid, when it started, how often it restarted)
and rewrites ``<data_dir>/run/supervisor.json`` (mode 0600, atomically) on every start, exit,
restart and change of scale; a clean stop removes it. ``ledgerbus status`` reads it, and trusts
it only while the supervisor that wrote it is alive (a killed ``up`` leaves a stale file).
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]

from bus.private_files import write_private

RUN_DIR = "run"
STATE_FILE = "supervisor.json"
SOCKET_FILE = "control.sock"
_START_TIME_SLACK_S = 2.0
"""How far a live pid's start time may be from the recorded one and still be the same process."""


def run_dir(data_dir: Path) -> Path:
    """Where a running ``up`` keeps its state file and control socket."""
    return Path(data_dir).resolve() / RUN_DIR


def state_path(data_dir: Path) -> Path:
    return run_dir(data_dir) / STATE_FILE


def socket_path(data_dir: Path) -> Path:
    return run_dir(data_dir) / SOCKET_FILE


def private_run_dir(data_dir: Path) -> Path:
    """The run directory, created readable by its owner alone."""
    path = run_dir(data_dir)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)
    return path


@dataclass
class ProcessRecord:
    """One supervised child as the state file says it: ``pid`` is None while it is down."""

    name: str
    pid: int | None
    started_at: float | None
    restarts: int = 0
    last_exit_code: int | None = None


@dataclass
class UpState:
    """The whole state file: the supervisor itself, what it was told, and its children."""

    pid: int
    started_at: float
    updated_at: float
    meta: dict[str, str] = field(default_factory=dict)
    children: list[ProcessRecord] = field(default_factory=list)


class ProcessLedger:
    """The supervisor's record of its children, written to ``path`` on every change.

    ``meta`` is carried as it is (``up`` gives its NATS URL, so ``status`` finds the server).
    Without a ``path`` it only keeps the records.
    """

    def __init__(
        self,
        path: Path | None,
        meta: dict[str, str] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._path = path
        self._clock = clock
        self._records: dict[str, ProcessRecord] = {}
        self._state = UpState(
            pid=os.getpid(),
            started_at=psutil.Process().create_time(),
            updated_at=clock(),
            meta=dict(meta or {}),
        )

    def started(self, name: str, pid: int) -> None:
        """A process of ``name`` started: its first, or a restart after an exit."""
        record = self._records.get(name)
        if record is None:
            self._records[name] = ProcessRecord(name, pid, self._clock())
        else:
            record.restarts += 1
            record.pid, record.started_at = pid, self._clock()
        self._write()

    def exited(self, name: str, code: int | None) -> None:
        record = self._records.get(name)
        if record is not None:
            record.pid, record.last_exit_code = None, code
            self._write()

    def removed(self, name: str) -> None:
        """``name`` is no longer supervised (scaled down)."""
        if self._records.pop(name, None) is not None:
            self._write()

    def order(self, names: list[str]) -> None:
        """Keep the records in the supervisor's order of its children."""
        self._records = {n: self._records[n] for n in names if n in self._records}
        self._write()

    def close(self) -> None:
        """A clean stop: the state file goes."""
        if self._path is not None:
            with contextlib.suppress(FileNotFoundError):
                self._path.unlink()

    def _write(self) -> None:
        if self._path is None:
            return
        self._state.updated_at = self._clock()
        self._state.children = list(self._records.values())
        with contextlib.suppress(OSError):  # a full disk must not stop the supervisor
            write_private_json(self._path, asdict(self._state))


def write_private_json(path: Path, document: dict[str, Any]) -> None:
    """Replace ``path`` with ``document`` at once, mode 0600, in a folder only its owner enters."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_private(path, json.dumps(document))


def read_state(data_dir: Path) -> UpState | None:
    """The state of the ``up`` running on ``data_dir``; None if none is (no file, an unreadable
    one, or one left by a supervisor that is gone)."""
    try:
        raw = json.loads(state_path(data_dir).read_text())
        children = [ProcessRecord(**child) for child in raw.pop("children")]
        state = UpState(**raw, children=children)
    except (OSError, ValueError, TypeError, KeyError):
        return None
    return state if _alive(state.pid, state.started_at) else None


def _alive(pid: int, started_at: float) -> bool:
    try:
        process = psutil.Process(pid)
        same = abs(float(process.create_time()) - started_at) < _START_TIME_SLACK_S
        return same and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False
