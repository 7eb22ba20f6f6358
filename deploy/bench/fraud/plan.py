"""The seeded spending the fraud benchmark writes: each user's habits, and expenses drawn from
them (varied amounts, merchants, categories and purchase times, with a few duplicates, outliers,
round amounts and night purchases among them)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from random import Random
from typing import Any
from zoneinfo import ZoneInfo

from deploy.bench.fraud.names import CURRENCY

# --- what people spend: a seeded plan ----------------------------------------------------------

SPENDING: dict[str, tuple[tuple[str, int], ...]] = {
    "Food & Drink": (
        ("Café de Flore", 900),
        ("Pret A Manger #14", 1150),
        ("Le Petit Bistro", 3200),
        ("Sushi Shop", 2400),
        ("Starbucks #1021", 650),
    ),
    "Groceries": (
        ("Carrefour Market", 4200),
        ("Monoprix", 2600),
        ("Lidl", 3100),
        ("Franprix 12", 1500),
    ),
    "Transport": (("RATP", 210), ("Uber", 1800), ("SNCF", 5400), ("TotalEnergies", 6000)),
    "Shopping": (("Fnac", 3500), ("Decathlon", 4800), ("Zara", 5900), ("Amazon", 2700)),
    "Entertainment": (("UGC Ciné Cité", 1250), ("Spotify", 1099), ("Fnac Spectacles", 4500)),
    "Health": (("Pharmacie Centrale", 1600), ("Doctolib", 2500)),
    "Utilities": (("EDF", 6500), ("Orange", 3999), ("Free Mobile", 1999)),
}
"""Spending categories (default ones of every user), each with merchants and a typical amount
in cents; amounts vary around it."""

HOUR_WEIGHTS = [0, 0, 0, 0, 0, 0, 1, 3, 6, 6, 5, 6, 10, 9, 5, 4, 5, 6, 8, 9, 7, 4, 2, 1]
"""How likely a purchase is in each local hour (a night one is made on purpose, rarely)."""
DUPLICATE_SHARE = 0.03  # the same purchase entered twice, the merchant spelled differently
OUTLIER_SHARE = 0.02  # 5 to 10 times the merchant's usual amount
ROUND_SHARE = 0.03  # a round amount (50.00, 100.00, ...)
NIGHT_SHARE = 0.01  # bought between 1 and 4 at night
DAYS_BACK = 20  # purchases happened 1 to this many days before they are entered


@dataclass(frozen=True)
class Planned:
    """One expense to write: its user, its id (made here, as a phone does offline) and fields;
    ``category`` is a name, replaced by the user's category id when it is sent."""

    user: int
    id: str
    category: str
    fields: dict[str, Any]


@dataclass
class Taste:
    """A user's habits: how often each category, and the merchants they go to."""

    weights: list[float]
    merchants: dict[str, list[tuple[str, int]]]
    last: Planned | None = None


class Planner:
    """Seeded expenses of every user, each new one drawn from the user's habits."""

    def __init__(self, seed: int, users: int, timezone: str) -> None:
        self._rng = Random(seed)
        self._zone = ZoneInfo(timezone)
        self._tastes = [self._taste() for _ in range(users)]

    def _taste(self) -> Taste:
        rng = self._rng
        weights = [rng.random() ** 2 + 0.05 for _ in SPENDING]
        merchants = {
            name: rng.sample(list(options), k=max(1, len(options) - rng.randint(0, 2)))
            for name, options in SPENDING.items()
        }
        return Taste(weights, merchants)

    def _occurred(self) -> datetime:
        rng = self._rng
        hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
        if rng.random() < NIGHT_SHARE:
            hour = rng.randint(1, 4)
        day = datetime.now(self._zone).date() - timedelta(days=rng.randint(1, DAYS_BACK))
        local = datetime(day.year, day.month, day.day, hour, rng.randint(0, 59), tzinfo=self._zone)
        return local.replace(second=rng.randint(0, 59))

    def _fresh(self, user: int, taste: Taste) -> Planned:
        rng = self._rng
        category = rng.choices(list(SPENDING), taste.weights)[0]
        merchant, typical = rng.choice(taste.merchants[category])
        cents = max(50, round(typical * rng.lognormvariate(0.0, 0.35)))
        if rng.random() < OUTLIER_SHARE:
            cents *= rng.randint(5, 10)
        elif rng.random() < ROUND_SHARE:
            cents = rng.choice((5_000, 10_000, 20_000))
        occurred = self._occurred()
        fields = {
            "amount": _money(cents),
            "currency": CURRENCY,
            "date": occurred.date().isoformat(),
            "occurred_at": occurred.isoformat(),
            "merchant": merchant,
            "description": merchant,
        }
        return Planned(user, str(uuid.uuid4()), category, fields)

    def _duplicate(self, user: int, of: Planned) -> Planned:
        """The same purchase entered again minutes apart, the merchant spelled as a card
        statement does."""
        occurred = datetime.fromisoformat(of.fields["occurred_at"])
        occurred += timedelta(minutes=self._rng.randint(2, 12))
        merchant = str(of.fields["merchant"]).upper().replace("'", "")
        fields = {**of.fields, "occurred_at": occurred.isoformat(), "merchant": merchant}
        fields["date"] = occurred.date().isoformat()
        return Planned(user, str(uuid.uuid4()), of.category, fields)

    def next(self, user: int) -> Planned:
        """The user's next expense: now and then their last one entered twice."""
        taste = self._tastes[user]
        if taste.last is not None and self._rng.random() < DUPLICATE_SHARE:
            planned = self._duplicate(user, taste.last)
        else:
            planned = self._fresh(user, taste)
        taste.last = planned
        return planned

    def round_robin(self, count: int, users: int) -> list[Planned]:
        """``count`` expenses dealt to the users in turn."""
        return [self.next(n % users) for n in range(count)]


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def body_of(planned: Planned, categories: dict[str, str]) -> bytes:
    """The request body: the planned fields with the user's category id."""
    fields = {"id": planned.id, **planned.fields, "category_id": categories[planned.category]}
    return json.dumps(fields).encode()
