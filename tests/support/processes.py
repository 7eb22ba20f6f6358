"""Running ledgerbus processes for tests: `python -m deploy.cli ...` with settings in the environment."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bus.settings import Settings

REPO = Path(__file__).resolve().parents[2]
UP_PORTS = ("http-port", "nats-port", "nats-monitor-port", "mongo-port", "smtp-port")


def clean_environment() -> dict[str, str]:
    """This process's environment without any ``LEDGERBUS_`` setting (a child takes defaults)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("LEDGERBUS_")}


def up_ports() -> dict[str, int]:
    """A free port for each server of ``ledgerbus up`` (its flag without ``--`` -> port)."""
    from deploy.embedded import find_free_port

    return {name: find_free_port() for name in UP_PORTS}


def start_up(
    data: Path,
    ports: Mapping[str, int | str],
    log: Path,
    settings: dict[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """``ledgerbus up`` on ``data`` and ``ports`` (flags without ``--``), as a newcomer runs it
    (no settings but ``settings``, e.g. ``{"LEDGERBUS_DURABILITY": "process_crash"}``), its
    output appended to ``log``."""
    args = [sys.executable, "-m", "deploy.cli", "up", "--data-dir", str(data)]
    for flag, port in ports.items():
        args += [f"--{flag}", str(port)]
    env = {**clean_environment(), **(settings or {})}
    return subprocess.Popen(
        args, cwd=REPO, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT
    )


def environment(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment that makes a child process use ``settings``."""
    env = clean_environment()
    values: dict[str, Any] = settings.model_dump(exclude={"jwt_secret", "link_secret", "node_id"})
    for key, value in values.items():
        if value is not None:  # unset stays unset (the child takes the default)
            env[f"LEDGERBUS_{key.upper()}"] = str(value)
    if settings.jwt_secret is not None:
        env["LEDGERBUS_JWT_SECRET"] = settings.jwt_secret.get_secret_value()
    if settings.link_secret is not None:
        env["LEDGERBUS_LINK_SECRET"] = settings.link_secret.get_secret_value()
    env["LEDGERBUS_LOG_FORMAT"] = "json"
    env["LEDGERBUS_LOG_LEVEL"] = "INFO"
    env["PYTHONUNBUFFERED"] = "1"
    env.update({f"LEDGERBUS_{k.upper()}": v for k, v in extra.items()})
    return env


@dataclass
class Proc:
    """A ledgerbus child process whose output goes to a log file we can read back."""

    args: list[str]
    env: dict[str, str]
    log_path: Path
    popen: subprocess.Popen[bytes] = field(init=False)

    def start(self) -> Proc:
        self._log = self.log_path.open("ab")
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "deploy.cli", *self.args],
            env=self.env,
            cwd=REPO,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        return self

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill9(self) -> None:
        if self.alive():
            self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(10)

    def terminate(self, timeout_s: float = 30.0) -> int:
        if self.alive():
            self.popen.send_signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            raise

    def lines(self) -> list[dict[str, Any]]:
        """Structured log lines written so far (non-JSON lines skipped)."""
        out = []
        for raw in self.log_path.read_text(errors="replace").splitlines():
            try:
                out.append(json.loads(raw))
            except ValueError:
                continue
        return out

    def applied(self, command_type: str) -> list[str]:
        """Command ids this process logged as applied."""
        return [
            line["command_id"]
            for line in self.lines()
            if line.get("event") == "command_applied" and line.get("type") == command_type
        ]

    def close(self) -> None:
        if self.alive():
            self.popen.kill()
            self.popen.wait(10)
        self._log.close()
