"""The figures of ``ledgerbus bench sync`` as lines a person reads (the JSON holds the same and
more)."""

from __future__ import annotations

import json
from dataclasses import asdict

from deploy.bench.sync.results import BatchFigures, FeedFigures, HeadsFigures, SyncResult
from deploy.bench.table import machine_line, p50_p99, process_rows, yes_no

DB = "on SecantusDB"


def _row(label: str, figure: str, note: str = "") -> str:
    return f"  {label:<50} {figure:>16}" + (f"   {note}" if note else "")


def _batch_lines(label: str, b: BatchFigures) -> list[str]:
    lines = [
        _row(
            label,
            f"{b.commands_per_s:,.1f} cmd/s",
            f"{b.batches_per_s:.2f} batches/s  {p50_p99(b.latency_ms, ' a batch')}",
        ),
        f"    first pass in {b.duration_s:.1f} s: accepted {b.accepted:,}, rejected "
        f"{b.rejected}, pending {b.pending}, deferred {b.deferred}; HTTP errors "
        f"{b.http_errors}; {b.per_command_ms_p50 or 0:.2f} ms a command within a batch (p50)",
        f"    {b.resent_batches} batches sent again ({b.resend_rounds} rounds); "
        f"{b.final.accepted:,} of {b.commands:,} accepted after {b.settled_s:.1f} s"
        + (f"; {b.unsettled_batches} batches still unsettled" if b.unsettled_batches else ""),
    ]
    if b.first_error:
        lines.append(f"    first error: {b.first_error}")
    if b.first_rejection:
        lines.append(f"    first rejection: {json.dumps(b.first_rejection)[:500]}")
    return lines


def _feed_lines(label: str, r: FeedFigures) -> list[str]:
    lines = [
        _row(
            label,
            f"{r.events_per_s:,.0f} events/s",
            f"{p50_p99(r.page_latency_ms, ' a page')}  {r.pages} pages, "
            f"{r.bytes_per_page:,} bytes each, errors {r.errors}, "
            f"gapless: {yes_no(r.gapless)}",
        )
    ]
    if r.first_error:
        lines.append(f"    first error: {r.first_error}")
    return lines


def _heads_line(heads: HeadsFigures) -> str:
    latency = heads.latency_ms
    return (
        _row(
            f"GET /v1/sync/heads ({heads.requests} times, {heads.scopes} "
            f"scope{'s' if heads.scopes != 1 else ''} each)",
            f"p50 {latency['p50']:.1f} ms" if latency else "-",
            f"p99 {latency['p99']:.1f} ms" if latency else "",
        )
        + f"  errors {heads.errors}  ({DB})"
    )


def render(f: SyncResult) -> str:
    """The figures as lines a person reads."""
    o, h = f.header.options, f.http
    limits = h.write_limits
    many, one = h.batches_concurrent, h.batches_single
    fone, fmany, c = h.feed_single, h.feed_concurrent, h.catch_up
    lines = [
        "",
        "ledgerbus bench sync" + (" (--quick)" if o.quick else ""),
        machine_line(asdict(f.header.machine)),
        "  stack     edge (HTTP and Socket.IO on one port), NATS JetStream, accounts and "
        "expenses actors",
        f"  writes    per user {limits['LEDGERBUS_WRITES_PER_USER_S']}/s, burst "
        f"{limits['LEDGERBUS_WRITES_BURST']} (set for this run, so the limiter never answers)",
        f"  {h.users} users signed up in {h.sign_up_s:.1f} s",
        "",
        f"batches of expense.create: POST /v1/sync/commands ({DB})",
        *_batch_lines(f"{many.clients} clients, {many.batches} batches of {many.batch_size}", many),
        *_batch_lines(f"1 device, {one.batches} sequential batches of {one.batch_size}", one),
        "",
        f"change feed: GET /v1/sync/changes?limit={fone.page_limit} from 0 ({DB})",
        *_feed_lines(f"1 reader, a feed of {fone.head:,} events (x{fone.reads_each})", fone),
        *_feed_lines(
            f"{fmany.readers} readers at once, own feeds of ~{fmany.head:,} (x{fmany.reads_each})",
            fmany,
        ),
        _heads_line(h.heads),
        "",
        f"catch-up over Socket.IO: sync.resume from 0 by a device that missed {c.head:,} "
        f"events ({DB})",
        _row("until the ack", f"{c.ack_s:.2f} s", f"ack status {c.ack_status}"),
        _row(
            "until the last event arrived",
            f"{c.last_event_s:.2f} s",
            f"{c.events_per_s:,.0f} events/s; first event after {c.first_event_ms:.0f} ms; "
            f"connect {c.connect_ms:.0f} ms",
        ),
        f"    received {c.received:,} of head {c.head:,}: gapless: {yes_no(c.gapless)} "
        f"(in order: {yes_no(c.in_order)}, duplicates {c.duplicates}, missing "
        f"{c.missing}, unexpected {c.unexpected})",
    ]
    if c.ack is not None:
        lines.append(f"    ack: {json.dumps(c.ack)[:500]}")
    lines += process_rows(h.memory_peak_mb, h.memory_peak_under_load_mb, "under load")
    lines += [
        f"  {'bench (this process)':<20} {f.process_peak_rss_mb:>12.1f}",
        "  ('under load': while the batches were sent)",
        "",
        f"  gapless: {yes_no(f.gapless)}",
        f"  database  {f.header.database}",
        f"  children's output: {f.log_file}",
        f"  took {f.elapsed_s:.0f} s",
        "",
    ]
    return "\n".join(lines)
