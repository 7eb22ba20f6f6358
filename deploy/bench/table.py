"""Pieces of the text tables the benchmarks print: the machine, peak memory of every process,
latency percentiles, and yes or no."""

from __future__ import annotations

from typing import Any

from deploy.bench.memory import MACHINE, OTHERS


def machine_line(m: dict[str, Any]) -> str:
    """The line of the machine (``m`` as :func:`deploy.bench.machine.machine_info` makes it)."""
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


def percentile_columns(latency: dict[str, float] | None) -> str:
    """p50, p95, p99 and max in columns (dashes without samples)."""
    keys = ("p50", "p95", "p99", "max")
    if not latency:
        return "".join(f"{'-':>9}" for _ in keys)
    return "".join(f"{latency[k]:>9.1f}" for k in keys)


def latency_line(
    label: str, count: str, latency: dict[str, float] | None, note: str = "", width: int = 44
) -> str:
    """One row under :func:`latency_columns`."""
    return f"  {label:<{width}} {count:>9}{percentile_columns(latency)}" + (
        f"   {note}" if note else ""
    )


def latency_columns(width: int = 44) -> str:
    return f"  {'':<{width}} {'n':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}"


def cpu_line(cpu: dict[str, float]) -> str:
    """CPU % of one core per process, busiest first, then the whole machine and what was not
    this run."""
    shown = [
        f"{name.removeprefix('actor:')} {value:.0f}"
        for name, value in sorted(cpu.items(), key=lambda kv: -kv[1])
        if name not in (MACHINE, OTHERS) and value >= 1
    ]
    whole, rest = cpu.get(MACHINE), cpu.get(OTHERS)
    tail = f"; whole machine {whole:.0f}" if whole is not None else ""
    tail += f", not this run {rest:.0f}" if rest is not None else ""
    return (", ".join(shown) + tail) if shown else "-"
