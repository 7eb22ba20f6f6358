"""The figures of ``ledgerbus bench expenses`` as the table a person reads (the JSON holds the
same and more)."""

from __future__ import annotations

from dataclasses import asdict

from deploy.bench.expenses.results import CpuWindows, ExpensesResult, Phase, RunWindow
from deploy.bench.memory import MACHINE, OTHERS
from deploy.bench.table import machine_line


def _ms(latency: dict[str, float] | None, key: str) -> str:
    return f"{latency[key]:.1f}" if latency else "-"


def _row(label: str, phase: RunWindow | None) -> str:
    if phase is None:
        return f"  {label:<32} (not run)"
    lat = phase.latency_ms
    extra = f"  202={phase.pending_202} err={phase.errors}"
    return (
        f"  {label:<32} {phase.commands_per_s:>9.1f} {_ms(lat, 'p50'):>8} "
        f"{_ms(lat, 'p95'):>8} {_ms(lat, 'p99'):>8}{extra}"
    )


def _events(label: str, phase: Phase | None) -> str:
    events = phase.events if phase else None
    if not events:
        return f"  {label:<32} (no Socket.IO device connected)"
    lat = events.latency_ms
    return (
        f"  {label:<32} {'':>9} {_ms(lat, 'p50'):>8} {'':>8} {_ms(lat, 'p99'):>8}"
        f"  got {events.received}/{events.expected} events on {events.devices} devices"
    )


def _ratio(value: float | None) -> str:
    return f"{value:.2f}x" if value is not None else "-"


def _process_rows(f: ExpensesResult) -> list[str]:
    """Peak memory and CPU use of every process, and of the whole machine."""
    cpu: CpuWindows = f.cpu_percent
    windows = (cpu.bus_closed, cpu.bus_hot, cpu.raw_db, cpu.naive_rest)
    loaded = f.memory_peak_under_load_mb
    lines = [
        "",
        f"  {'process':<20} {'peak RSS MiB':>12} {'under load':>10} {'CPU% bus':>9} "
        f"{'CPU% hot':>9} {'CPU% raw':>9} {'CPU% naive':>10}",
    ]
    rows: list[tuple[str, float | None]] = list(f.memory_peak_mb.items())
    for name, mb in [*rows, (MACHINE, None), (OTHERS, None)]:
        used = [w.get(name) for w in windows]
        text = [f"{c:.0f}" if c is not None else "-" for c in used]
        rss = f"{mb:.1f}" if mb is not None else ""
        busy = f"{loaded[name]:.1f}" if name in loaded else ""
        lines.append(
            f"  {name:<20} {rss:>12} {busy:>10} {text[0]:>9} {text[1]:>9} {text[2]:>9} "
            f"{text[3]:>10}"
        )
    return lines


def _durability_rows(f: ExpensesResult) -> list[str]:
    """The closed loop on each durability, with ``--durability-compare``."""
    d = f.durability_compare
    if d is None:
        return [f"  durability {f.durability}"]
    return [
        "",
        f"  durability (closed loop, {d.power_loss.clients} clients, each on a fresh stack)",
        _row("process_crash (no fsync)", d.process_crash),
        _row("power_loss (fsync every commit)", d.power_loss),
        f"  power_loss / process_crash  {_ratio(d.power_loss_over_process_crash)}",
    ]


def render(f: ExpensesResult) -> str:
    """The human table of one run."""
    m, o, bus = f.header.machine, f.header.options, f.bus
    rate, closed, hot = bus["rate"], bus["closed"], bus["hot"]
    lines = [
        "",
        "ledgerbus bench expenses" + (" (--quick)" if o.quick else ""),
        machine_line(asdict(m)),
        f"  database  {f.header.database}",
        f"  stack     edge+Socket.IO, accounts, {o.expenses_actors} expenses actor(s); "
        f"stack log level {o.stack_log_level}",
        f"  load      {o.clients} clients (one user each), closed loop {o.duration_s:g} s "
        f"after {o.warmup_s:g} s warm-up; load generator in its own process",
        "",
        f"  {'path / phase':<32} {'cmd/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}",
        _row(f"bus, closed loop ({closed.clients} clients)", closed),
        _events("  request -> Socket.IO event", closed),
        _row(f"bus, fixed rate {rate.target_rate:g}/s", rate),
        _events("  request -> Socket.IO event", rate),
        _row(f"bus, hot scope ({hot.clients} clients, 1 user)", hot),
        _row(f"raw database ({f.raw_db.clients} tasks)", f.raw_db),
        _row(f"naive REST ({f.naive_rest.clients} clients)", f.naive_rest),
        "",
        f"  bus / naive REST  {_ratio(f.ratios.bus_over_naive_rest)}    "
        f"bus / raw database  {_ratio(f.ratios.bus_over_raw_db)}",
        f"  fixed rate: {rate.late_sends} sends left >10 ms late; baselines ran "
        f"{o.baseline_duration_s:g} s after {o.baseline_warmup_s:g} s warm-up",
    ]
    lines += _durability_rows(f)
    lines += _process_rows(f)
    if f.devices is not None and f.devices.errors:
        lines.append(f"  Socket.IO connect errors: {'; '.join(f.devices.errors)}")
    lines += [
        "  ('under load': after sign-up, whose argon2id hashing takes 64 MiB per password)",
        f"  (CPU% is of one core, within each measured window; {m.cores_logical} cores = "
        f"{100 * m.cores_logical}; a large '{OTHERS}' means other work skewed the figures)",
        f"  children's output: {f.log_file}; took {f.elapsed_s:.0f} s",
        "",
    ]
    return "\n".join(lines)
