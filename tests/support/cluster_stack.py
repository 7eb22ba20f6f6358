"""``ledgerbus up --nats-cluster N`` for tests: started on free ports as a person runs it, with
what a test needs to reach its parts as their own roles, and more edge or realtime processes
beside it."""

from __future__ import annotations

import asyncio
import contextlib
import random
import signal
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from deploy.control_state import read_state
from deploy.credentials import Credentials, load_credentials
from deploy.embedded import port_is_free
from tests.support.helpers import eventually
from tests.support.processes import Proc, clean_environment, start_up

START_TIMEOUT_S = 240.0
HOST = "127.0.0.1"


def _consecutive_free(size: int, taken: set[int]) -> int:
    """The first of ``size`` consecutive ports free now and not in ``taken``."""
    while True:
        base = random.randint(20_000, 60_000 - size)
        wanted = range(base, base + size)
        if not taken.intersection(wanted) and all(port_is_free(HOST, p) for p in wanted):
            taken.update(wanted)
            return base


def cluster_up_ports(size: int) -> dict[str, int]:
    """The port flags of ``up --nats-cluster size``: each NATS flag the first of ``size``."""
    taken: set[int] = set()
    ports = {f: _consecutive_free(size, taken) for f in ("nats-port", "nats-monitor-port")}
    ports["nats-route-port"] = _consecutive_free(size, taken)
    ports.update({f: _consecutive_free(1, taken) for f in ("http-port", "mongo-port", "smtp-port")})
    return ports


@dataclass(frozen=True)
class ClusterStack:
    """A running ``up --nats-cluster``: where it listens and keeps its data."""

    data: Path
    ports: dict[str, int]
    size: int
    log: Path
    actors: tuple[str, ...] = ()  # those it runs (none named: all)

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.ports['http-port']}"

    @property
    def mongo(self) -> str:
        return f"mongodb://{HOST}:{self.ports['mongo-port']}/?directConnection=true"

    @property
    def nats_url(self) -> str:
        """Every server's URL, comma separated."""
        return ",".join(f"nats://{HOST}:{self.ports['nats-port'] + i}" for i in range(self.size))

    def monitor_url(self, name: str) -> str:
        index = int(name.rsplit("-", 1)[1]) - 1
        return f"http://{HOST}:{self.ports['nats-monitor-port'] + index}"

    @property
    def credentials(self) -> Credentials:
        credentials = load_credentials(self.data)
        assert credentials is not None, "up keeps its credentials in the data directory"
        return credentials

    def role_env(self, role: str) -> dict[str, str]:
        """The environment of a process of ``role`` beside this stack (settings of a newcomer)."""
        env = clean_environment()
        env.update(self.credentials.environment(role, self.nats_url, self.mongo))
        env["LEDGERBUS_JWT_SECRET"] = (self.data / "jwt_secret").read_text().strip()
        env["LEDGERBUS_LINK_SECRET"] = (self.data / "link_secret").read_text().strip()
        env["LEDGERBUS_STREAM_REPLICAS"] = str(self.size)
        env["LEDGERBUS_LOG_FORMAT"] = "json"
        return env

    def pid_of(self, child: str) -> int:
        """The pid of ``child`` (``nats-2``, ``edge`` ...) as the supervisor's state file says."""
        state = read_state(self.data)
        assert state is not None, "up is not running"
        pids = {c.name: c.pid for c in state.children}
        pid = pids.get(child)
        assert pid is not None, f"{child} is not running: {pids}"
        return pid

    def restarts_of(self, child: str) -> int:
        state = read_state(self.data)
        assert state is not None
        return next(c.restarts for c in state.children if c.name == child)


async def ok(url: str) -> bool:
    """Whether a GET of ``url`` answers 200."""
    try:
        async with aiohttp.ClientSession() as http, http.get(url) as resp:
            return resp.status == 200
    except aiohttp.ClientError:
        return False


@contextlib.asynccontextmanager
async def cluster_stack(
    tmp: Path,
    size: int = 3,
    settings: dict[str, str] | None = None,
    actors: tuple[str, ...] = (),
) -> AsyncIterator[ClusterStack]:
    """``ledgerbus up --nats-cluster size`` (with ``settings`` in its environment, and only
    ``actors`` if given), ready (its ``/readyz`` 200) until the block ends."""
    ports = cluster_up_ports(size)
    stack = ClusterStack(tmp / "data", ports, size, tmp / "up.log", actors)
    flags: dict[str, int | str] = {**ports, "nats-cluster": size}
    if actors:
        flags["actors"] = ",".join(actors)
    up = start_up(stack.data, flags, stack.log, settings)
    try:
        await eventually(lambda: ok(f"{stack.base}/readyz"), timeout_s=START_TIMEOUT_S, every_s=0.5)
        yield stack
    finally:
        up.send_signal(signal.SIGINT)
        try:
            await asyncio.to_thread(up.wait, 90)
        except subprocess.TimeoutExpired:
            up.kill()


def start_web(stack: ClusterStack, kind: str, node: str, port: int, log: Path) -> Proc:
    """One more ``ledgerbus edge`` or ``realtime`` process (``kind``) on ``port``, as its role."""
    env = stack.role_env("edge" if kind == "edge" else "realtime")
    env.update(
        LEDGERBUS_HTTP_HOST=HOST,
        LEDGERBUS_HTTP_PORT=str(port),
        LEDGERBUS_NODE_ID=node,
        LEDGERBUS_LOG_LEVEL="INFO",
    )
    if stack.actors:  # ready when the actors the stack runs answer, as up's own edge is
        env["LEDGERBUS_EXPECT_ACTORS"] = ",".join(stack.actors)
    return Proc([kind], env, log).start()
