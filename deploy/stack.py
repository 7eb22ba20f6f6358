"""``ledgerbus up``: the whole embedded stack on one machine, under one supervisor.

Order matters: NATS and SecantusDB first, then the edge (HTTP and Socket.IO) with the currency
actor and every actor that does not read rates, then those that load the rate store as they
start (the currency actor seeds it); each stage starts once the one before it answers its
readiness probes (an actor's: its ping, see :mod:`deploy.probes`). Only when the edge's own
``/readyz`` is 200 does ``up`` say it is ready; while waiting it says for what. Everything keeps
its data under one directory, reused across restarts.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import ParamSpec

from actors.registry import ACTORS
from bus.nats_conn import tls_context
from bus.settings import Settings
from deploy.control import control_channel
from deploy.control_state import ProcessLedger, state_path
from deploy.credentials import CREDENTIALS_FILE, OPS, Credentials
from deploy.embedded import (
    DEFAULT_HOST,
    EmbeddedServerError,
    ensure_jwt_secret,
    ensure_link_secret,
    http_ok,
    mongo_is_ready,
)
from deploy.layout import StackLayout, check_ports, make_layout, with_metrics_ports
from deploy.lockdown import lock
from deploy.mail_sink import sink_argv, sink_is_ready
from deploy.nats_cluster import stream_replicas
from deploy.nats_spec import nats_is_ready
from deploy.probes import ActorPings, readyz_missing
from deploy.supervisor import ChildSpec, ReadyProbe, Supervisor

EXIT_CONFIG_ERROR = 2
STOP_MARGIN_S = 5.0
"""Added to ``drain_timeout_s``: a child gets this long past its drain before SIGKILL."""

P = ParamSpec("P")


def child_environment(
    base: Mapping[str, str], layout: StackLayout, jwt_secret: str
) -> dict[str, str]:
    """The environment of every app process: ours, plus where to find the stack's servers."""
    env = dict(base)
    env.update(
        LEDGERBUS_NATS_URL=layout.nats_url,
        LEDGERBUS_MONGO_URI=layout.mongo.url,
        LEDGERBUS_JWT_SECRET=jwt_secret,
        LEDGERBUS_HTTP_HOST=layout.http_host,
        LEDGERBUS_HTTP_PORT=str(layout.http_port),
        LEDGERBUS_DATA_DIR=str(layout.data_dir),
        PYTHONUNBUFFERED="1",
    )
    # An operator's LEDGERBUS_LINK_SECRET wins; otherwise the one kept in the data directory.
    env.setdefault("LEDGERBUS_LINK_SECRET", ensure_link_secret(layout.data_dir))
    if layout.clustered:
        env["LEDGERBUS_STREAM_REPLICAS"] = str(stream_replicas(len(layout.nats_servers)))
    if layout.smtp_port is not None:  # mail goes to the local sink
        env.update(LEDGERBUS_SMTP_HOST=DEFAULT_HOST, LEDGERBUS_SMTP_PORT=str(layout.smtp_port))
    return env


def _in_thread(check: Callable[P, bool], *args: P.args, **kwargs: P.kwargs) -> ReadyProbe:
    """A readiness probe that runs a blocking check in a worker thread."""

    async def probe() -> bool:
        return await asyncio.to_thread(check, *args, **kwargs)

    return probe


def child_specs(
    layout: StackLayout,
    actors: Sequence[str],
    env: Mapping[str, str],
    *,
    pings: ActorPings | None = None,
    credentials: Credentials | None = None,
) -> list[ChildSpec]:
    """Servers, then the edge with the actors that need no rates, then those that read rates
    (after the currency actor seeds them), each stage started together with its readiness
    probes (an actor's is its ping, given ``pings``). The edge's ``/readyz`` expects exactly the
    actors listed. Given ``credentials``, each app process connects as its own role."""
    cli = [sys.executable, "-m", "deploy.cli"]

    def as_role(role: str) -> dict[str, str]:
        if credentials is None:
            return {}
        return credentials.environment(role, layout.nats_url, layout.mongo.url)

    edge_env = {
        **env,
        **as_role("edge"),
        "LEDGERBUS_EXPECT_ACTORS": ",".join(sorted(set(actors))),
        **layout.metrics_env("edge"),
    }
    specs = [
        ChildSpec(
            name=server.server_name or "nats",
            argv=server.command(),
            env=env,
            ready=_in_thread(nats_is_ready, server),
            stage="servers",
        )
        for server in layout.nats_servers
    ]
    if layout.smtp_port is not None:
        specs.append(
            ChildSpec(
                name="mail",
                argv=sink_argv(),
                env=env,
                ready=_in_thread(sink_is_ready, DEFAULT_HOST, layout.smtp_port),
                stage="servers",
            )
        )
    specs += [
        ChildSpec(
            name="mongo",
            argv=layout.mongo.command(),
            env=env,
            ready=_in_thread(mongo_is_ready, layout.mongo),
            stage="servers",
        ),
        ChildSpec(
            name="edge",
            argv=[*cli, "edge"],
            env=edge_env,
            ready=_in_thread(http_ok, f"{layout.http_base}/healthz"),
            stage="edge",
        ),
    ]
    # An actor that loads the rate store as it starts waits for the currency actor, which seeds
    # it; every other actor starts beside the edge.
    later = {a for a in actors if ACTORS[a].reads_rates} if "currency" in actors else set()
    ordered = [a for a in actors if a not in later] + [a for a in actors if a in later]
    specs += [
        ChildSpec(
            name=f"actor:{a}",
            argv=[*cli, "actor", a],
            env={**env, **as_role(a), **layout.metrics_env(f"actor:{a}")},
            ready=pings.probe(a) if pings is not None else None,
            stage="actors" if a in later else "edge",
        )
        for a in ordered
    ]
    return specs


def stack_ready(layout: StackLayout) -> Callable[[], Awaitable[dict[str, str]]]:
    """The stack's readiness: the parts its edge's ``/readyz`` names missing (none: ready)."""
    url = f"{layout.http_base}/readyz"

    async def missing() -> dict[str, str]:
        return await asyncio.to_thread(readyz_missing, url)

    return missing


def banner(layout: StackLayout, seconds: float | None = None) -> str:
    """What a person needs to start using the running stack (once it is ready)."""
    http = layout.http_base
    ws = http.replace("http://", "ws://", 1)
    rows = [
        ("HTTP API", f"{http}/v1"),
        ("API docs", f"{http}/v1/docs"),
        ("OpenAPI", f"{http}/v1/openapi.json"),
        ("Socket.IO", f"{ws}/socket.io"),
        ("NATS", layout.nats_url),
        ("NATS monitor", " ".join(server.monitor_url for server in layout.nats_servers)),
        ("MongoDB", layout.mongo.url),
        *(
            [("Mail sink", f"smtp://{DEFAULT_HOST}:{layout.smtp_port} (ledgerbus mail list)")]
            if layout.smtp_port is not None
            else []
        ),
        ("Data dir", str(layout.data_dir)),
        ("Credentials", str(layout.data_dir / CREDENTIALS_FILE)),
        *(
            ("Metrics" if n == 0 else "", f"{child:<16} {url}")
            for n, (child, url) in enumerate(layout.metrics_urls())
        ),
    ]
    took = f" (in {seconds:.1f} s)" if seconds is not None else ""
    lines = ["", f"ledgerbus is ready{took}", *(f"  {label:<13} {value}" for label, value in rows)]
    return "\n".join([*lines, "", "Ctrl-C to stop", ""])


async def run_up(
    settings: Settings,
    *,
    actors: Sequence[str],
    http_port: int | None = None,
    nats_port: int = 4222,
    nats_monitor_port: int = 8222,
    nats_route_port: int = 6222,
    nats_cluster: int = 1,
    mongo_port: int = 27017,
    smtp_port: int | None = 8025,
    data_dir: Path | None = None,
) -> int:
    """Run the embedded stack until Ctrl-C/SIGTERM; the process exit code.

    0 after a requested stop, 1 if a part failed to start or kept crashing, 2 if a port is
    taken or a server is not installed (nothing is started then).
    """
    started = time.monotonic()
    layout = make_layout(
        settings,
        http_port=settings.http_port if http_port is None else http_port,
        nats_port=nats_port,
        nats_monitor_port=nats_monitor_port,
        mongo_port=mongo_port,
        data_dir=settings.data_dir if data_dir is None else data_dir,
        nats_cluster=nats_cluster,
        nats_route_port=nats_route_port,
    )
    layout = with_metrics_ports(replace(layout, smtp_port=smtp_port), actors, settings.metrics_host)
    try:
        check_ports(layout)
        layout.nats.command()  # both resolve their executables: a missing one fails here
        layout.mongo.command()
    except EmbeddedServerError as exc:
        print(f"ledgerbus up: {exc}", file=sys.stderr)
        return EXIT_CONFIG_ERROR

    try:
        layout, credentials = await asyncio.to_thread(lock, layout, settings)
    except EmbeddedServerError as exc:
        print(f"ledgerbus up: {exc}", file=sys.stderr)
        return 1
    for server in layout.nats_servers:
        server.prepare()
    ops_nats_url = credentials.nats_url(OPS, layout.nats_url)
    # An operator's LEDGERBUS_JWT_SECRET wins; otherwise the one kept in the data directory.
    secret = (
        settings.jwt_secret.get_secret_value()
        if settings.jwt_secret is not None
        else ensure_jwt_secret(layout.data_dir)
    )
    env = child_environment(os.environ, layout, secret)
    pings = ActorPings(ops_nats_url, tls=tls_context(settings))
    supervisor = Supervisor(
        child_specs(layout, actors, env, pings=pings, credentials=credentials),
        grace_s=settings.drain_timeout_s + STOP_MARGIN_S,
        ready=stack_ready(layout),
        on_stop=pings.close,  # before NATS stops
        ledger=ProcessLedger(state_path(layout.data_dir), {"nats_url": layout.nats_url}),
    )
    async with control_channel(
        supervisor, layout.data_dir, nats_url=ops_nats_url, actors=actors, tls=tls_context(settings)
    ):
        code = await supervisor.run(
            on_ready=lambda: print(banner(layout, time.monotonic() - started), flush=True)
        )
    if supervisor.failure is not None:
        print(f"ledgerbus up: {supervisor.failure}", file=sys.stderr)
    return code
