"""What one live fraud evaluation measured and judged (:class:`LiveRun`), and how it is printed:
posting, the delay from each accepted answer to its risk record committed, the largest backlog,
whether every expense got exactly one record at its version, the live and offline tables, and
where the two scorers part."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import IO, Any

from actors.fraud.facts import expense_of_key
from deploy.bench.stats import percentile
from deploy.fraud_live_clients import Posting
from deploy.fraud_live_judge import Comparison, Table, print_comparison, print_table
from deploy.fraud_replay import Replay


@dataclass
class LiveRun:
    """Everything measured and judged in one run."""

    name: str
    people: int
    posted: Counter[str]  # items posted, by kind
    skipped: Counter[str]  # items of the data set not posted, by kind
    groups: int
    posting: Posting
    waits: int
    commit_method: str
    committed: dict[str, float]  # risk key -> first commit seen (perf_counter)
    missing: list[str]
    backlog: int | None
    backlog_error: str | None
    records: dict[str, dict[str, Any]]
    per_expense: Counter[str]
    live: Table
    offline: Table
    comparison: Comparison
    live_scores: Replay
    offline_scores: Replay
    labels: dict[str, str]

    @property
    def wrong_records(self) -> list[str]:
        """Accepted expenses without exactly one record at the version they were answered at."""
        return [
            key
            for key, version in self.posting.versions.items()
            if self.per_expense[expense_of_key(key)] != 1
            or key not in self.records
            or self.records[key].get("expense_version") != version
            or self.records[key].get("deleted")
        ]


def print_live(run: LiveRun, out: IO[str]) -> None:
    p = run.posting
    posted_s = p.ended - p.started
    bills = run.posted.get("group_expense", 0)
    skipped = ", ".join(f"{n} {k}" for k, n in sorted(run.skipped.items())) or "nothing"
    out.write(
        f"\n{run.name}: {run.people} people; posted {run.posted['expense']:,} expenses and "
        f"{bills} group bills ({run.groups} groups); not posted: {skipped}\n"
    )
    out.write(
        f"  accepted {len(p.accepted):,} in {posted_s:.1f} s ({len(p.accepted) / posted_s:.1f}/s"
        f"), {p.pending} of them answered 202; refused {len(p.refused)}; "
        f"{run.waits} answers said to come back later\n"
    )
    for key, why in list(p.refused.items())[:3]:
        out.write(f"    refused {key}: {why}\n")
    delays = sorted(
        (run.committed[k] - at) * 1000 for k, at in p.accepted.items() if k in run.committed
    )
    early = sum(1 for d in delays if d < 0)
    if delays:
        out.write(
            f"  accepted answer -> risk record committed ({run.commit_method}, {len(delays):,}"
            f" records): p50 {percentile(delays, 50):.0f} ms, p95 {percentile(delays, 95):.0f}"
            f" ms, max {delays[-1]:.0f} ms ({early} committed before their answer arrived)\n"
        )
        last = max(run.committed[k] for k in p.accepted if k in run.committed)
        out.write(
            f"  last risk record: {last - p.started:.1f} s after the first post, "
            f"{last - p.ended:.1f} s after the last answer\n"
        )
    backlog = f"{run.backlog:,} events" if run.backlog is not None else f"n/a ({run.backlog_error})"
    out.write(f"  largest backlog of the fraud consumers (pending + unacked): {backlog}\n")
    wrong = run.wrong_records
    out.write(
        f"  risk records: {len(p.accepted) - len(wrong):,} of {len(p.accepted):,} accepted have "
        f"exactly one record at their version; {len(run.missing)} never came\n"
    )
    print_table(
        "live (risk records of the running fraud actor; server's created_at)", run.live, out
    )
    print_table("offline replay of the same items (generator's created_at)", run.offline, out)
    print_comparison(run.comparison, run.live_scores, run.offline_scores, run.labels, out)
