"""The supervisor and the embedded stack's wiring: argv building, output, restarts, clean stops."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import psutil
import pytest

from bus.settings import Settings
from deploy.children import Child
from deploy.embedded import MongoSpec, ensure_jwt_secret
from deploy.layout import make_layout
from deploy.nats_spec import NatsSpec
from deploy.probes import ActorPings
from deploy.stack import banner, child_environment, child_specs
from deploy.startup import await_ready
from deploy.supervisor import ChildFailedError, ChildSpec, RestartPolicy, Supervisor
from deploy.waiting import WaitingLog

WAIT_S = 30.0
FAST_RESTARTS = RestartPolicy(initial_backoff_s=0.05, max_backoff_s=0.2, max_crashes=50)


def py(code: str) -> list[str]:
    return [sys.executable, "-u", "-c", textwrap.dedent(code)]


async def eventually(check: Callable[[], bool], timeout_s: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


def gone(pids: list[int]) -> bool:
    return not any(psutil.pid_exists(p) and _not_zombie(p) for p in pids)


def _not_zombie(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


# --- pure wiring -------------------------------------------------------------------------------


def test_nats_command_enables_jetstream_on_the_given_ports(tmp_path: Path) -> None:
    spec = NatsSpec(tmp_path / "js", port=14222, monitor_port=18222, executable=Path("/x/nats"))
    expected = ["/x/nats", "-js", "-sd", str(tmp_path / "js"), "-p", "14222", "-m", "18222"]
    assert [*expected, "-a", "127.0.0.1"] == spec.command()
    assert spec.url == "nats://127.0.0.1:14222"
    assert spec.healthz_url == "http://127.0.0.1:18222/healthz?js-enabled-only=true"


def test_mongo_command_points_secantus_at_the_storage_dir(tmp_path: Path) -> None:
    spec = MongoSpec(tmp_path / "db", port=27999, executable=Path("/x/secantusd-py"))
    expected = ["/x/secantusd-py", "--host", "127.0.0.1", "--port", "27999"]
    expected += ["--storage-path", str(tmp_path / "db"), "--log-level", "WARNING"]
    assert expected == spec.command()
    assert spec.url == "mongodb://127.0.0.1:27999/?directConnection=true"


def test_stack_runs_servers_then_edge_then_each_actor_with_the_stack_environment(
    tmp_path: Path,
) -> None:
    layout = make_layout(
        Settings(),
        http_port=9080,
        nats_port=5222,
        nats_monitor_port=9222,
        mongo_port=28017,
        data_dir=tmp_path,
    )
    env = child_environment({"KEEP": "1"}, layout, "s3cret")
    pings = ActorPings(layout.nats.url)
    specs = child_specs(layout, ["accounts", "currency", "expenses", "splits"], env, pings=pings)

    names = ["nats", "mongo", "edge", "actor:accounts", "actor:currency"]
    assert [s.name for s in specs] == [*names, "actor:expenses", "actor:splits"]
    assert [s.stage for s in specs] == ["servers"] * 2 + ["edge"] * 3 + ["actors"] * 2
    assert [sys.executable, "-m", "deploy.cli", "actor", "splits"] == list(specs[6].argv)
    assert [sys.executable, "-m", "deploy.cli", "edge"] == list(specs[2].argv)
    assert str(tmp_path / "nats") in specs[0].argv
    assert str(tmp_path / "mongo") in specs[1].argv
    assert all(s.ready is not None for s in specs)  # an actor's probe is its ping
    edge_env = specs[2].env or {}
    assert edge_env["LEDGERBUS_EXPECT_ACTORS"] == "accounts,currency,expenses,splits"
    assert "LEDGERBUS_EXPECT_ACTORS" not in env
    assert env["LEDGERBUS_NATS_URL"] == "nats://127.0.0.1:5222"
    assert env["LEDGERBUS_MONGO_URI"] == "mongodb://127.0.0.1:28017/?directConnection=true"
    assert env["LEDGERBUS_JWT_SECRET"] == "s3cret"
    assert env["LEDGERBUS_HTTP_PORT"] == "9080"
    assert env["LEDGERBUS_HTTP_HOST"] == "127.0.0.1"
    assert env["LEDGERBUS_DATA_DIR"] == str(tmp_path)
    assert env["KEEP"] == "1"
    assert "http://127.0.0.1:9080/v1/openapi.json" in banner(layout)
    assert "ws://127.0.0.1:9080/socket.io" in banner(layout)


def test_without_the_currency_actor_every_actor_starts_beside_the_edge(tmp_path: Path) -> None:
    layout = make_layout(
        Settings(),
        http_port=9080,
        nats_port=5222,
        nats_monitor_port=9222,
        mongo_port=28017,
        data_dir=tmp_path,
    )
    specs = child_specs(layout, ["accounts", "expenses"], child_environment({}, layout, "s"))

    assert [s.stage for s in specs[2:]] == ["edge", "edge", "edge"]


def test_a_wait_is_said_when_it_starts_every_few_seconds_and_when_it_ends() -> None:
    now = [0.0]
    said: list[str] = []
    waiting = WaitingLog(said.append, every_s=5.0, clock=lambda: now[0])
    for t in (0.0, 0.2, 1.0, 4.9, 5.0, 7.0, 10.1):
        now[0] = t
        waiting.update({"actor:currency": "no process answers", "mongodb": ""})
    now[0] = 12.0
    waiting.update({"mongodb": ""})
    now[0] = 13.5
    waiting.update({})

    assert said == [
        "waiting for actor:currency",
        "waiting for mongodb",
        "waiting for actor:currency (5.0 s): no process answers",
        "waiting for mongodb (5.0 s)",
        "waiting for actor:currency (10.1 s): no process answers",
        "waiting for mongodb (10.1 s)",
        "actor:currency ready (12.0 s)",
        "mongodb ready (13.5 s)",
    ]


def test_jwt_secret_is_created_private_and_reused(tmp_path: Path) -> None:
    first = ensure_jwt_secret(tmp_path / "data")

    assert len(first) >= 48
    assert stat.S_IMODE((tmp_path / "data" / "jwt_secret").stat().st_mode) == 0o600
    assert first == ensure_jwt_secret(tmp_path / "data")


def test_restart_backoff_doubles_up_to_the_cap() -> None:
    policy = RestartPolicy(initial_backoff_s=0.5, max_backoff_s=3.0)

    assert [policy.backoff(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]


# --- live children -----------------------------------------------------------------------------


async def test_children_output_is_prefixed_and_stop_leaves_no_process() -> None:
    out = io.StringIO()
    sleeper = "import time\nprint('hello from {}')\ntime.sleep(600)\n"
    supervisor = Supervisor(
        [
            ChildSpec("first", py(sleeper.format("first")), restart=False),
            ChildSpec("second", py(sleeper.format("second")), restart=False),
        ],
        grace_s=10,
        out=out,
    )
    await supervisor.start()
    pids = list(supervisor.pids().values())
    await eventually(lambda: "hello from second" in out.getvalue())
    await supervisor.stop()

    lines = out.getvalue().splitlines()
    assert "first     | hello from first" in lines
    assert "second    | hello from second" in lines
    assert len(pids) == 2
    assert gone(pids)


async def test_a_crashed_child_is_restarted() -> None:
    out = io.StringIO()
    crasher = "import os, sys\nprint('run', os.getpid())\nsys.exit(3)\n"
    supervisor = Supervisor([ChildSpec("crasher", py(crasher))], policy=FAST_RESTARTS, out=out)
    await supervisor.start()
    await eventually(lambda: out.getvalue().count("| run ") >= 3)
    await supervisor.stop()

    runs = {line.split()[-1] for line in out.getvalue().splitlines() if "| run " in line}
    assert len(runs) >= 3
    assert gone([int(pid) for pid in runs])


async def test_a_child_without_a_probe_is_ready_once_spawned_however_soon_it_exits() -> None:
    process = await asyncio.create_subprocess_exec(*py("raise SystemExit(3)"))
    await process.wait()  # gone before anyone asks: as on a machine too busy to ask sooner
    child = Child(ChildSpec("quick", py("")), prefix="quick | ", process=process)
    said: list[str] = []

    async def drain(_: Child) -> None:
        raise AssertionError("a child without a probe is not waited for")

    await await_ready(child, WaitingLog(said.append), 0.05, drain)  # no ChildFailedError


async def test_a_child_that_keeps_crashing_stops_everything_with_an_error() -> None:
    policy = RestartPolicy(initial_backoff_s=0.01, max_backoff_s=0.05, max_crashes=3)
    steady = ChildSpec("steady", py("import time\ntime.sleep(600)\n"))
    supervisor = Supervisor(
        [steady, ChildSpec("broken", py("raise SystemExit(7)"))], policy=policy, out=io.StringIO()
    )
    code = await asyncio.wait_for(supervisor.run(signals=False), WAIT_S)

    assert code == 1
    assert supervisor.failure is not None
    assert "broken crashed 3 times" in supervisor.failure
    assert supervisor.pids() == {}


async def test_a_child_ignoring_sigterm_is_killed_after_the_grace_period() -> None:
    stubborn = "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    stubborn += "print('ready')\ntime.sleep(600)\n"
    out = io.StringIO()
    supervisor = Supervisor([ChildSpec("stubborn", py(stubborn))], grace_s=0.5, out=out)
    await supervisor.start()
    pids = list(supervisor.pids().values())
    await eventually(lambda: "ready" in out.getvalue())
    await supervisor.stop()

    assert gone(pids)


async def test_start_fails_with_the_output_of_a_child_that_dies_before_ready() -> None:
    async def never() -> bool:
        return False

    spec = ChildSpec("doomed", py("print('bad config')\nraise SystemExit(2)"), ready=never)
    supervisor = Supervisor([spec], out=io.StringIO())
    with pytest.raises(ChildFailedError, match=r"(?s)doomed exited with code 2.*bad config"):
        await supervisor.start()
    await supervisor.stop()


async def test_readiness_gates_the_next_child(tmp_path: Path) -> None:
    flag = tmp_path / "ready"
    first = ChildSpec(
        "first",
        py(
            f"import pathlib, time\ntime.sleep(0.5)\npathlib.Path({str(flag)!r}).touch()\n"
            "time.sleep(600)\n"
        ),
        ready=lambda: asyncio.sleep(0, result=flag.exists()),
    )
    second = ChildSpec(
        "second", py(f"import pathlib\nprint(pathlib.Path({str(flag)!r}).exists())"), restart=False
    )
    out = io.StringIO()
    supervisor = Supervisor([first, second], out=out)
    await supervisor.start()
    await eventually(lambda: "second" in out.getvalue())
    await supervisor.stop()

    assert "second    | True" in out.getvalue().splitlines()


async def test_a_stage_starts_together_and_the_whole_must_be_ready_before_start_returns(
    tmp_path: Path,
) -> None:
    """Two children of one stage run at once (each waits for the other's file), the next stage
    starts only after both are ready, and start() returns only when the whole's check holds."""
    a, b, later, whole = (tmp_path / n for n in ("a", "b", "later", "whole"))

    def meets(me: Path, other: Path) -> list[str]:
        return py(
            f"import pathlib, time\npathlib.Path({str(me)!r}).touch()\n"
            f"while not pathlib.Path({str(other)!r}).exists(): time.sleep(0.05)\n"
            "print('met', flush=True)\ntime.sleep(600)\n"
        )

    def exists(path: Path) -> Callable[[], Awaitable[bool]]:
        return lambda: asyncio.sleep(0, result=path.exists())

    async def missing() -> dict[str, str]:
        return {} if whole.exists() else {"actor:x": "no process answers"}

    out = io.StringIO()
    supervisor = Supervisor(
        [
            ChildSpec("a", meets(a, b), stage="pair", ready=lambda: _said(out, "a")),
            ChildSpec("b", meets(b, a), stage="pair", ready=lambda: _said(out, "b")),
            ChildSpec(
                "later",
                py(
                    f"import pathlib, time\npathlib.Path({str(later)!r}).touch()\ntime.sleep(600)\n"
                ),
                ready=exists(later),
            ),
        ],
        out=out,
        ready=missing,
    )
    starting = asyncio.create_task(supervisor.start())
    try:
        await eventually(lambda: later.exists())
        await eventually(lambda: "waiting for actor:x" in out.getvalue())
        assert not starting.done()
        whole.touch()
        await asyncio.wait_for(starting, WAIT_S)
    finally:
        starting.cancel()
        await supervisor.stop()

    lines = out.getvalue().splitlines()
    ready = [line.split(" (")[0] for line in lines if " ready (" in line]
    assert ready[-1] == "actor:x ready"
    assert {"a ready", "b ready"} <= set(ready)


async def _said(out: io.StringIO, name: str) -> bool:
    return f"{name.ljust(10)}| met" in out.getvalue().splitlines()


SUPERVISOR_SCRIPT = """
import asyncio, sys
from deploy.supervisor import ChildSpec, Supervisor
child = [sys.executable, "-c", "import time; time.sleep(600)"]  # quiet: no EPIPE to die of
specs = [ChildSpec("a", child), ChildSpec("b", child)]
sup = Supervisor(specs, grace_s=10)
raise SystemExit(asyncio.run(sup.run(lambda: print("PIDS", *sup.pids().values(), flush=True))))
"""


def _start_supervisor_process(log: Path) -> tuple[subprocess.Popen[bytes], list[int]]:
    with log.open("wb") as handle:
        proc = subprocess.Popen(
            [sys.executable, "-c", SUPERVISOR_SCRIPT],
            cwd=Path(__file__).resolve().parents[2],
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + WAIT_S
    while True:
        assert proc.poll() is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        found = [x for x in log.read_text().splitlines() if x.startswith("PIDS")]
        if found:
            return proc, [int(p) for p in found[0].split()[1:]]
        time.sleep(0.05)


def wait_gone(pids: list[int]) -> None:
    deadline = time.monotonic() + WAIT_S
    while not gone(pids):
        assert time.monotonic() < deadline, f"still running: {pids}"
        time.sleep(0.05)


def test_sigterm_stops_every_child_and_exits_zero(tmp_path: Path) -> None:
    proc, pids = _start_supervisor_process(tmp_path / "out.log")
    proc.send_signal(signal.SIGTERM)

    assert proc.wait(WAIT_S) == 0
    assert len(pids) == 2
    wait_gone(pids)


def test_children_die_when_the_supervisor_is_killed(tmp_path: Path) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("parent death signal is Linux only")
    proc, pids = _start_supervisor_process(tmp_path / "out.log")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(WAIT_S)

    wait_gone(pids)
