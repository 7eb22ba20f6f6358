"""Pieces of the text tables the benchmarks print: the machine, peak memory of every process,
latency percentiles, and yes or no."""

from __future__ import annotations

from typing import Any


def machine_line(m: dict[str, Any]) -> str:
    """The line of the machine (``m`` as :func:`deploy.bench.report.machine_info` makes it)."""
    return (
        f"  machine   {m['cores_logical']} cores ({m['cpu_affinity']} usable), "
        f"{m['ram_gib']} GiB RAM, {m['cpu_model']}, Python {m['python']}"
    )


def process_rows(peak: dict[str, float], busy: dict[str, float], busy_label: str) -> list[str]:
    """Peak RSS of every process, overall and while the run was busy (headed ``busy_label``)."""
    lines = ["", f"  {'process':<20} {'peak RSS MiB':>12} {busy_label:>10}"]
    for name, mb in peak.items():
        then = f"{busy[name]:.1f}" if name in busy else ""
        lines.append(f"  {name:<20} {mb:>12.1f} {then:>10}")
    return lines


def p50_p99(latency: dict[str, float] | None, what: str = "") -> str:
    """``p50 … ms  p99 … ms`` of a latency summary (dashes without one), then ``what``."""
    if not latency:
        return f"p50 - ms  p99 - ms{what}"
    return f"p50 {latency['p50']:.1f} ms  p99 {latency['p99']:.1f} ms{what}"


def yes_no(flag: object) -> str:
    """``true`` or ``false``, or ``-`` when not known."""
    return "-" if flag is None else str(bool(flag)).lower()
