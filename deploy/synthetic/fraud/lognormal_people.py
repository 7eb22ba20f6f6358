"""The people of the "lognormal" generator: their categories, habits and trips.

A person has 4-8 categories (drawn by :data:`CATEGORY_WEIGHTS`). An everyday category has its
own median (around the kind's typical price at the home currency's price level, spread
x0.7-x1.4 between people), a log-space spread in 0.15..0.9, a rate of purchases per week and
3-7 shops of uneven preference (weights 1/rank^0.9). Half the people with Transport ride
transit on working days at a fixed fare; half with Coffee buy the same coffee at the same cafe
most working mornings; Subscriptions are 3-5 fixed monthly charges; Cash is 3-5 ATMs. A third
of the people take one trip of 5-9 days to a country of another currency.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass
from decimal import Decimal
from itertools import accumulate

from bus.money import round_to_currency
from deploy.synthetic.fraud.currencies import RATES_PER_EUR
from deploy.synthetic.fraud.dataset import User
from deploy.synthetic.fraud.habits import ATMS, FARES, SUBSCRIPTION_EUR, SUBSCRIPTIONS
from deploy.synthetic.fraud.kinds import KINDS
from deploy.synthetic.fraud.records import factor, home_of, lognormal, new_id
from deploy.synthetic.fraud.shops import CITIES, Kind, Shop, ShopSpec, know, priced
from deploy.synthetic.fraud.spend import Spender

CATEGORY_WEIGHTS = {
    "Groceries": 10,
    "Coffee": 6,
    "Dining": 8,
    "Transport": 7,
    "Shopping": 7,
    "Entertainment": 4,
    "Health": 3,
    "Home": 3,
    "Subscriptions": 6,
    "Cash": 3,
}


@dataclass(slots=True)
class Habit:
    kind: Kind
    category_id: str
    median: Decimal  # in the home currency
    sigma: float
    per_day: float
    shops: list[Shop]
    cum: list[float]  # cumulative shop preference

    def shop(self, rng: random.Random) -> Shop:
        return self.shops[bisect.bisect(self.cum, rng.random() * self.cum[-1])]


@dataclass(slots=True)
class Trip:
    first: int  # day index
    length: int
    currency: str
    shops: dict[str, list[Shop]]


@dataclass(slots=True)
class Person:
    spender: Spender
    habits: list[Habit]
    payday: int  # day of month; 31 means the month's last day
    lift: float
    lift_days: int
    fare: tuple[Shop, Decimal, str] | None
    coffee: tuple[Shop, Decimal, str] | None
    subscriptions: list[tuple[Shop, Decimal, int, str]]
    atms: tuple[list[Shop], str] | None
    trip: Trip | None


def draw_person(rng: random.Random, days: int) -> Person:
    home, offset = home_of(rng)
    city = rng.choice(CITIES[home])
    names = list(CATEGORY_WEIGHTS)
    chosen: list[str] = []
    while len(chosen) < 4 + int(rng.random() * 5):
        name = rng.choices(names, [CATEGORY_WEIGHTS[n] for n in names])[0]
        names.remove(name)
        chosen.append(name)
    ids = {name: new_id(rng) for name in chosen}
    user = User(new_id(rng), home, offset, {ids[n]: n for n in chosen})
    spender = Spender(
        user,
        city,
        rng.choice((0.0, 0.15, 0.35, 0.6, 0.85)),
        rng.choice((0.0, 0.0, 0.0, 0.15, 0.3)),
        1 + int(rng.random() * 3),
        int(rng.random() * 3),
        360 + rng.random() * 180,
    )
    habits = [_habit(rng, KINDS[n], ids[n], home, city) for n in chosen if n in KINDS]
    fare = coffee = None
    for h in habits:
        if h.kind.name == "Transport" and rng.random() < 0.5:
            name, statement, price = FARES[home]
            spec = ShopSpec(name, statement, name)
            fare = (know(rng, spec, city), price, h.category_id)
        if h.kind.name == "Coffee" and rng.random() < 0.5:
            price = lognormal(rng, h.median, 0.1, home)
            coffee = (h.shops[0], price, h.category_id)
            h.per_day *= 0.3
    subscriptions = []
    if "Subscriptions" in ids:
        for i in rng.sample(range(len(SUBSCRIPTIONS)), 3 + int(rng.random() * 3)):
            # a price ending in .49 or .99 in the home currency
            halves = round_to_currency(priced(SUBSCRIPTION_EUR[i], home) * 2, "JPY")
            price = round_to_currency(halves / 2 - Decimal("0.01"), home)
            sub = know(rng, SUBSCRIPTIONS[i], city)
            subscriptions.append((sub, price, 1 + int(rng.random() * 28), ids["Subscriptions"]))
    atms = None
    if "Cash" in ids:
        atms = (
            [know(rng, s, city) for s in rng.sample(ATMS, 3 + int(rng.random() * 3))],
            ids["Cash"],
        )
    return Person(
        spender,
        habits,
        rng.choice((1, 15, 25, 28, 31)),
        1.1 + 0.5 * rng.random(),
        3 + int(rng.random() * 3),
        fare,
        coffee,
        subscriptions,
        atms,
        _trip(rng, home, days) if rng.random() < 0.33 and days > 20 else None,
    )


def _habit(rng: random.Random, kind: Kind, category_id: str, home: str, city: str) -> Habit:
    median = priced(kind.median_eur, home) * factor(rng.lognormvariate(0.0, 0.35))
    count = min(len(kind.shops), 3 + int(rng.random() * 5))
    shops = [know(rng, spec, city) for spec in rng.sample(kind.shops, count)]
    weights = [1.0 / (rank + 1) ** 0.9 for rank in range(count)]
    low, high = kind.per_week
    return Habit(
        kind,
        category_id,
        median,
        0.15 + 0.75 * rng.random(),
        (low + (high - low) * rng.random()) / 7,
        shops,
        list(accumulate(weights)),
    )


def _trip(rng: random.Random, home: str, days: int) -> Trip:
    currency = rng.choice([c for c in RATES_PER_EUR if c != home])
    city = rng.choice(CITIES[currency])
    shops = {k.name: [know(rng, s, city) for s in rng.sample(k.shops, 3)] for k in KINDS.values()}
    return Trip(5 + int(rng.random() * (days - 15)), 5 + int(rng.random() * 5), currency, shops)
