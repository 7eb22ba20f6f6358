"""What a benchmark run was on: this machine (cores, memory, CPU model, OS, Python) and the
database every path wrote to."""

from __future__ import annotations

import importlib.metadata
import platform
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]


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
