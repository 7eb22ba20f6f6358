"""The people of the "statements" generator: personas, kinds of spending, and households.

A person has 5-7 kinds of spending, each with its own median (around a typical price, at the
home currency's price level, spread x0.7-x1.4 between people), a log-space spread drawn in
0.02..0.70, a weight (purchases per week) and 3-6 shops. About one person in eight lives in a
household of 2-4 that shares a card and posts group bills in the group's currency.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from bus.money import round_to_currency
from deploy.synthetic.fraud.dataset import Group, User
from deploy.synthetic.fraud.kinds import KINDS
from deploy.synthetic.fraud.records import (
    Bill,
    Purchase,
    Source,
    after,
    factor,
    home_of,
    local,
    lognormal,
    new_id,
    not_round,
    poisson,
)
from deploy.synthetic.fraud.shops import CITIES, Kind, Shop, know, priced
from deploy.synthetic.fraud.spend import Spender

PERSONAS: tuple[tuple[float, float, float], ...] = (
    ((0.75, 0.15, 0.10),) * 9  # typers
    + ((0.25, 0.55, 0.20),) * 7  # receipt keepers
    + ((0.10, 0.10, 0.80),) * 10  # importers
    + ((0.40, 0.20, 0.40),) * 4  # mixed
)
"""Shares of (typed, receipt, statement) of the 30 people the population is shaped on."""

SHARED = {"Groceries": (1.0, 2.5), "Dining": (0.2, 0.8), "Home": (0.1, 0.5)}
"""What a household buys on its shared card, in bills per week."""
UTILITIES = (("Electricity", Decimal("70"), 0.12), ("Internet", Decimal("39.99"), 0.0))
"""Monthly household bills: typical euro price and spread (0: the same price every month)."""


@dataclass(slots=True)
class Usual:
    """One kind of a person's spending."""

    kind: Kind
    category_id: str
    median: Decimal
    sigma: float
    weight: float
    shops: list[Shop]


@dataclass(slots=True)
class Person:
    spender: Spender
    usuals: list[Usual]

    def usual(self, rng: random.Random) -> Usual:
        return rng.choices(self.usuals, [u.weight for u in self.usuals])[0]

    def purchase(
        self, rng: random.Random, u: Usual, day: date, minute: float, source: Source | None = None
    ) -> Purchase:
        """A purchase of kind ``u`` at one of its shops, from one of the person's sources."""
        home = self.spender.user.home_currency
        amount = lognormal(rng, u.median, u.sigma, home)
        shop = rng.choice(u.shops)
        return self.spender.buy(rng, shop, amount, home, u.category_id, day, minute, source=source)


def draw_people(rng: random.Random, users: int) -> tuple[list[Person], list[Group]]:
    """People on the persona mix, with about one in eight in a household of 2-4 that shares
    a home currency and a UTC offset."""
    personas = list(PERSONAS)
    rng.shuffle(personas)
    order = list(range(users))
    rng.shuffle(order)
    households: list[list[int]] = []
    taken = 0
    while taken < max(2, users // 8):
        size = 2 + int(rng.random() * 3)
        if taken + size > users:
            break
        households.append(order[taken : taken + size])
        taken += size
    lead_of = {i: min(h) for h in households for i in h}
    people: list[Person] = []
    for i in range(users):
        home, offset = home_of(rng)
        if lead_of.get(i, i) != i:
            lead = people[lead_of[i]].spender.user
            home, offset = lead.home_currency, lead.utc_offset_minutes
        people.append(_person(rng, home, offset, personas[i % len(personas)]))
    groups = []
    for h in households:
        members = tuple(people[i].spender.user.id for i in sorted(h))
        groups.append(Group(new_id(rng), members, members[:1]))
    return people, groups


def _person(rng: random.Random, home: str, offset: int, persona: tuple[float, ...]) -> Person:
    city = rng.choice(CITIES[home])
    kinds = rng.sample(list(KINDS.values()), 5 + int(rng.random() * 3))
    ids = [new_id(rng) for _ in kinds]
    user = User(new_id(rng), home, offset, {i: k.name for i, k in zip(ids, kinds, strict=True)})
    typed, receipt, statement = (max(0.02, s + 0.1 * (rng.random() - 0.5)) for s in persona)
    total = typed + receipt + statement
    sync = (1 + int(rng.random() * 3), int(rng.random() * 3), 300 + rng.random() * 240)
    spender = Spender(user, city, statement / total, 0.0, *sync, p_receipt=receipt / total)
    usuals = []
    for kind, category_id in zip(kinds, ids, strict=True):
        median = priced(kind.median_eur, home) * factor(rng.lognormvariate(0.0, 0.35))
        shops = [know(rng, s, city) for s in rng.sample(kind.shops, 3 + int(rng.random() * 4))]
        low, high = kind.per_week
        sigma = 0.02 + 0.68 * rng.random()
        usuals.append(
            Usual(kind, category_id, median, sigma, low + (high - low) * rng.random(), shops)
        )
    return Person(spender, usuals)


def household_bills(
    rng: random.Random, group: Group, members: list[Person], start: date, days: int
) -> list[Bill]:
    """A household's group bills: shared shopping by any member (the first more often) and
    monthly utilities, each posted by its payer minutes to hours after paying."""
    lead = members[0].spender
    home, offset = lead.user.home_currency, lead.user.utc_offset_minutes
    size = factor(0.6 + 0.3 * len(members))
    kinds = {}
    for name, (low, high) in SHARED.items():
        shops = [know(rng, s, lead.city) for s in rng.sample(KINDS[name].shops, 3)]
        median = priced(KINDS[name].median_eur, home) * size * factor(rng.lognormvariate(0, 0.3))
        kinds[name] = (shops, median, 0.2 + 0.5 * rng.random(), low + (high - low) * rng.random())
    fixed = {
        n: not_round(rng, round_to_currency(priced(p, home), home), home)
        for n, p, s in UTILITIES
        if s == 0
    }
    on = 1 + int(rng.random() * 28)
    weights = [2.0] + [1.0] * (len(members) - 1)
    bills = []
    for index in range(days):
        day = start + timedelta(days=index)
        drawn: list[tuple[str, str, Decimal, float]] = []
        for name, (shops, median, sigma, per_week) in kinds.items():
            for _ in range(poisson(rng, per_week / 7)):
                low, high = KINDS[name].hours
                amount = lognormal(rng, median, sigma, home)
                drawn.append(
                    (name, rng.choice(shops).typed, amount, low + (high - low) * rng.random())
                )
        if day.day == on:
            for name, price, sigma in UTILITIES:
                amount = fixed.get(name) or lognormal(rng, priced(price, home), sigma, home)
                drawn.append(("Utilities", name, amount, 19 + 3 * rng.random()))
        for category, description, amount, hour in drawn:
            payer = rng.choices(members, weights)[0].spender.user.id
            at = after(rng, local(day, 60 * hour, offset), 30, 7200)
            bills.append(
                Bill(new_id(rng), group, payer, amount, home, category, description, day, at)
            )
    return bills
