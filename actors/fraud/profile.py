"""A person's spending habits as the scorer keeps them: bounded, whatever their history.

The profile holds the recent expenses (the last ``MAX_ENTRIES``, none older than
``HORIZON_DAYS``) for duplicates, velocity and bursts; per category the last ``MAX_AMOUNTS``
values that count as normal (an expense that raised a flag is held out until it is reviewed
legitimate, so fraud does not teach the baseline); the local hours of the last ``MAX_HOURS``
expenses; and what reviews taught (trust per signal, habitual repeat purchases, the size of a
burst that is normal for this person). Everything is keyed by expense id, so a new version
of an expense replaces what its previous one taught instead of adding to it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from actors.fraud.facts import Observation

MAX_ENTRIES = 120
HORIZON_DAYS = 35
MAX_AMOUNTS = 60  # per category
MAX_CATEGORIES = 24
MAX_HOURS = 240
MAX_HABITS = 40
LABEL_MAX = 40
TRUST_FLOOR, TRUST_CEILING = 0.3, 1.5


@dataclass(frozen=True, slots=True)
class Entry:
    """One recent expense, as remembered."""

    id: str  # its risk key ("expense:<id>" or "group_expense:<id>")
    day: date
    moment: datetime | None  # UTC
    recorded_at: datetime
    amount: Decimal
    currency: str
    value: Decimal | None
    merchant: str
    category: str | None
    group_id: str | None = None  # a group bill's group (None: a personal expense)
    label: str | None = None  # the merchant as written (for explanations), cut to LABEL_MAX
    normal: bool = True  # counted as ordinary (not held out after a flag)


@dataclass(frozen=True, slots=True)
class Profile:
    owner: str
    entries: tuple[Entry, ...] = ()
    # by category: (tag of the expense, its value in the home currency), oldest first
    amounts: Mapping[str, tuple[tuple[str, Decimal], ...]] = field(default_factory=dict)
    hours: tuple[tuple[str, int], ...] = ()  # (tag of the expense, its local hour)
    trust: Mapping[str, float] = field(default_factory=dict)
    habits: tuple[str, ...] = ()  # "merchant|amount|currency" repeats reviewed legitimate
    burst_floor: int = 0  # a burst this size was reviewed legitimate: only larger ones count
    reviews: Mapping[str, int] = field(default_factory=dict)  # verdict -> count

    def baseline(self, category: str | None) -> list[Decimal]:
        return [v for _, v in self.amounts.get(category or "", ())]

    def all_values(self) -> list[Decimal]:
        return [v for values in self.amounts.values() for _, v in values]

    def local_hours(self) -> list[int]:
        return [h for _, h in self.hours]

    def trust_in(self, signal: str) -> float:
        return self.trust.get(signal, 1.0)

    def others(self, key: str) -> list[Entry]:
        """The recent expenses but the one with this risk key."""
        return [e for e in self.entries if e.id != key]

    def peers(self, obs: Observation) -> list[Entry]:
        """The recent expenses ``obs`` is compared with: a personal expense with the person's
        own, a group bill with their bills in that group (what a group's admins see of a bill
        never draws on the issuer's personal spending)."""
        return [e for e in self.others(obs.key) if e.group_id == obs.group_id]


def entry_of(obs: Observation, normal: bool = True) -> Entry:
    return Entry(
        id=obs.key,
        day=obs.day,
        moment=obs.moment,
        recorded_at=obs.recorded_at,
        amount=obs.amount,
        currency=obs.currency,
        value=obs.value,
        merchant=obs.merchant,
        category=obs.category,
        group_id=obs.group_id,
        label=obs.merchant_name[:LABEL_MAX] if obs.merchant_name else None,
        normal=normal,
    )


@lru_cache(maxsize=4096)
def tag_of(key: str) -> str:
    """The short name a baseline value or hour is kept under, to keep the profile small: 48
    bits of a hash of its expense's risk key (ids are clients' own choice, so not a slice of
    them: time-based UUIDs of one device share their ends)."""
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def habit_key(merchant: str, amount: Decimal, currency: str) -> str:
    return f"{merchant}|{amount}|{currency}"


def forget(profile: Profile, key: str) -> Profile:
    """The profile without anything this expense taught (it was deleted, or a new version of
    it is about to be remembered)."""
    tag = tag_of(key)
    held = (
        any(e.id == key for e in profile.entries)
        or any(p[0] == tag for p in profile.hours)
        or any(p[0] == tag for values in profile.amounts.values() for p in values)
    )
    if not held:  # nothing of it is held (most expenses, scored once): the profile as it is
        return profile
    amounts = {
        category: kept
        for category, values in profile.amounts.items()
        if (kept := tuple(p for p in values if p[0] != tag))
    }
    return replace(
        profile,
        entries=tuple(e for e in profile.entries if e.id != key),
        amounts=amounts,
        hours=tuple(p for p in profile.hours if p[0] != tag),
    )


def unlearn(profile: Profile, key: str) -> Profile:
    """The profile with this expense still among the recent ones but no longer in the
    baselines (a later finding made it suspicious)."""
    kept = forget(profile, key)
    entries = tuple(replace(e, normal=False) if e.id == key else e for e in profile.entries)
    return replace(kept, entries=entries)


def _recent(entries: Iterable[Entry], newest: datetime) -> tuple[Entry, ...]:
    """The last MAX_ENTRIES recorded within HORIZON_DAYS of the newest, by the server's clock
    (a date a person types, however far ahead, never pushes the others out)."""
    oldest = newest - timedelta(days=HORIZON_DAYS)
    kept = sorted((e for e in entries if e.recorded_at >= oldest), key=lambda e: e.recorded_at)
    return tuple(kept[-MAX_ENTRIES:])


def _learn_value(
    amounts: Mapping[str, tuple[tuple[str, Decimal], ...]], obs: Observation
) -> dict[str, tuple[tuple[str, Decimal], ...]]:
    learned = dict(amounts)
    if obs.value is None or not obs.spending:
        return learned
    key = obs.category or ""
    learned[key] = (*learned.get(key, ()), (tag_of(obs.key), obs.value))[-MAX_AMOUNTS:]
    if len(learned) > MAX_CATEGORIES:  # the categories used least recently go first
        for stale in list(learned)[: len(learned) - MAX_CATEGORIES]:
            del learned[stale]
    if key in learned:  # most recently used last
        learned[key] = learned.pop(key)
    return learned


def remember(profile: Profile, obs: Observation, learn: bool) -> Profile:
    """The profile once ``obs`` is known; ``learn``: it also counts as normal (its value joins
    the baseline of its category and its hour the hours), unless it was spent on a trip."""
    base = forget(profile, obs.key)
    newest = max([obs.recorded_at, *(e.recorded_at for e in base.entries)])
    entry = entry_of(obs, normal=learn)
    entries = _recent([*base.entries, entry], newest) if obs.spending else base.entries
    if not learn or not obs.spending or obs.trip_id is not None:  # trips: not the everyday
        return replace(base, entries=entries)
    hours = base.hours
    if obs.occurred_at is not None:
        hours = (*hours, (tag_of(obs.key), obs.occurred_at.hour))[-MAX_HOURS:]
    return replace(base, entries=entries, amounts=_learn_value(base.amounts, obs), hours=hours)


def _bounded_trust(value: float) -> float:
    return round(min(TRUST_CEILING, max(TRUST_FLOOR, value)), 4)


def learn_from_review(
    profile: Profile,
    obs: Observation,
    fired: Mapping[str, Mapping[str, Any]],
    verdict: str,
) -> Profile:
    """What a review teaches. ``fired``: the signals of the reviewed score by name, with their
    evidence. Legitimate: the expense joins the baselines (its value, its hour), a repeat
    purchase becomes a habit, a burst of its size becomes normal, and the other signals that
    fired weigh less for this person. Fraud: it leaves the baselines and the signals that
    fired weigh more."""
    counts = {**profile.reviews, verdict: profile.reviews.get(verdict, 0) + 1}
    factor = 0.7 if verdict == "legit" else 1.25
    trust = dict(profile.trust)
    for name in fired:
        if verdict == "legit" and name in ("outlier", "odd_hour", "duplicate", "velocity"):
            continue  # taught precisely below instead
        trust[name] = _bounded_trust(profile.trust_in(name) * factor)
    if verdict == "fraud":
        # out of the baselines, but still among the recent: a copy of it is still a duplicate
        return replace(unlearn(profile, obs.key), trust=trust, reviews=counts)
    taught = remember(profile, obs, learn=True)
    habits = taught.habits
    if "duplicate" in fired:
        key = habit_key(obs.merchant, obs.amount, obs.currency)
        habits = (*[h for h in habits if h != key], key)[-MAX_HABITS:]
    floor = taught.burst_floor
    if "velocity" in fired:
        floor = max(floor, int(fired["velocity"].get("count", 0)))
    return replace(taught, trust=trust, habits=habits, burst_floor=floor, reviews=counts)


# ---- stored form --------------------------------------------------------------------------


def dump_profile(profile: Profile) -> dict[str, Any]:
    return {
        "entries": [
            {
                "id": e.id,
                "day": e.day.isoformat(),
                "moment": e.moment.isoformat() if e.moment else None,
                "recorded_at": e.recorded_at.isoformat(),
                "amount": str(e.amount),
                "currency": e.currency,
                "value": str(e.value) if e.value is not None else None,
                "merchant": e.merchant,
                "category": e.category,
                "group_id": e.group_id,
                "label": e.label,
                **({} if e.normal else {"normal": False}),
            }
            for e in profile.entries
        ],
        "amounts": {c: [[i, str(v)] for i, v in values] for c, values in profile.amounts.items()},
        "hours": [[i, h] for i, h in profile.hours],
        "trust": dict(profile.trust),
        "habits": list(profile.habits),
        "burst_floor": profile.burst_floor,
        "reviews": dict(profile.reviews),
    }


def load_profile(owner: str, data: Mapping[str, Any] | None) -> Profile:
    if not data:
        return Profile(owner)
    return Profile(
        owner=owner,
        entries=tuple(
            Entry(
                id=e["id"],
                day=date.fromisoformat(e["day"]),
                moment=datetime.fromisoformat(e["moment"]) if e["moment"] else None,
                recorded_at=datetime.fromisoformat(e["recorded_at"]),
                amount=Decimal(e["amount"]),
                currency=e["currency"],
                value=Decimal(e["value"]) if e["value"] is not None else None,
                merchant=e["merchant"],
                category=e["category"],
                group_id=e.get("group_id"),
                label=e.get("label"),
                normal=bool(e.get("normal", True)),
            )
            for e in data.get("entries", ())
        ),
        amounts={
            c: tuple((i, Decimal(v)) for i, v in values)
            for c, values in data.get("amounts", {}).items()
        },
        hours=tuple((i, int(h)) for i, h in data.get("hours", ())),
        trust={k: float(v) for k, v in data.get("trust", {}).items()},
        habits=tuple(data.get("habits", ())),
        burst_floor=int(data.get("burst_floor", 0)),
        reviews={k: int(v) for k, v in data.get("reviews", {}).items()},
    )
