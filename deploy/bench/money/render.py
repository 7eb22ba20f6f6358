"""The figures of ``ledgerbus bench money`` as lines a person reads."""

from __future__ import annotations

from deploy.bench.money.results import MoneyResult


def render(figures: MoneyResult) -> str:
    """The in-process conversions, then each endpoint when it was measured."""
    lines = ["", "ledgerbus bench money", ""]
    local = figures.in_process
    lines.append(
        f"rate book: {local.book_days} days of ECB history, {local.book_mib} MiB in memory"
    )
    for r in local.results:
        lat = r.latency_us
        lines.append(
            f"  {r.name:<46} {r.per_s:>10,}/s   p50 {lat.get('p50')} µs  p99 {lat.get('p99')} µs"
        )
    if figures.http is not None:
        endpoints = (
            ("rates endpoint", figures.http.rates_endpoint),
            ("convert endpoint", figures.http.convert_endpoint),
        )
        for label, f in endpoints:
            lat = f.latency_ms or {}
            lines.append(
                f"  {label:<46} {f.per_s:>10}/s   p50 {lat.get('p50')} ms  "
                f"p99 {lat.get('p99')} ms  errors {f.errors}  (on SecantusDB stack, HTTP)"
            )
            if f.first_error:
                lines.append(f"    first error: {f.first_error}")
    return "\n".join(lines)
