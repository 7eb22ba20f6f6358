"""The figures of ``ledgerbus bench receipts`` as lines a person reads (the JSON holds the same
and more)."""

from __future__ import annotations

from dataclasses import asdict

from deploy.bench.memory import BENCH, MACHINE, OTHERS
from deploy.bench.receipts.phases import STALL_S
from deploy.bench.receipts.results import (
    AloneFigures,
    HttpFigures,
    LateFigures,
    OutcomeFigures,
    ReceiptsResult,
    UploadFigures,
)
from deploy.bench.table import cpu_line, latency_columns, latency_line, machine_line

DB = "on SecantusDB"
WIDTH = 44
SCANNED_ON_DEVICE = "upload -> receipt.scanned on the device"


def _row(label: str, count: str, latency: dict[str, float] | None, note: str = "") -> str:
    return latency_line(label, count, latency, note, WIDTH)


def _head(title: str) -> list[str]:
    return ["", title, latency_columns(WIDTH)]


def _counts(counts: dict[str, int], what: str = "") -> str:
    return ", ".join(f"{what}{k}: {n}" for k, n in counts.items())


def _uploads(label: str, u: UploadFigures, note: str = "", details: bool = True) -> list[str]:
    lines = [_row(label, f"{u.accepted}/{u.uploads}", u.latency_ms, note)]
    if details and (u.errors or u.recorded_late):
        statuses = _counts(u.error_statuses, "HTTP ")
        lines.append(
            f"    errors {u.errors}" + (f" ({statuses})" if statuses else "") + "; answered "
            f"202 before the receipt was recorded: {u.recorded_late}"
        )
    if details and u.first_error:
        lines.append(f"    first error: {u.first_error}")
    return lines


def _outcomes(label: str, r: OutcomeFigures) -> list[str]:
    lines = [_row(label, f"{r.scanned}/{r.accepted}", r.scanned_ms)]
    if r.failed or r.missing:
        lines.append(
            f"    failed {r.failed}"
            + (f" ({_counts(r.failure_reasons)})" if r.failure_reasons else "")
            + f", no outcome on the device {r.missing}"
        )
    return lines


def _stack(f: ReceiptsResult) -> list[str]:
    """The title, the machine, the stack, the receipts, the write limits and the users."""
    o, h, img = f.header.options, f.http, f.images
    limits = h.write_limits
    return [
        "",
        "ledgerbus bench receipts" + (" (--quick)" if o.quick else ""),
        machine_line(asdict(f.header.machine)),
        "  stack     edge (HTTP and Socket.IO on one port), NATS JetStream, accounts actor, and "
        f"1 ocr process reading with Tesseract in {h.ocr_workers} threads (LEDGERBUS_OCR_WORKERS)",
        f"  receipts  synthetic (deploy.synthetic.receipts, seed {o.seed}), each a different "
        f"one: {img.count - img.degraded} clean PNG, {img.degraded} degraded JPEG; "
        f"{img.mean_kb:.0f} KiB on average, rendered in {img.render_s:.1f} s before "
        "anything was timed",
        f"  writes    per user {limits['LEDGERBUS_WRITES_PER_USER_S']}/s, burst "
        f"{limits['LEDGERBUS_WRITES_BURST']} (set for this run, so the limiter never answers); "
        f"the edge waits {h.outcome_wait_s:g} s for a receipt to be recorded",
        f"  {h.users} users signed up in {h.sign_up_s:.1f} s; {h.devices} Socket.IO "
        f"devices (one each) connected in {h.devices_connect_s:.1f} s",
    ]


def _alone(a: AloneFigures) -> list[str]:
    """Tesseract alone, when any receipt was read so."""
    if not a.count:
        return []
    lines = _head(
        "Tesseract alone: one receipt at a time in this process, before the stack started"
    )
    for k, label in ((a.clean, "clean PNG"), (a.degraded, "degraded JPEG")):
        if k is None:
            continue
        note = f"totals read right {k.totals_right}/{a.count}" + (
            f", unreadable {k.failed}" if k.failed else ""
        )
        lines.append(_row(label, f"{a.count}", k.read_ms, note))
    return lines


def _idle(h: HttpFigures) -> list[str]:
    """One at a time, the ocr process idle."""
    return [
        *_head(f"one at a time, the ocr process idle ({DB}): each uploaded once the last was read"),
        *_uploads("POST /v1/receipts answered 202, OCR idle", h.idle.uploads),
        *_outcomes(SCANNED_ON_DEVICE, h.idle.outcomes),
    ]


def _arrivals(h: HttpFigures) -> list[str]:
    """Arrivals at a fixed rate, and the target."""
    arr, t = h.arrivals, h.arrivals.target
    verdict = "MET" if t.met else "MISSED"
    p95 = f"{t.p95_ms:.0f} ms" if t.p95_ms is not None else "none scanned"
    missing = arr.outcomes.missing
    return [
        *_head(
            f"receipts arriving at {arr.rate:g}/s for {arr.duration_s:g} s, one user and its "
            f"device, 1 ocr process ({DB})"
        ),
        *_outcomes(SCANNED_ON_DEVICE, arr.outcomes),
        *_uploads("POST /v1/receipts answered 202", arr.uploads),
        f"  target: p95 under {t.p95_ms_under:.0f} ms on one ocr process: {verdict} "
        f"(p95 {p95}" + (f", {missing} without an outcome" if missing else "") + ")",
        f"    sends more than 10 ms late: {arr.late_sends}; CPU % of one core: "
        f"{cpu_line(arr.cpu_percent)}",
    ]


def _saturation(f: ReceiptsResult) -> list[str]:
    """Saturation: the receipts read per second, then the uploads' latency."""
    h, sat = f.http, f.http.saturation
    processed, every = sat.scanned + sat.failed, sat.all_read
    return [
        "",
        f"saturation: {sat.owners} users upload {f.header.options.backlog} receipts as fast as "
        f"they can (one upload after another each), and meanwhile a probe user at "
        f"{sat.probe.rate:g}/s ({DB})",
        f"  {'receipts read by 1 ocr process':<44} {sat.receipts_per_s:>9.2f} receipts/s   "
        f"{sat.scanned} scanned"
        + (f" (+{sat.failed} failed: {sat.outcomes_per_s:.2f}/s)" if sat.failed else "")
        + f" in {sat.duration_s:.1f} s, first upload to last read",
        f"    of the {sat.read_requested_at_once} receipts whose read the edge requested at "
        f"once; no outcome: {sat.missing}"
        + (f" (waited until none came for {STALL_S:g} s)" if sat.missing else ""),
        f"    per receipt: {sat.ocr_cpu_s_per_receipt or 0:.2f} CPU s of the ocr process; "
        f"{h.ocr_workers} workers x {sat.duration_s:.1f} s / {processed} = "
        f"{sat.worker_s_per_receipt or 0:.2f} s of a worker",
        f"  {'all of them read, the sweeper included':<44} {every.receipts_per_s:>9.2f} "
        f"receipts/s   {every.scanned} scanned of {every.receipts} (outcomes "
        f"{every.read}) in {every.seconds:.1f} s from the first upload",
        latency_columns(WIDTH),
        *_saturated_uploads(h),
    ]


def _saturated_uploads(h: HttpFigures) -> list[str]:
    """The uploads of the backlog and of the probe, beside those with the ocr process idle."""
    sat, probe = h.saturation, h.saturation.probe
    waiting = probe.waiting_when_sent
    spread = f"{waiting[0]} to {waiting[-1]} reads waiting when sent" if waiting else "none sent"
    return [
        *_uploads(
            f"uploads of the backlog ({sat.owners} clients flat out)",
            sat.backlog,
            f"all sent in {sat.backlog_upload_s:.1f} s",
        ),
        *_uploads(f"uploads meanwhile (probe, {probe.rate:g}/s)", probe, spread),
        *_uploads("uploads with the ocr process idle (above)", h.idle.uploads, details=False),
        *_outcomes("upload -> receipt.scanned, backlog and probe", sat.outcomes),
        f"    CPU % of one core: {cpu_line(sat.cpu_percent)}",
    ]


def _late(h: HttpFigures, late: LateFigures) -> list[str]:
    """The receipts answered before the ocr actor recorded them, when there were any."""
    if not late.accepted:
        return []
    return [
        "",
        f"answered before the ocr actor recorded them (after {h.outcome_wait_s:g} s): "
        f"{late.accepted} receipts, read only once the sweeper requested it (pending "
        f"{h.ocr_retry_after_s:g} s, swept every {h.ocr_sweep_s:g} s; waited up to "
        f"{late.waited_up_to_s:g} s)",
        *_outcomes(SCANNED_ON_DEVICE, late),
    ]


def _final(h: HttpFigures) -> list[str]:
    """Every receipt read back, and the totals read as printed."""
    final, acc = h.final, h.accuracy
    shown = ", ".join(f"{k} {v}" for k, v in final.statuses.items())
    return [
        "",
        f"every receipt uploaded, read back (GET /v1/receipts/{{id}}): {shown} "
        f"(of {final.uploaded})",
        f"totals read as printed: clean {acc.clean.totals_right}/{acc.clean.scanned} scanned, "
        f"degraded {acc.degraded.totals_right}/{acc.degraded.scanned} scanned",
    ]


def _processes(f: ReceiptsResult) -> list[str]:
    """Peak memory of every process, overall and saturated, and CPU use in 2 and 3."""
    h = f.http
    lines = [
        "",
        f"  {'process':<20} {'peak RSS MiB':>12} {'saturated':>10} {'CPU% 1/s':>9} "
        f"{'CPU% sat.':>9}",
    ]
    rows: list[tuple[str, float | None]] = [
        *h.memory_peak_mb.items(),
        (BENCH, f.process_peak_rss_mb),
        (MACHINE, None),
        (OTHERS, None),
    ]
    for name, mb in rows:
        cpu = [c.get(name) for c in (h.arrivals.cpu_percent, h.saturation.cpu_percent)]
        text = [f"{c:.0f}" if c is not None else "-" for c in cpu]
        rss = f"{mb:.1f}" if mb is not None else ""
        busy = (
            f"{h.memory_peak_saturated_mb[name]:.1f}" if name in h.memory_peak_saturated_mb else ""
        )
        lines.append(f"  {name:<20} {rss:>12} {busy:>10} {text[0]:>9} {text[1]:>9}")
    return lines


def _footer(f: ReceiptsResult) -> list[str]:
    cores = f.header.machine.cores_logical
    return [
        f"  ('{BENCH}' is this process: it rendered the receipts, read some with Tesseract, "
        "uploads and listens; 'saturated': while the backlog was uploaded and read; the edge's "
        "peak is at sign-up, whose argon2id hashing takes 64 MiB per password)",
        f"  (CPU% is of one core; {cores} cores = {100 * cores}; "
        f"a large '{OTHERS}' means other work skewed the figures)",
        "",
        f"  database  {f.header.database}",
        f"  children's output: {f.log_file}",
        f"  took {f.elapsed_s:.0f} s",
        "",
    ]


def render(f: ReceiptsResult) -> str:
    """The figures as lines a person reads (the JSON holds the same and more)."""
    h = f.http
    lines = [
        *_stack(f),
        *_alone(f.alone),
        *_idle(h),
        *_arrivals(h),
        *_saturation(f),
        *_late(h, h.late),
        *_final(h),
        *_processes(f),
        *_footer(f),
    ]
    return "\n".join(lines)
