"""What the run was on (the machine, the database, the header of a run's figures), progress
lines, and running a benchmark whose figures are a plain ``dict`` to its report (``fraud``)."""

from __future__ import annotations

import importlib.metadata
import platform
import sys
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import psutil  # type: ignore[import-untyped]

from bus.settings import Settings
from deploy.bench.flags import Options, log_path_of


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


def run_and_report(
    name: str,
    work: Coroutine[Any, Any, dict[str, Any]],
    render_figures: Callable[[dict[str, Any]], str],
    json_path: Path | None,
    log_path: Callable[[], Path | None],
) -> int:
    """:func:`deploy.bench.framework.report` for a benchmark whose figures are still a dict
    (the fraud benchmark, until it is on the ``Benchmark`` protocol)."""
    from deploy.bench.framework import report  # it imports this module's figures helpers

    return report(name, work, render_figures, json_path, log_path)


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
