"""``ledgerbus status`` and ``ledgerbus scale`` on a running ``ledgerbus up`` (one start): status
finds the up's NATS and processes through its state file, a second expenses process is added,
bound and shown, then drained and gone; bad requests are refused; a clean stop leaves no file."""

from __future__ import annotations

import asyncio
import json
import signal
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]
import pytest

from deploy.control import ControlError, scale
from deploy.control_state import socket_path, state_path
from deploy.status_view import EXIT_OK
from tests.integration.test_up import _announced_ready
from tests.support.helpers import eventually
from tests.support.processes import REPO, clean_environment, start_up, up_ports

pytestmark = pytest.mark.integration


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "deploy.cli", *args],
        cwd=REPO,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=240,
    )


async def _status(data: Path) -> tuple[int, dict[str, Any]]:
    done = await asyncio.to_thread(_cli, "status", "--json", "--data-dir", str(data))
    return done.returncode, json.loads(done.stdout)


def _processes(found: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in found["up"]["processes"]}


def _in_state_file(data: Path) -> list[str]:
    return [c["name"] for c in json.loads(state_path(data).read_text())["children"]]


@pytest.mark.timeout(600)
async def test_status_and_scale_on_a_running_up(tmp_path: Path) -> None:
    data, log = tmp_path / "data", tmp_path / "up.log"
    up = start_up(data, up_ports(), log)
    try:
        await eventually(lambda: _announced_ready(up, log), timeout_s=180, every_s=0.2)
        assert stat.S_IMODE(state_path(data).stat().st_mode) == 0o600
        assert stat.S_IMODE(socket_path(data).stat().st_mode) == 0o600

        code, found = await _status(data)  # no --nats-url: the up's, from its state file
        assert code == EXIT_OK, found
        assert found["up"]["pid"] == up.pid
        assert {"nats", "mongo", "edge", "actor:expenses"} <= set(_processes(found))
        assert {d["actor"] for d in found["durables"]} >= {"expenses", "budgets", "fraud"}
        first = _processes(found)["actor:expenses"]
        assert first["rss_bytes"] > 0
        assert first["restarts"] == 0

        added = await asyncio.to_thread(_cli, "scale", "expenses", "2", "--data-dir", str(data))
        assert added.returncode == 0, added.stderr
        assert "actor:expenses#2" in added.stdout
        code, found = await _status(data)
        second = _processes(found)["actor:expenses#2"]
        assert psutil.pid_exists(second["pid"])
        assert second["rss_bytes"] > 0
        assert "actor:expenses#2" in _in_state_file(data)
        assert code == EXIT_OK, found

        refused = await asyncio.to_thread(_cli, "scale", "payroll", "2", "--data-dir", str(data))
        assert refused.returncode == 2
        assert "unknown actor 'payroll'" in refused.stderr
        refused = await asyncio.to_thread(_cli, "scale", "expenses", "0", "--data-dir", str(data))
        assert refused.returncode == 2
        assert "at least 1 process" in refused.stderr
        with pytest.raises(ControlError, match="unknown actor 'payroll'"):  # the up refuses too
            await scale(data, "payroll", 2, known={"payroll"})

        assert await scale(data, "expenses", 1) == ["actor:expenses"]
        assert not psutil.pid_exists(second["pid"]) or _zombie(second["pid"])
        assert "actor:expenses#2" not in _in_state_file(data)
        _, found = await _status(data)
        assert "actor:expenses#2" not in _processes(found)
        drained = [line for line in log.read_text().splitlines() if "actor:expenses#2" in line]
        assert any("actor_stopped" in line for line in drained), drained[-10:]

        up.send_signal(signal.SIGINT)
        assert await asyncio.to_thread(up.wait, 60) == 0
        assert not state_path(data).exists()
        assert not socket_path(data).exists()
    finally:
        if up.poll() is None:
            up.kill()


def _zombie(pid: int) -> bool:
    try:
        return bool(psutil.Process(pid).status() == psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return True
