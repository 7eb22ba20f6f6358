"""`ledgerbus fraud evaluate`: how well expenses are scored, on a labelled synthetic data set.

The data set comes from a seed (``tests/fraud/generator.py``): normal spending of many people,
with injected duplicates, outliers, bursts, amounts just under budget limits, reused receipts,
padded amounts and trip mismatches. The scorer sees only the API's entities (expenses,
receipts, trips, budgets) in the order they arrived, never the labels, and runs exactly the
fraud actor's rules (``actors.fraud``): each person's bounded profile, each expense's context,
bursts added to the earlier expenses they concern. Printed: precision, recall and F1 per
pattern (an expense counts for the pattern of the signal that weighs most in its flagged
score), the false positive rate on normal traffic, and the scorer's time per expense.

    python -m deploy.fraud_eval --seed 20261124
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from actors.fraud.facts import (
    Context,
    Limit,
    Observation,
    ReceiptUse,
    expense_of_key,
    observe_expense,
    receipt_facts,
    trip_facts,
)
from actors.fraud.profile import Profile, dump_profile, unlearn
from actors.fraud.scoring import Scored, escalated, score_expense
from actors.fraud.signals import Signal
from bus.settings import Settings
from deploy.bench.stats import percentile

DEFAULT_SEED = 20261124
DEFAULT_USERS = 300
DEFAULT_THRESHOLD: int = Settings.model_fields["fraud_flag_threshold"].default
F1_TARGET = 0.9
# What each signal is evidence of, in the data set's patterns.
PATTERN_OF_SIGNAL = {
    "duplicate": "duplicate",
    "outlier": "outlier",
    "velocity": "velocity",
    "limit_burst": "limit_burst",
    "receipt_reused": "receipt_reuse",
    "receipt_mismatch": "padding",
    "trip_mismatch": "trip_mismatch",
}
FALSE_POSITIVE_TARGET = 0.02


@dataclass(slots=True)
class Scores:
    """What the scorer holds at the end for one expense."""

    score: int
    signals: tuple[Signal, ...]

    @property
    def primary(self) -> Signal | None:
        return max(self.signals, key=lambda s: s.weight, default=None)


@dataclass
class Replay:
    """The fraud actor's state for the data set, in memory: profiles, risk records, and the
    entities its lookups would read."""

    threshold: int
    profiles: dict[str, Profile] = field(default_factory=dict)
    risks: dict[str, Scores] = field(default_factory=dict)
    receipt_of_risk: dict[str, str] = field(default_factory=dict)
    receipts: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    trips: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    limits: dict[str, list[Limit]] = field(default_factory=dict)
    homes: dict[str, str] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)  # risk key -> owner
    seconds: list[float] = field(default_factory=list)

    def feed(self, kind: str, owner: str, data: Mapping[str, Any]) -> None:
        if kind == "receipt":
            self.receipts[str(data["id"])] = data
        elif kind == "trip":
            self.trips[str(data["id"])] = data
        elif kind == "budget":
            self.limits.setdefault(owner, []).append(
                Limit(
                    str(data["id"]),
                    Decimal(str(data["amount"])),
                    str(data["currency"]),
                    frozenset(data.get("category_ids") or ()),
                )
            )
        elif kind == "expense":
            started = time.perf_counter()
            self.score(observe_expense(data, owner))
            self.seconds.append(time.perf_counter() - started)

    def context(self, obs: Observation) -> Context:
        home = self.homes.get(obs.owner)
        receipt = None
        if obs.receipt_id is not None and obs.receipt_id in self.receipts:
            found = self.receipts[obs.receipt_id]
            if found.get("owner_id") == obs.owner:
                receipt = receipt_facts(found)
        uses: list[ReceiptUse] = []
        if receipt is not None and receipt.duplicates:
            wanted = set(receipt.duplicates)
            uses = [
                ReceiptUse(rid, key, self.owners[key])
                for key, rid in self.receipt_of_risk.items()
                if rid in wanted and key != obs.key
            ]
        trip = trip_facts(self.trips[obs.trip_id]) if obs.trip_id in self.trips else None
        return Context(home, receipt, tuple(uses), trip, tuple(self.limits.get(obs.owner, ())))

    def score(self, obs: Observation) -> None:
        profile = self.profiles.get(obs.owner) or Profile(obs.owner)
        scored: Scored = score_expense(obs, profile, self.context(obs), self.threshold)
        self.risks[obs.key] = Scores(scored.assessment.score, scored.assessment.signals)
        self.owners[obs.key] = obs.owner
        if obs.receipt_id is not None:
            self.receipt_of_risk[obs.key] = obs.receipt_id
        profile = scored.profile
        for member, signal in scored.assessment.escalations:
            held = self.risks.get(member)
            found = escalated(held.signals, signal) if held is not None else None
            if found is None:
                continue
            self.risks[member] = Scores(found[1], found[0])
            if found[1] >= self.threshold:
                profile = unlearn(profile, member)
        self.profiles[obs.owner] = profile


@dataclass(frozen=True, slots=True)
class PatternResult:
    pattern: str
    labelled: int
    predicted: int
    hits: int

    @property
    def precision(self) -> float:
        return self.hits / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.hits / self.labelled if self.labelled else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True, slots=True)
class Report:
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


def predicted_pattern(scores: Scores, threshold: int) -> str | None:
    """The pattern a flagged score is evidence of (its strongest signal's); None if not flagged."""
    if scores.score < threshold:
        return None
    primary = scores.primary
    return PATTERN_OF_SIGNAL.get(primary.name, "other") if primary is not None else "other"


def judge(
    replay: Replay, labels: Mapping[str, str], patterns: Sequence[str]
) -> tuple[tuple[PatternResult, ...], int, int, dict[tuple[str, str], int]]:
    predictions = {key: predicted_pattern(s, replay.threshold) for key, s in replay.risks.items()}
    truth = {key: labels.get(expense_of_key(key)) for key in replay.risks}
    results = []
    for pattern in patterns:
        labelled = sum(1 for t in truth.values() if t == pattern)
        predicted = sum(1 for p in predictions.values() if p == pattern)
        hits = sum(1 for k, p in predictions.items() if p == pattern and truth[k] == pattern)
        results.append(PatternResult(pattern, labelled, predicted, hits))
    normal = [k for k, t in truth.items() if t is None]
    false_positives = sum(1 for k in normal if predictions[k] is not None)
    confusion = Counter(
        (truth[k] or "normal", predictions[k] or "not flagged")
        for k in replay.risks
        if (truth[k] or None) != predictions[k]
    )
    return tuple(results), len(normal), false_positives, dict(confusion)


def _load_generator() -> Any:
    try:
        from tests.fraud import generator
    except ImportError as exc:  # an installed copy without the repository's tests
        raise SystemExit(
            "the fraud data generator (tests/fraud) is not importable: run from the repository"
        ) from exc
    return generator


def evaluate(seed: int, users: int, out: IO[str], threshold: int = DEFAULT_THRESHOLD) -> Report:
    """Generate the data set, replay it through the scorer, print the table and targets."""
    generator = _load_generator()
    dataset = generator.generate(seed, users=users)
    replay = Replay(threshold)
    for user in dataset.users:
        replay.homes[user.id] = user.home_currency
    for item in dataset.stream:
        replay.feed(item.kind, item.owner_id, item.data)
    patterns, normal, false_positives, confusion = judge(replay, dataset.labels, generator.PATTERNS)
    biggest = max((len(json.dumps(dump_profile(p))) for p in replay.profiles.values()), default=0)
    report = Report(
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
    print_report(report, out)
    return report


def print_report(report: Report, out: IO[str]) -> None:
    out.write(
        f"seed {report.seed}: {report.users} people, {report.expenses} expenses "
        f"({report.normal} normal), threshold {report.threshold}\n\n"
    )
    out.write(
        f"{'pattern':<15}{'labelled':>9}{'flagged':>9}{'precision':>11}{'recall':>9}{'F1':>8}\n"
    )
    for p in report.patterns:
        mark = "" if p.f1 >= F1_TARGET else "   below 0.9"
        out.write(
            f"{p.pattern:<15}{p.labelled:>9}{p.predicted:>9}{p.precision:>11.3f}"
            f"{p.recall:>9.3f}{p.f1:>8.3f}{mark}\n"
        )
    rate = report.false_positive_rate
    out.write(
        f"\nfalse positives on normal traffic: {report.false_positives} of {report.normal} "
        f"({rate:.2%}; target at most {FALSE_POSITIVE_TARGET:.0%})\n"
    )
    if report.confusion:
        out.write("mistakes (labelled -> flagged as): ")
        worst = sorted(report.confusion.items(), key=lambda kv: -kv[1])[:8]
        out.write(", ".join(f"{a}->{b} {n}" for (a, b), n in worst) + "\n")
    ms = sorted(s * 1000 for s in report.seconds)
    out.write(
        f"scoring one expense (rules only, no I/O): p50 {percentile(ms, 50):.2f} ms, "
        f"p99 {percentile(ms, 99):.2f} ms; largest profile {report.profile_bytes_max:,} bytes\n"
    )
    out.write("targets: " + ("met" if report.passed else "MISSED") + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="ledgerbus fraud evaluate",
        description="Precision, recall and F1 per injected pattern on a labelled data set.",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--users", type=int, default=DEFAULT_USERS)
    parser.add_argument("--threshold", type=int, default=DEFAULT_THRESHOLD)
    args = parser.parse_args(argv)
    if args.users < 10:
        parser.error("--users must be at least 10")
    report = evaluate(args.seed, args.users, sys.stdout, args.threshold)
    return 0 if report.passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
