"""What the run was on, the figures as a table a person can read (the JSON holds the same), and
running a benchmark to its report."""

from __future__ import annotations

import importlib.metadata
import json
import platform
import sys
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import psutil  # type: ignore[import-untyped]
import uvloop

from bus.settings import Settings
from deploy.bench.flags import Options, log_path_of
from deploy.bench.memory import MACHINE, OTHERS
from deploy.bench.table import machine_line


def machine_info() -> dict[str, Any]:
    """Cores, memory, CPU model, OS and Python of this machine."""
    model = platform.processor() or ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cores_logical": psutil.cpu_count(logical=True),
        "cores_physical": psutil.cpu_count(logical=False),
        "cpu_affinity": len(psutil.Process().cpu_affinity() or []),
        "ram_gib": round(psutil.virtual_memory().total / 1024**3, 1),
        "cpu_model": model,
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def database_info() -> str:
    """The database every path wrote to."""
    try:
        version = importlib.metadata.version("secantusdb")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown version"
    return f"SecantusDB {version} (MongoDB wire protocol, WiredTiger), embedded, one node"


def plain_options(options: object) -> dict[str, Any]:
    """The options of a run as JSON holds them (paths as text)."""
    return {k: str(v) if isinstance(v, Path) else v for k, v in vars(options).items()}


def run_header(name: str, options: object) -> dict[str, Any]:
    """The first figures of a run: the benchmark, when it started, the machine, the database
    and the options."""
    return {
        "benchmark": name,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "database": database_info(),
        "options": plain_options(options),
    }


def progress(out: TextIO) -> Callable[[str], None]:
    """A ``say`` that writes one line of progress, ``· message``, to ``out`` at once."""

    def say(message: str) -> None:
        out.write(f"· {message}\n")
        out.flush()

    return say


def _ms(latency: dict[str, float] | None, key: str) -> str:
    return f"{latency[key]:.1f}" if latency else "-"


def _row(label: str, phase: dict[str, Any] | None) -> str:
    if phase is None:
        return f"  {label:<32} (not run)"
    lat = phase.get("latency_ms")
    extra = f"  202={phase['pending_202']} err={phase['errors']}"
    return (
        f"  {label:<32} {phase['commands_per_s']:>9.1f} {_ms(lat, 'p50'):>8} "
        f"{_ms(lat, 'p95'):>8} {_ms(lat, 'p99'):>8}{extra}"
    )


def _events(label: str, phase: dict[str, Any] | None) -> str:
    events = phase.get("events") if phase else None
    if not events:
        return f"  {label:<32} (no Socket.IO device connected)"
    lat = events.get("latency_ms")
    return (
        f"  {label:<32} {'':>9} {_ms(lat, 'p50'):>8} {'':>8} {_ms(lat, 'p99'):>8}"
        f"  got {events['received']}/{events['expected']} events on {events['devices']} devices"
    )


def render(f: dict[str, Any]) -> str:
    """The human table of one run."""
    m, o, bus = f["machine"], f["options"], f["bus"]
    ratios = f["ratios"]
    rate = bus["rate"]
    lines = [
        "",
        "ledgerbus bench expenses" + (" (--quick)" if o["quick"] else ""),
        machine_line(m),
        f"  database  {f['database']}",
        f"  stack     edge+Socket.IO, accounts, {o['expenses_actors']} expenses actor(s); "
        f"stack log level {o['stack_log_level']}",
        f"  load      {o['clients']} clients (one user each), closed loop {o['duration_s']:g} s "
        f"after {o['warmup_s']:g} s warm-up; load generator in its own process",
        "",
        f"  {'path / phase':<32} {'cmd/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}",
        _row(f"bus, closed loop ({bus['closed']['clients']} clients)", bus["closed"]),
        _events("  request -> Socket.IO event", bus["closed"]),
        _row(f"bus, fixed rate {rate['target_rate']:g}/s", rate),
        _events("  request -> Socket.IO event", rate),
        _row(f"bus, hot scope ({bus['hot']['clients']} clients, 1 user)", bus["hot"]),
        _row(f"raw database ({f['raw_db']['clients']} tasks)", f["raw_db"]),
        _row(f"naive REST ({f['naive_rest']['clients']} clients)", f["naive_rest"]),
        "",
        f"  bus / naive REST  {_ratio(ratios['bus_over_naive_rest'])}    "
        f"bus / raw database  {_ratio(ratios['bus_over_raw_db'])}",
        f"  fixed rate: {rate['late_sends']} sends left >10 ms late; baselines ran "
        f"{o['baseline_duration_s']:g} s after {o['baseline_warmup_s']:g} s warm-up",
    ]
    lines += _process_rows(f)
    devices = f.get("devices") or {}
    if devices.get("errors"):
        lines.append(f"  Socket.IO connect errors: {'; '.join(devices['errors'])}")
    lines += [
        "  ('under load': after sign-up, whose argon2id hashing takes 64 MiB per password)",
        f"  (CPU% is of one core, within each measured window; {m['cores_logical']} cores = "
        f"{100 * m['cores_logical']}; a large '{OTHERS}' means other work skewed the figures)",
        f"  children's output: {f['log_file']}; took {f.get('elapsed_s', 0):.0f} s",
        "",
    ]
    return "\n".join(lines)


def _process_rows(f: dict[str, Any]) -> list[str]:
    """Peak memory and CPU use of every process, and of the whole machine."""
    cpu, loaded = f["cpu_percent"], f["memory_peak_under_load_mb"]
    windows = ("bus_closed", "bus_hot", "raw_db", "naive_rest")
    lines = [
        "",
        f"  {'process':<20} {'peak RSS MiB':>12} {'under load':>10} {'CPU% bus':>9} "
        f"{'CPU% hot':>9} {'CPU% raw':>9} {'CPU% naive':>10}",
    ]
    rows: list[tuple[str, float | None]] = list(f["memory_peak_mb"].items())
    for name, mb in [*rows, (MACHINE, None), (OTHERS, None)]:
        used = [cpu[w].get(name) for w in windows]
        text = [f"{c:.0f}" if c is not None else "-" for c in used]
        rss = f"{mb:.1f}" if mb is not None else ""
        busy = f"{loaded[name]:.1f}" if name in loaded else ""
        lines.append(
            f"  {name:<20} {rss:>12} {busy:>10} {text[0]:>9} {text[1]:>9} {text[2]:>9} "
            f"{text[3]:>10}"
        )
    return lines


def _ratio(value: float | None) -> str:
    return f"{value:.2f}x" if value is not None else "-"


def run_and_report(
    name: str,
    work: Coroutine[Any, Any, dict[str, Any]],
    render_figures: Callable[[dict[str, Any]], str],
    json_path: Path | None,
    log_path: Callable[[], Path | None],
) -> int:
    """Run one benchmark to the end and print its figures (and write them to ``json_path``):
    0 when it completed, 130 when interrupted, 1 when it failed (speed is never judged)."""
    try:
        figures = uvloop.run(work)
    except KeyboardInterrupt:
        print(f"ledgerbus {name}: interrupted; everything was stopped", file=sys.stderr)
        return 130
    except Exception as exc:
        print(f"ledgerbus {name}: failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        print(f"  children's output: {log_path()}", file=sys.stderr)
        return 1
    print(render_figures(figures), flush=True)
    if json_path is not None:
        json_path.write_text(json.dumps(figures, indent=2) + "\n")
        print(f"figures written to {json_path}")
    return 0


def report_bench(
    name: str,
    options: Options,
    run: Callable[[Settings, Options, TextIO], Coroutine[Any, Any, dict[str, Any]]],
    render_figures: Callable[[dict[str, Any]], str],
    settings: Settings,
) -> int:
    """Run ``bench name`` with ``options``, its progress on stdout, and report it as
    :func:`run_and_report` does; on failure, point to the children's output."""
    return run_and_report(
        f"bench {name}",
        run(settings, options, sys.stdout),
        render_figures,
        options.json_path,
        lambda: log_path_of(name, options.log_path),
    )
