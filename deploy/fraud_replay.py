"""Replaying a labelled data set through the fraud actor's own rules, in memory, and judging it.

The scorer sees only the API's entities (expenses, group bills, receipts, trips, budgets) in the
order they arrived, never the labels: each person's bounded profile, each expense's context
(its receipt, trip, the owner's budgets and category name), bursts added to the earlier
expenses they concern, exactly as ``actors.fraud`` does against the database.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from actors.fraud.evidence import Signal
from actors.fraud.facts import (
    Context,
    Limit,
    Observation,
    ReceiptUse,
    expense_of_key,
    observe_expense,
    observe_group_expense,
    receipt_facts,
    trip_facts,
)
from actors.fraud.profile import Profile, unlearn
from actors.fraud.scoring import Scored, escalated, score_expense

F1_TARGET = 0.9
FALSE_POSITIVE_TARGET = 0.01

# What each signal is evidence of, in the data sets' patterns.
PATTERN_OF_SIGNAL = {
    "duplicate": "duplicate",
    "outlier": "outlier",
    "velocity": "velocity",
    "limit_burst": "limit_burst",
    "receipt_reused": "receipt_reuse",
    "receipt_mismatch": "padding",
    "trip_mismatch": "trip_mismatch",
}


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
    category_names: dict[str, str] = field(default_factory=dict)  # category id -> name
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
        elif kind == "group_expense" and data.get("kind", "expense") == "expense":
            started = time.perf_counter()
            self.score(observe_group_expense(data, self.homes.get(owner)))
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
        if obs.group_id is not None:
            name = obs.group_label
        else:
            name = self.category_names.get(obs.category or "")
        limits = tuple(self.limits.get(obs.owner, ()))
        return Context(home, receipt, tuple(uses), trip, limits, category_name=name)

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


def print_patterns(
    patterns: Sequence[PatternResult], confusion: Mapping[tuple[str, str], int], out: IO[str]
) -> None:
    """Each pattern's precision, recall and F1, and the commonest mistakes."""
    out.write(
        f"  {'pattern':<15}{'labelled':>9}{'flagged':>9}{'precision':>11}{'recall':>9}{'F1':>8}\n"
    )
    for p in patterns:
        mark = "" if p.f1 >= F1_TARGET else "   below 0.9"
        out.write(
            f"  {p.pattern:<15}{p.labelled:>9}{p.predicted:>9}{p.precision:>11.3f}"
            f"{p.recall:>9.3f}{p.f1:>8.3f}{mark}\n"
        )
    if confusion:
        worst = sorted(confusion.items(), key=lambda kv: -kv[1])[:8]
        out.write("  mistakes: " + ", ".join(f"{a}->{b} {n}" for (a, b), n in worst) + "\n")
