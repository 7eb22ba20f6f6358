"""The figures of ``ledgerbus bench groups`` as lines a person reads (the JSON holds the same
and more)."""

from __future__ import annotations

from dataclasses import asdict

from deploy.bench.groups.results import AsOf, GroupsResult, HttpFigures, InProcess
from deploy.bench.table import machine_line, p50_p99, process_rows, yes_no

DB = "on SecantusDB"


def _pct(latency: dict[str, float] | None, key: str) -> str:
    return f"{key} {latency[key]:.1f} ms" if latency else f"{key} - ms"


def _row(label: str, figure: str, note: str = "") -> str:
    return f"  {label:<52} {figure:>13}" + (f"   {note}" if note else "")


def _in_process_lines(p: InProcess) -> list[str]:
    methods = ", ".join(f"{k} {v}" for k, v in p.methods.items())
    return [
        f"in process: {p.bills:,} bills over {p.members} members ({methods})",
        _row(
            "split every bill (shares.parts)",
            f"{p.split_ms:.1f} ms",
            f"{p.split_per_s:,.0f} bills/s",
        ),
        _row(
            f"fold into a tally (Tally.add x {p.bills:,})",
            f"{p.fold_ms:.1f} ms",
            f"{p.fold_per_bill_us:.0f} µs a bill",
        ),
        _row(f"debts() ({p.debts} pairs)", f"{p.debts_ms:.2f} ms"),
        _row(
            f"plan() {p.plan_method} ({p.plan_members} members, {p.plan_transfers} transfers)",
            f"{p.plan_ms:.2f} ms",
        ),
        _row(
            f"plan() exact, a tally of {p.plan_exact_members} ({p.plan_exact_transfers} transfers)",
            f"{p.plan_exact_ms:.2f} ms",
        ),
        _row(
            "to_data() + from_data() round trip",
            f"{p.round_trip_ms:.2f} ms",
            f"{p.to_data_ms:.2f} + {p.from_data_ms:.2f}; {p.tally_json_bytes:,} bytes "
            f"of JSON; equal after: {yes_no(p.round_trip_equal)}",
        ),
        _row(
            f"one more bill (Tally.add, {p.adds} times)",
            f"p50 {p.add_us['p50']:.0f} µs",
            f"p99 {p.add_us['p99']:.0f} µs",
        ),
        _row(
            f"stored-tally update per command ({p.update_cycles} times)",
            _pct(p.update_cycle_ms, "p50"),
            _pct(p.update_cycle_ms, "p99") + "   (from_data, add, debts, plan, to_data)",
        ),
        _row(
            f"replay {p.replay_events:,} events (history.replay)",
            f"{p.replay_ms:.1f} ms",
            f"same tally as the fold: {yes_no(p.replay_matches)}",
        ),
        _row("peak RSS of this process", f"{p.process_peak_rss_mb:.1f} MiB"),
    ]


def render(f: GroupsResult) -> str:
    """The figures as lines a person reads."""
    lines = [
        "",
        "ledgerbus bench groups" + (" (--quick)" if f.header.options.quick else ""),
        machine_line(asdict(f.header.machine)),
        "",
        *_in_process_lines(f.in_process),
    ]
    if f.http is not None:
        lines += _http_lines(f.http)
        lines += process_rows(f.http.memory_peak_mb, f.http.memory_peak_under_load_mb, "under load")
        lines += [
            "",
            f"  zero_sum: {yes_no(f.zero_sum)}",
            f"  database  {f.header.database}",
            f"  children's output: {f.log_file}",
        ]
    lines += [f"  took {f.elapsed_s:.0f} s", ""]
    return "\n".join(lines)


def _as_of_lines(past: AsOf, earlier: list[AsOf]) -> list[str]:
    lines = [
        _row(
            f"GET balances?as_of=now ({past.requests} reads, log folded)",
            _pct(past.latency_ms, "p50"),
            f"{_pct(past.latency_ms, 'p99')}  errors {past.errors}  ({DB})",
        ),
        f"    {past.events_folded} events folded by the splits actor; "
        f"same nets as the running balances: {yes_no(past.matches_current)}",
    ]
    if past.first_error:
        lines.append(f"    first error: {past.first_error}")
    for point in earlier:
        lines.append(
            _row(
                f"  as_of at {point.fraction or 0:.0%} of the load ({point.requests} reads)",
                _pct(point.latency_ms, "p50"),
                f"{_pct(point.latency_ms, 'p99')}  errors {point.errors}  "
                f"{point.events_folded} events folded  ({DB})",
            )
        )
        if point.first_error:
            lines.append(f"      first error: {point.first_error}")
    return lines


def _http_lines(h: HttpFigures) -> list[str]:
    load, bal, ex = h.load, h.balances, h.explain
    lines = [
        "",
        f"end to end ({DB}; edge, NATS JetStream, accounts and splits actors): "
        f"{h.members} members signed up in {h.sign_up_s:.1f} s, group made in "
        f"{h.group_setup_s:.1f} s",
        _row(
            f"add group expenses ({load.requested:,}, {h.clients} clients)",
            f"{load.commands_per_s:.1f} cmd/s",
            f"{p50_p99(load.latency_ms)}  202={load.pending_202} err={load.errors}  ({DB})",
        ),
        f"    created {h.expenses_created:,} of {h.expenses_requested:,} "
        f"(201: {load.created_201}, 202 applied later: {load.pending_accepted}, "
        f"rejected: {load.pending_rejected}); all applied after {load.applied_s:.1f} s "
        f"= {load.applied_per_s:.1f}/s; the group's stats count {h.expenses_in_group:,}",
    ]
    if load.first_error:
        lines.append(f"    first error: {load.first_error}")
    lines += [
        _row(
            f"GET balances ({bal.requests} reads of the running balances)",
            _pct(bal.latency_ms, "p50"),
            f"{_pct(bal.latency_ms, 'p99')}  errors {bal.errors}  {bal.bytes:,} bytes  ({DB})",
        ),
        f"    {bal.members} nets, {bal.debts} debts, {bal.plan} transfers in the plan; "
        f"zero_sum: {yes_no(bal.zero_sum)}; matches a local fold: {yes_no(bal.matches_local)}",
    ]
    if bal.first_error:
        lines.append(f"    first error: {bal.first_error}")
    lines += _as_of_lines(h.balances_as_of, h.balances_as_of_earlier)
    lines.append(
        _row(
            "GET balances/{user}/explain?limit=200 (once)",
            f"{ex.ms:.1f} ms",
            f"status {ex.status}, {ex.items} items  ({DB})",
        )
    )
    if ex.error:
        lines.append(f"    error: {ex.error}")
    return lines
