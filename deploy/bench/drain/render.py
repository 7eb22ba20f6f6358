"""The figures of ``ledgerbus bench drain`` as lines a person reads (the JSON holds the same and
more: the lag read every half second of each round)."""

from __future__ import annotations

from dataclasses import asdict

from deploy.bench.drain.results import DrainResult, RoundFigures
from deploy.bench.drain.workers import ACTOR
from deploy.bench.memory import MACHINE
from deploy.bench.table import cpu_line, machine_line, process_rows, yes_no

HEAD = (
    f"  {'processes':>9} {'drain cmd/s':>12} {'s to 0 lag':>11} {'speed-up':>9}"
    f" {'startup s':>10}   CPU % per process / RSS MiB per process"
)


def _each(figures: dict[str, float], processes: int, unit: str) -> str:
    names = [f"actor:{ACTOR}#{i}" for i in range(1, processes + 1)]
    return " ".join(f"{figures[n]:.0f}{unit}" if n in figures else "-" for n in names)


def _row(r: RoundFigures) -> str:
    speed_up = f"x{r.speed_up:.2f}" if r.speed_up is not None else "-"
    return (
        f"  {r.processes:>9} {r.drain_per_s:>12,.0f} {r.to_zero_lag_s:>11.1f} {speed_up:>9}"
        f" {r.startup_s:>10.1f}   {_each(r.cpu_percent, r.processes, '%')}"
        f" / {_each(r.peak_rss_mb, r.processes, '')}"
    )


def _check(r: RoundFigures) -> str:
    verdict = "exact" if r.exact else "NOT EXACT"
    return (
        f"  {r.processes} process(es): applied {r.applied:,} distinct of {r.commands:,} "
        f"({r.accepted:,} accepted, {r.dead_letters_added} dead letters added, "
        f"{r.publish_duplicates} duplicate publishes): {verdict}"
    )


def _detail(r: RoundFigures) -> str:
    machine = r.cpu_percent.get(MACHINE)
    return (
        f"  {r.processes} process(es): backlog published in {r.publish_s:.1f} s "
        f"({r.published_per_s:,.0f}/s), {r.waiting:,} waiting; first command applied "
        f"{r.first_applied_s:.2f} s and last {r.drain_s:.2f} s after the resume ({r.lag_per_s:,.0f} cmd/s by the lag reads); "
        f"whole machine {machine:.0f}% of one core"
        if machine is not None
        else f"  {r.processes} process(es): backlog published in {r.publish_s:.1f} s"
    )


def render(f: DrainResult) -> str:
    """The figures as lines a person reads."""
    o = f.header.options
    lines = [
        "",
        "ledgerbus bench drain" + (" (--quick)" if o.quick else ""),
        machine_line(asdict(f.header.machine)),
        "  stack     edge, NATS JetStream, accounts actor, and the rounds' expenses processes "
        "(on SecantusDB)",
        f"  {f.users} users signed up in {f.sign_up_s:.1f} s; each round a fresh backlog of "
        f"{o.backlog:,} expense.create commands published straight to JetStream",
        "",
        f"draining a backlog of {o.backlog:,} commands with 1..N expenses processes",
        HEAD,
        *(_row(r) for r in f.rounds),
        "",
        "  each round, from the resume of the paused command consumer once every process",
        "  pulled: drain cmd/s = commands / time to the last processed record; s to 0 lag =",
        "  until pending + unacknowledged first read 0 (read every 0.5 s); startup = process",
        "  launch until every process pulled; CPU % of one core over the drain; peak RSS.",
        "  The last command is published just after the resume: JetStream serves pull requests",
        "  that waited on a paused consumer only when a new message comes (or they expire).",
        f"  speed-up is bounded by the machine: {f.header.machine.cpu_affinity} usable cores, "
        "shared by SecantusDB, NATS",
        "  and every expenses process, so more processes mostly share the same cores.",
        "",
        "CPU over each drain (% of one core)",
        *(f"  {r.processes} process(es): {cpu_line(r.cpu_percent)}" for r in f.rounds),
        "",
        *(_detail(r) for r in f.rounds),
        "",
        "applied (processed-command records of each round's command ids)",
        *(_check(r) for r in f.rounds),
    ]
    lines += process_rows(f.memory_peak_mb, {}, "")
    lines += [
        "",
        f"  exact: {yes_no(f.exact)}",
        f"  database  {f.header.database}",
        f"  children's output: {f.log_file}",
        f"  took {f.elapsed_s:.0f} s",
        "",
    ]
    return "\n".join(lines)
