"""The figures of ``ledgerbus bench budgets`` as lines a person reads (the JSON holds the same
and more)."""

from __future__ import annotations

from dataclasses import asdict

from deploy.bench.budgets.api import ALERT_BUDGET, ALERT_WAIT_S
from deploy.bench.budgets.results import AlertFigures, BudgetsResult, RoundFigures
from deploy.bench.table import cpu_line, machine_line, p50_p99, process_rows

DB = "on SecantusDB"


def _row(label: str, figure: str, note: str = "") -> str:
    return f"  {label:<40} {figure:>18}" + (f"   {note}" if note else "")


def _round_lines(r: RoundFigures, again: bool) -> list[str]:
    w, c = r.writes, r.check
    label = f"{r.processes} budgets process" + ("es" if r.processes > 1 else "")
    label += ", again" if again else ""
    lines = [
        _row(
            label,
            f"{r.events_per_s:,.1f} events/s",
            f"{r.budget_updates_per_s:,.1f} budget updates/s; {r.events:,} events "
            f"({r.budget_updates:,} budget updates) applied in {r.duration_s:.2f} s",
        ),
        f"    written first, consumers paused: {w.expenses_created:,} of {w.requests:,} "
        f"expenses created (201: {w.created_201:,}, 202 applied later: "
        f"{w.pending_accepted}), errors {w.errors}; {w.commands_per_s:,.1f} cmd/s "
        f"{p50_p99(w.latency_ms)}",
        f"    {r.events:,} events waiting (of {r.events_expected:,} expected) after "
        f"{r.stream_wait_s:.2f} s; budgets as expected after: {c.matching}/{c.budgets}; "
        f"alerts raised: {r.alerts_raised}",
        f"    CPU % of one core while applying: {cpu_line(r.cpu_percent)}",
    ]
    if w.first_error:
        lines.append(f"    first error: {w.first_error}")
    if c.first_mismatch:
        lines.append(f"    first mismatch: {c.first_mismatch}")
    return lines


def _pcts(latency: dict[str, float] | None) -> str:
    if not latency:
        return "-"
    return "  ".join(f"{k} {latency[k]:.1f}" for k in ("p50", "p95", "p99", "max")) + " ms"


def _alert_lines(a: AlertFigures) -> list[str]:
    lines = [
        "",
        f"from POST /v1/expenses to budget.threshold_crossed on the owner's device ({DB}), "
        f"one expense at a time, 1 budgets process; budgets of {ALERT_BUDGET} with thresholds every "
        "10 %",
        _row(
            "expense -> alert on the device",
            f"{a.received}/{a.samples} received",
            _pcts(a.alert_ms),
        ),
        _row(
            "POST /v1/expenses answered (201)",
            f"{a.samples - a.errors}/{a.samples} created",
            _pcts(a.write_ms),
        ),
        f"    missing alerts {a.missing} (waited {ALERT_WAIT_S:g} s each), errors "
        f"{a.errors}; {a.budgets_used} budgets used; device connected in "
        f"{a.connect_ms:.0f} ms",
    ]
    if a.first_error:
        lines.append(f"    first error: {a.first_error}")
    return lines


def render(f: BudgetsResult) -> str:
    """The figures as lines a person reads."""
    o, h = f.header.options, f.http
    limits = h.write_limits
    spread = ", ".join(
        f"{n} in {k} budget{'s' if k != '1' else ''}" for k, n in h.budgets_per_expense.items()
    )
    lines = [
        "",
        "ledgerbus bench budgets" + (" (--quick)" if o.quick else ""),
        machine_line(asdict(f.header.machine)),
        "  stack     edge (HTTP and Socket.IO on one port), NATS JetStream, accounts, expenses "
        "and budgets actors, one process each",
        f"  writes    per user {limits['LEDGERBUS_WRITES_PER_USER_S']}/s, burst "
        f"{limits['LEDGERBUS_WRITES_BURST']} (set for this run, so the limiter never answers)",
        f"  {h.users} users signed up in {h.sign_up_s:.1f} s; {o.users} of them with "
        f"{h.budgets_each} monthly budgets each (one of all spending, the others one category "
        f"each), made in {h.budgets_setup_s:.1f} s; expenses dated {h.day} ({h.timezone})",
        "",
        f"expense events applied to budgets ({DB}): the budgets consumers paused while "
        f"{o.expenses:,} expenses were written, then resumed",
        f"  each expense counts in 1 to {h.budgets_each} budgets: {spread} (first round)",
    ]
    for n, r in enumerate(h.rounds):
        lines += _round_lines(r, again=n > 0 and r.processes == 1)
        if r.processes > 1 and h.second_pulling is not None:
            lines.append(
                f"    (the second process was pulling before its round: {h.second_pulling} "
                "pull requests waiting on every consumer)"
            )
    lines += _alert_lines(h.alerts)
    lines += process_rows(h.memory_peak_mb, h.memory_peak_applying_mb, "applying")
    lines += [
        f"  {'bench (this process)':<20} {f.process_peak_rss_mb:>12.1f}",
        "  ('applying': while the budgets consumers worked off the paused events)",
        "",
        f"  database  {f.header.database}",
        f"  children's output: {f.log_file}",
        f"  took {f.elapsed_s:.0f} s",
        "",
    ]
    return "\n".join(lines)
