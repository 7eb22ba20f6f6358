"""The score of one expense: its signals, weighed by what reviews taught about this person,
combined as independent evidence, and the earlier expenses a burst also concerns.

``score = 100 * (1 - prod(1 - w_i))`` over the signals' weights after trust, but never more than
:data:`WEAK_CEILING` unless one signal is strong on its own (weight at least :data:`STRONG`):
weak signals order what is shown and add to a strong one, yet neither alone nor together do
they raise a flag at the default threshold. So how often an honest expense can be flagged is
bounded by the strong signals' own rates (see ``actors.fraud.outliers`` and
``actors.fraud.bursts``), not by how weak ones happen to coincide.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from actors.fraud.evidence import Signal
from actors.fraud.facts import Context, Observation
from actors.fraud.profile import Profile, forget, remember
from actors.fraud.signals import DETECTORS

MODEL_VERSION = "rules-2026.12.1"
MAX_WEIGHT = 0.99
STRONG = 0.5  # a signal this strong may raise a flag on its own
WEAK_CEILING = 45  # the most weak signals score together (under the default threshold, 50)


def combine(signals: Iterable[Signal]) -> int:
    """0..100 from the signals' weights (independent evidence, noisy-OR; see the module
    docstring for the ceiling of weak ones)."""
    keep, strongest = 1.0, 0.0
    for signal in signals:
        weight = min(MAX_WEIGHT, max(0.0, signal.weight))
        keep *= 1.0 - weight
        strongest = max(strongest, weight)
    score = min(100, max(0, math.floor(100 * (1.0 - keep) + 0.5)))
    return score if strongest >= STRONG else min(score, WEAK_CEILING)


def weighed(signal: Signal, profile: Profile) -> Signal:
    """The signal's weight after what reviews taught about this person."""
    trust = profile.trust_in(signal.name)
    if trust == 1.0:
        return signal
    return replace(signal, weight=round(min(MAX_WEIGHT, signal.weight * trust), 3))


@dataclass(frozen=True, slots=True)
class Assessment:
    score: int
    signals: tuple[Signal, ...]
    # (expense id, signal): an earlier expense the same burst is about, to be scored again
    escalations: tuple[tuple[str, Signal], ...] = ()


def assess(obs: Observation, profile: Profile, context: Context) -> Assessment:
    """Score ``obs`` against ``profile`` (which may already hold a previous version of it: that
    is left out) and ``context``."""
    if not obs.spending:
        return Assessment(0, ())
    found = [s for detect in DETECTORS if (s := detect(obs, profile, context)) is not None]
    # what reviews taught about the person's own spending does not weigh a group's bills
    signals = tuple(weighed(s, profile) for s in found) if obs.group_id is None else tuple(found)
    escalations = tuple((member, replace(s, members=())) for s in signals for member in s.members)
    plain = tuple(replace(s, members=()) for s in signals)
    return Assessment(combine(plain), plain, escalations)


@dataclass(frozen=True, slots=True)
class Scored:
    assessment: Assessment
    profile: Profile  # what the person's profile becomes
    flagged: bool


def score_expense(
    obs: Observation,
    profile: Profile,
    context: Context,
    threshold: int,
    verdict: str | None = None,
) -> Scored:
    """Score one version of an expense and remember it: what its previous version taught is
    replaced, and it joins the baselines only if it raised no flag, or if a review of this
    version (``verdict``) found it legitimate."""
    base = forget(profile, obs.key)
    assessment = assess(obs, base, context)
    flagged = assessment.score >= threshold
    learn = verdict == "legit" if verdict is not None else not flagged
    return Scored(assessment, remember(base, obs, learn=learn), flagged)


def with_signal(signals: Sequence[Signal], added: Signal) -> tuple[Signal, ...] | None:
    """``signals`` with ``added`` in place of a weaker one of its name; None if it adds
    nothing (a burst seen again from a later expense changes nothing)."""
    held = next((s for s in signals if s.name == added.name), None)
    if held is not None and held.weight >= added.weight:
        return None
    return (*[s for s in signals if s.name != added.name], added)


def escalated(signals: Sequence[Signal], added: Signal) -> tuple[tuple[Signal, ...], int] | None:
    """A burst's signal added to an earlier expense's signals, with the new score (None if it
    adds nothing)."""
    combined = with_signal(signals, added)
    return None if combined is None else (combined, combine(combined))


def dump_signals(signals: Iterable[Signal]) -> list[dict[str, Any]]:
    return [
        {"name": s.name, "weight": s.weight, "evidence": s.evidence, "explanation": s.explanation}
        for s in signals
    ]


def load_signals(rows: Iterable[dict[str, Any]]) -> tuple[Signal, ...]:
    return tuple(
        Signal(
            r["name"],
            float(r["weight"]),
            dict(r.get("evidence") or {}),
            explanation=str(r.get("explanation") or ""),
        )
        for r in rows
    )
