"""The figures of ``ledgerbus bench fraud`` as lines a person reads (the JSON holds the same and
more)."""

from __future__ import annotations

from dataclasses import asdict

from deploy.bench.fraud.names import FRAUD_PROCESS
from deploy.bench.fraud.results import (
    FraudResult,
    HttpFigures,
    Latency,
    ProfileFigures,
    RoundFigures,
    Slow,
    SteadyFigures,
    WriteFigures,
)
from deploy.bench.memory import BENCH
from deploy.bench.table import (
    cpu_line,
    latency_columns,
    latency_line,
    machine_line,
    p50_p99,
    process_rows,
)

DB = "on SecantusDB"


def _writes(w: WriteFigures) -> str:
    return (
        f"{w.accepted:,} of {w.requests:,} accepted (201: {w.created_201:,}, 202: "
        f"{w.pending_202}), errors {w.errors}; {w.commands_per_s:,.1f} cmd/s "
        f"{p50_p99(w.latency_ms)}"
    )


def row(label: str, count: str, latency: Latency, note: str = "") -> str:
    """One row of the delays' table (labels 46 wide)."""
    return latency_line(label, count, latency, note, 46)


def _slow_line(x: Slow) -> str:
    found = ", ".join(x.signals) or "no signal"
    return (
        f"    {x.event_to_commit_ms:>8.1f} = {x.event_to_scoring_ms} + "
        f"{x.scoring_to_commit_ms}   at {x.event_seen_s:.2f} s   score {x.score} ({found})"
    )


def _delay_lines(s: SteadyFigures, threshold: int) -> list[str]:
    w, t = s.writes, s.target
    verdict = "MET" if t.met else "MISSED"
    p95 = f"{t.p95_ms:.1f} ms" if t.p95_ms is not None else "none scored"
    return [
        latency_columns(46),
        row(
            "event on NATS -> risk record committed",
            f"{s.scored}/{s.created}",
            s.event_to_commit_ms,
        ),
        row(
            "POST /v1/expenses answered (from when due)",
            f"{w.accepted}/{w.requests}",
            w.latency_ms,
        ),
        row("POST due -> risk record committed", f"{s.scored}", s.post_to_commit_ms),
        row(
            f"  event -> commit, scored {threshold} or more (flagged)", f"{s.flagged}", s.flagged_ms
        ),
        row("  event -> commit, scored under it", f"{s.scored - s.flagged}", s.not_flagged_ms),
        f"  target: p95 under {t.p95_ms_under:.0f} ms from the event to the commit: {verdict} "
        f"(p95 {p95}" + (f", {s.missing} never scored" if s.missing else "") + ")",
    ]


def _stage_lines(s: SteadyFigures) -> list[str]:
    st = s.stages
    return [
        "  the same delays in stages, by wall clock (ms; scored_at is the fraud actor's clock when "
        "it started on the expense, kept in milliseconds):",
        row("  POST sent -> expense applied (event's time)", "", st.post_to_applied_ms),
        row("  expense applied -> event on NATS here", "", st.applied_to_event_ms),
        row("  event on NATS -> fraud actor starts scoring", "", st.event_to_scoring_ms),
        row("  starts scoring -> commit seen here", "", st.scoring_to_commit_ms),
        "  slowest, event -> commit (ms: to scoring + scoring to commit; when the event came; "
        "its score):",
        *(_slow_line(x) for x in s.slowest),
    ]


def _steady_lines(s: SteadyFigures, seen_by: str, threshold: int) -> list[str]:
    w = s.writes
    return [
        "",
        f"from expense.created on NATS to its risk record committed ({DB}): expenses at "
        f"{s.rate:g}/s for {s.duration_s:g} s, round robin over the users, 1 fraud process",
        f"  (events: a core NATS subscription here; commits: {seen_by} on fraud_risks here; "
        "each timestamped as it arrives)",
        *_delay_lines(s, threshold),
        *_stage_lines(s),
        f"  earlier records scored again meanwhile (a burst escalating them): "
        f"{s.records_scored_again}",
        f"  sends more than 10 ms late: {s.late_sends}; writes: {_writes(w)}"
        + (f"; first error: {w.first_error}" if w.first_error else ""),
        f"  CPU % of one core: {cpu_line(s.cpu_percent)}",
    ]


def _label(r: RoundFigures, again: bool) -> str:
    label = f"{r.processes} fraud process" + ("es" if r.processes > 1 else "")
    return label + (", again" if again else "")


def _ratio(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else "-"


def _round_lines(r: RoundFigures, again: bool) -> list[str]:
    c, a = r.check, r.applying
    exact = "exact" if r.exact else "NOT EXACT"
    lines = [
        f"  {_label(r, again):<46} {r.events_per_s:>9,.1f} events/s   {r.scored:,} scored "
        f"in {r.duration_s:.2f} s (resume to the last commit seen)",
        f"    {'the same backlog applied by the expenses actor':<44} "
        f"{a.expenses_per_s:>9,.1f} expenses/s {a.applied:,} applied in "
        f"{a.duration_s:.2f} s (resume to the last event seen)",
        f"    scoring / applying: {_ratio(r.scoring_to_applying)}"
        f"   ({a.commands_waiting:,} commands waited; CPU % of one core while applying: "
        f"{cpu_line(a.cpu_percent)})",
        f"    risk records with expense_version >= 1: {c.risk_records:,} of "
        f"{r.created:,} expenses created; dead letters {c.dead_letters}: {exact}"
        + (f"; {r.missing} never scored" if r.missing else ""),
        f"    written first, consumers paused: {_writes(r.writes)}",
        f"    {r.events_waiting:,} events waiting after {r.stream_wait_s:.2f} s; risk "
        f"records in all {c.risk_records_in_all:,}",
        f"    CPU % of one core while scoring: {cpu_line(r.cpu_percent)}",
        "    peak RSS while scoring: "
        + ", ".join(
            f"{name.removeprefix('actor:')} {mb:.1f} MiB"
            for name, mb in r.fraud_peak_rss_mb.items()
        ),
    ]
    if r.writes.first_error:
        lines.append(f"    first error: {r.writes.first_error}")
    return lines


def _rounds_lines(h: HttpFigures, backlog: int) -> list[str]:
    lines = [
        "",
        f"expense events scored per second beside expenses applied per second ({DB}): the "
        f"expenses actor's and the fraud actor's consumers paused while {backlog:,} "
        f"expenses were written by {h.users} users; then the expenses actor resumed, then "
        "the fraud actor",
    ]
    ratios = []
    for n, r in enumerate(h.rounds):
        again = n > 0 and r.processes == 1
        lines += _round_lines(r, again)
        ratios.append(f"{_label(r, again)} {_ratio(r.scoring_to_applying)}")
        if r.processes > 1 and h.second_pulling is not None:
            lines.append(
                f"    (the second process was pulling before its round: {h.second_pulling} "
                "pull requests waiting on every consumer)"
            )
    lines.append(f"  scoring / applying (1 or more: scoring keeps up): {'; '.join(ratios)}")
    return lines


def _profile_line(when: str, p: ProfileFigures) -> str:
    return (
        f"    {when:<22} {p.largest_bytes:>9,} bytes   ({p.its_recent_expenses} recent "
        f"expenses held; {p.profiles} profiles)"
    )


def _memory_lines(f: FraudResult) -> list[str]:
    h = f.http
    steady_mb = h.memory_steady_mb.get(FRAUD_PROCESS)
    peak_mb = h.memory_peak_mb.get(FRAUD_PROCESS)
    return [
        "",
        "memory",
        f"  fraud process RSS, steady at {h.steady.rate:g}/s: "
        + (f"{steady_mb:.1f} MiB" if steady_mb is not None else "-")
        + (f" (peak of the whole run {peak_mb:.1f} MiB)" if peak_mb is not None else ""),
        "  largest fraud_profiles document (BSON; a profile is bounded by design):",
        *(_profile_line(when, p) for when, p in h.profiles.items()),
        *process_rows(h.memory_peak_mb, h.memory_steady_mb, "steady"),
        f"  {BENCH + ' (this process)':<20} {f.process_peak_rss_mb:>12.1f}",
        f"  ('steady': while expenses arrived at {h.steady.rate:g}/s, after the history)",
    ]


def _head_lines(f: FraudResult) -> list[str]:
    o, h = f.header.options, f.http
    limits, hist = h.write_limits, h.history
    return [
        "",
        "ledgerbus bench fraud" + (" (--quick)" if o.quick else ""),
        machine_line(asdict(f.header.machine)),
        "  stack     edge (HTTP and Socket.IO on one port), NATS JetStream, accounts, expenses "
        "and fraud actors, one process each",
        f"  writes    per user {limits['LEDGERBUS_WRITES_PER_USER_S']}/s, burst "
        f"{limits['LEDGERBUS_WRITES_BURST']} (set for this run, so the limiter never answers)",
        f"  {h.users} users signed up in {h.sign_up_s:.1f} s ({h.timezone}); a history "
        f"of {o.history} expenses each ({hist.created:,} created, {hist.scored:,} "
        f"scored) in {hist.seconds:.1f} s before anything was timed",
        f"  risk records seen committed by: {h.commits_seen_by}"
        + (f" (change stream failed: {h.change_stream_error})" if h.change_stream_error else ""),
    ]


def _tail_lines(f: FraudResult) -> list[str]:
    sc = f.http.scoring
    signals = ", ".join(f"{k} {n}" for k, n in sc.signals.items()) or "none"
    return [
        "",
        f"what the scorer found in the whole run: {sc.at_or_over_threshold:,} of "
        f"{sc.risk_records:,} risk records at or over {sc.threshold} ({sc.flags} flags); "
        f"signals fired: {signals}",
        "",
        f"  database  {f.header.database}",
        f"  children's output: {f.log_file}",
        f"  took {f.elapsed_s:.0f} s",
        "",
    ]


def render(f: FraudResult) -> str:
    """The figures as lines a person reads (the JSON holds the same and more)."""
    h = f.http
    return "\n".join(
        [
            *_head_lines(f),
            *_steady_lines(h.steady, h.commits_seen_by, h.threshold),
            *_rounds_lines(h, f.header.options.backlog),
            *_memory_lines(f),
            *_tail_lines(f),
        ]
    )
