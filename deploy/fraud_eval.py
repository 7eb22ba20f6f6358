"""`ledgerbus fraud evaluate`: how well expenses are scored, on labelled data sets the scorer was
not tuned on.

Each data set comes from a generator and a seed (:mod:`deploy.synthetic.fraud`). The generators
differ in shape — ``classic`` (many people with receipts, trips, budgets and groups, every
pattern), ``lognormal`` (heavy-tailed spending, paydays and seasons, several currencies,
subscriptions), ``statements`` (hand-typed, receipt-read and statement-imported expenses side
by side, shared cards in groups, fraud in the last days) — and were written apart from the
scorer. Every generator has seeds tuning may use and held-out seeds it never uses; by default
only the held-out ones run. The scorer sees only the API's entities in the order they arrived
(``deploy.fraud_replay``). Printed per generator and seed: precision, recall and F1 per pattern
(an expense counts for the pattern of the signal that weighs most in its flagged score) and the
share of normal expenses flagged; the targets must hold on every data set, not on average.

    ledgerbus fraud evaluate                      # every generator, held-out seeds
    ledgerbus fraud evaluate --generator statements --seed 7 --users 30
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import IO

from actors.fraud.profile import dump_profile
from bus.settings import Settings
from deploy.bench.stats import percentile
from deploy.fraud_replay import (
    F1_TARGET,
    FALSE_POSITIVE_TARGET,
    PatternResult,
    Replay,
    judge,
    print_patterns,
)
from deploy.synthetic.fraud import catalog

DEFAULT_USERS = 120
DEFAULT_THRESHOLD: int = Settings.model_fields["fraud_flag_threshold"].default


@dataclass(frozen=True, slots=True)
class Report:
    generator: str
    seed: int
    threshold: int
    users: int
    expenses: int
    normal: int
    false_positives: int
    patterns: tuple[PatternResult, ...]
    confusion: dict[tuple[str, str], int]  # (label, predicted) for the mistakes
    seconds: tuple[float, ...]
    profile_bytes_max: int

    @property
    def false_positive_rate(self) -> float:
        return self.false_positives / self.normal if self.normal else 0.0

    @property
    def passed(self) -> bool:
        return self.false_positive_rate <= FALSE_POSITIVE_TARGET and all(
            p.f1 >= F1_TARGET for p in self.patterns
        )


def evaluate(generator: str, seed: int, users: int, threshold: int = DEFAULT_THRESHOLD) -> Report:
    """Generate one data set and replay it through the scorer."""
    dataset = catalog.GENERATORS[generator](seed, users=users)
    replay = Replay(threshold)
    for user in dataset.users:
        replay.homes[user.id] = user.home_currency
        replay.category_names.update(user.categories)
    for item in dataset.stream:
        replay.feed(item.kind, item.owner_id, item.data)
    patterns, normal, false_positives, confusion = judge(
        replay, dataset.labels, catalog.PATTERNS_OF[generator]
    )
    biggest = max((len(json.dumps(dump_profile(p))) for p in replay.profiles.values()), default=0)
    return Report(
        generator=generator,
        seed=seed,
        threshold=threshold,
        users=len(dataset.users),
        expenses=len(replay.risks),
        normal=normal,
        false_positives=false_positives,
        patterns=patterns,
        confusion=confusion,
        seconds=tuple(replay.seconds),
        profile_bytes_max=biggest,
    )


def print_report(report: Report, out: IO[str]) -> None:
    out.write(
        f"{report.generator}, seed {report.seed}: {report.users} people, {report.expenses} "
        f"expenses ({report.normal} normal), threshold {report.threshold}\n"
    )
    print_patterns(report.patterns, report.confusion, out)
    rate = report.false_positive_rate
    mark = "" if rate <= FALSE_POSITIVE_TARGET else "   over 1%"
    out.write(f"  normal flagged: {report.false_positives} of {report.normal} ({rate:.2%}){mark}\n")
    ms = sorted(s * 1000 for s in report.seconds)
    out.write(
        f"  scoring one expense (rules only): p50 {percentile(ms, 50):.2f} ms, p99 "
        f"{percentile(ms, 99):.2f} ms; largest profile {report.profile_bytes_max:,} bytes\n\n"
    )


def print_summary(reports: Sequence[Report], out: IO[str]) -> None:
    """One line per data set: the share of normal flagged and each pattern's F1."""
    patterns = sorted({p.pattern for r in reports for p in r.patterns})
    out.write(f"{'generator':<12}{'seed':>12}{'normal flagged':>16}")
    out.write("".join(f"{p[:13]:>14}" for p in patterns) + "\n")
    for r in reports:
        f1 = {p.pattern: p.f1 for p in r.patterns}
        cells = "".join(f"{f1[p]:>14.3f}" if p in f1 else f"{'-':>14}" for p in patterns)
        out.write(f"{r.generator:<12}{r.seed:>12}{r.false_positive_rate:>16.2%}{cells}\n")
    passed = all(r.passed for r in reports)
    out.write(
        f"\ntargets (every data set: F1 >= {F1_TARGET} per pattern, at most "
        f"{FALSE_POSITIVE_TARGET:.0%} of normal flagged): " + ("met" if passed else "MISSED") + "\n"
    )


def _run(job: tuple[str, int, int, int]) -> Report:
    return evaluate(*job)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="ledgerbus fraud evaluate",
        description="Precision, recall and F1 per injected pattern on labelled data sets.",
    )
    parser.add_argument(
        "--generator",
        action="append",
        choices=sorted(catalog.GENERATORS),
        help="a generator (repeat for several; default: all)",
    )
    parser.add_argument(
        "--seed", type=int, action="append", help="a seed (repeat; default: the held-out seeds)"
    )
    parser.add_argument(
        "--tuning", action="store_true", help="the seeds tuning may use instead of held-out ones"
    )
    parser.add_argument("--users", type=int, default=DEFAULT_USERS)
    parser.add_argument("--threshold", type=int, default=DEFAULT_THRESHOLD)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    if args.users < 10:
        parser.error("--users must be at least 10")
    generators = args.generator or sorted(catalog.GENERATORS)
    pool = catalog.TUNING_SEEDS if args.tuning else catalog.HELD_OUT_SEEDS
    jobs = [
        (name, seed, args.users, args.threshold)
        for name in generators
        for seed in (args.seed or pool[name])
    ]
    with ProcessPoolExecutor(max_workers=max(1, min(args.jobs, len(jobs)))) as workers:
        reports = list(workers.map(_run, jobs))
    for report in reports:
        print_report(report, sys.stdout)
    print_summary(reports, sys.stdout)
    return 0 if all(r.passed for r in reports) else 1


if __name__ == "__main__":
    raise SystemExit(main())
