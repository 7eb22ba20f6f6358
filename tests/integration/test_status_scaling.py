"""The supervisor's scaling and state file with plain child processes: added processes start like
the first, a crashed one comes back, removed ones are drained (SIGTERM) and forgotten; and the
control socket's refusals."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import stat
import sys
import textwrap
from functools import partial
from pathlib import Path

import psutil  # type: ignore[import-untyped]
import pytest

from deploy.control import ControlError, NoSupervisorError, control_channel, request, scale
from deploy.control_state import ProcessLedger, read_state, socket_path, state_path
from deploy.supervisor import ChildSpec, RestartPolicy, ScaleError, Supervisor
from tests.support.helpers import eventually

FAST_RESTARTS = RestartPolicy(initial_backoff_s=0.05, max_backoff_s=0.2, max_crashes=50)
WORKER = textwrap.dedent(
    """
    import os, signal, sys, time
    def drain(*_):
        print("drained", os.environ["ROLE"], os.getpid(), flush=True)
        sys.exit(0)
    signal.signal(signal.SIGTERM, drain)
    print("up", os.environ["ROLE"], os.getpid(), flush=True)
    while True:
        time.sleep(1)
    """
)


def _gone(pid: int) -> bool:
    try:
        return bool(psutil.Process(pid).status() == psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return True


async def _said(out: io.StringIO, what: str, pid: int) -> bool:
    return f"{what} worker {pid}" in out.getvalue()


async def test_scale_adds_keeps_and_drains_processes_and_the_state_file_follows(
    tmp_path: Path,
) -> None:
    out = io.StringIO()
    env = {**os.environ, "ROLE": "worker"}
    supervisor = Supervisor(
        [ChildSpec("actor:x", [sys.executable, "-u", "-c", WORKER], env=env, stage="a")],
        grace_s=10,
        policy=FAST_RESTARTS,
        out=out,
        ledger=ProcessLedger(state_path(tmp_path)),
    )
    running = asyncio.create_task(supervisor.run(signals=False))
    try:
        await eventually(lambda: asyncio.sleep(0, result=supervisor.started))
        names = await supervisor.scale("actor:x", 3)
        assert names == ["actor:x", "actor:x#2", "actor:x#3"]
        pids = supervisor.pids()
        for pid in pids.values():  # each has its SIGTERM handler
            await eventually(partial(_said, out, "up", pid))
        assert sorted(pids) == names
        state = read_state(tmp_path)
        assert state is not None
        assert [(c.name, c.pid) for c in state.children] == [(n, pids[n]) for n in names]

        os.kill(pids["actor:x#2"], signal.SIGKILL)  # a crash: the count holds

        async def back() -> bool:
            again = supervisor.pids().get("actor:x#2")
            return again is not None and again != pids["actor:x#2"]

        await eventually(back)
        await eventually(lambda: _said(out, "up", supervisor.pids()["actor:x#2"]))
        state = read_state(tmp_path)
        assert state is not None
        assert {c.name: c.restarts for c in state.children}["actor:x#2"] == 1
        removed = [supervisor.pids()["actor:x#2"], pids["actor:x#3"]]

        assert await supervisor.scale("actor:x", 1) == ["actor:x"]
        assert all(_gone(pid) for pid in removed)
        for pid in removed:
            assert await _said(out, "drained", pid)
        state = read_state(tmp_path)
        assert state is not None
        assert [c.name for c in state.children] == ["actor:x"]

        with pytest.raises(ScaleError, match="no child is named actor:y"):
            await supervisor.scale("actor:y", 2)
        with pytest.raises(ScaleError, match="at least one"):
            await supervisor.scale("actor:x", 0)
    finally:
        supervisor.request_stop()
        assert await asyncio.wait_for(running, 30) == 0
    assert not state_path(tmp_path).exists()  # a clean stop removes it


async def test_the_control_socket_is_private_and_answers_refusals_in_json(tmp_path: Path) -> None:
    supervisor = Supervisor([ChildSpec("actor:expenses", ["true"])], out=io.StringIO())
    async with control_channel(
        supervisor, tmp_path, nats_url="nats://127.0.0.1:1", actors=["expenses"]
    ):
        path = socket_path(tmp_path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        with pytest.raises(ControlError, match="unknown actor 'payroll'"):
            await request(tmp_path, {"op": "scale", "actor": "payroll", "processes": 2}, 5)
        with pytest.raises(ControlError, match="at most 16 processes"):
            await request(tmp_path, {"op": "scale", "actor": "expenses", "processes": 17}, 5)
        with pytest.raises(ControlError, match="expected"):
            await request(tmp_path, {"scale": "expenses"}, 5)
        with pytest.raises(ControlError, match="not running"):  # not started yet
            await scale(tmp_path, "expenses", 2)
    assert not path.exists()
    with pytest.raises(NoSupervisorError, match="no ledgerbus up is running"):
        await scale(tmp_path, "expenses", 2)
