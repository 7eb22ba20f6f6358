"""Judging the live run: the risk records the fraud actor left, read as the offline replay's
scores, judged against the data set's labels exactly as ``ledgerbus fraud evaluate`` judges the
replay (:func:`deploy.fraud_replay.judge`), and compared expense by expense with the offline
replay of the same items.

The two differ by design in one input: the server stamps ``created_at`` itself, so live every
expense is recorded within minutes of the others (months after its purchase time), while the
offline replay uses the generator's arrival moments spread over the period.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

from actors.fraud.facts import expense_of_key
from actors.fraud.scoring import load_signals
from deploy.fraud_replay import (
    PatternResult,
    Replay,
    Scores,
    judge,
    predicted_pattern,
    print_patterns,
)

EXAMPLES = 6


@dataclass(frozen=True, slots=True)
class Table:
    """One scorer's results on the data set, as ``fraud evaluate`` prints them."""

    patterns: tuple[PatternResult, ...]
    normal: int
    false_positives: int
    confusion: dict[tuple[str, str], int]

    @property
    def false_positive_rate(self) -> float:
        return self.false_positives / self.normal if self.normal else 0.0


def live_replay(records: Mapping[str, Mapping[str, Any]], threshold: int) -> Replay:
    """A replay holding the live risk records as its scores (tombstones left out)."""
    replay = Replay(threshold)
    for key, doc in records.items():
        if not doc.get("deleted"):
            replay.risks[key] = Scores(int(doc.get("score") or 0), load_signals(doc["signals"]))
    return replay


def offline_replay(users: Iterable[Any], items: Iterable[Any], threshold: int) -> Replay:
    """The same items through the scorer's rules in memory, at the generator's moments."""
    replay = Replay(threshold)
    for user in users:
        replay.homes[user.id] = user.home_currency
        replay.category_names.update(user.categories)
    for item in items:
        replay.feed(item.kind, item.owner_id, item.data)
    return replay


def table(replay: Replay, labels: Mapping[str, str], patterns: Sequence[str]) -> Table:
    results, normal, false_positives, confusion = judge(replay, labels, patterns)
    return Table(results, normal, false_positives, confusion)


def print_table(title: str, t: Table, out: IO[str]) -> None:
    out.write(f"{title}\n")
    print_patterns(t.patterns, t.confusion, out)
    out.write(
        f"  normal flagged: {t.false_positives} of {t.normal} ({t.false_positive_rate:.2%})\n"
    )


@dataclass(frozen=True, slots=True)
class Comparison:
    """Where the live and offline scorers part: keys flagged by one only, keys flagged by both
    for different patterns, and keys one of them never scored."""

    compared: int
    live_only: tuple[str, ...]
    offline_only: tuple[str, ...]
    other_pattern: tuple[str, ...]
    unscored: tuple[str, ...]

    @property
    def flagged_differently(self) -> int:
        return len(self.live_only) + len(self.offline_only)

    @property
    def agreement(self) -> float:
        return 1.0 - self.flagged_differently / self.compared if self.compared else 0.0


def compare(live: Replay, offline: Replay) -> Comparison:
    keys = sorted(set(live.risks) | set(offline.risks))
    live_only, offline_only, other, unscored = [], [], [], []
    for key in keys:
        a, b = live.risks.get(key), offline.risks.get(key)
        if a is None or b is None:
            unscored.append(key)
            continue
        pa, pb = predicted_pattern(a, live.threshold), predicted_pattern(b, offline.threshold)
        if pa is not None and pb is None:
            live_only.append(key)
        elif pb is not None and pa is None:
            offline_only.append(key)
        elif pa != pb:
            other.append(key)
    compared = len(keys) - len(unscored)
    return Comparison(
        compared, tuple(live_only), tuple(offline_only), tuple(other), tuple(unscored)
    )


def _shown(s: Scores) -> str:
    signals = ", ".join(
        f"{x.name} {x.weight:.2f}" for x in sorted(s.signals, key=lambda x: -x.weight)
    )
    return f"{s.score:>3} [{signals}]"


def _strongest(s: Scores) -> str:
    return repr(s.primary.explanation) if s.primary is not None else "no signal"


def print_comparison(
    c: Comparison, live: Replay, offline: Replay, labels: Mapping[str, str], out: IO[str]
) -> None:
    out.write(
        f"live vs offline: {c.flagged_differently} of {c.compared} expenses flagged "
        f"differently ({len(c.live_only)} flagged live only, {len(c.offline_only)} offline "
        f"only; agreement {c.agreement:.2%}); {len(c.other_pattern)} flagged by both for "
        f"another pattern; {len(c.unscored)} scored by one side only\n"
    )
    shown = [*c.live_only[: EXAMPLES // 2], *c.offline_only[: EXAMPLES // 2]]
    shown += list(c.other_pattern[: max(0, EXAMPLES - len(shown))])
    for key in shown:
        a, b = live.risks[key], offline.risks[key]
        label = labels.get(expense_of_key(key), "normal")
        out.write(f"  {key} ({label}): live {_shown(a)}; offline {_shown(b)}\n")
        out.write(f"      live: {_strongest(a)}\n      offline: {_strongest(b)}\n")
