"""Generator "statements": everyday spending as it arrives from three sources, and households.

Shaped on a population of 30 people (the persona mix below repeats for larger ``users``), each
with about 120 everyday expenses per 90 days (scaled to ``days``) over 5-7 kinds of spending:
log-normal around the person's own median for the kind, with a spread drawn up to 0.7, never
round. Every person has their own shares of three sources: typed by hand (clean names, with a
time), read from a receipt (as the receipt prints the name, time to the minute) and imported
from a bank or card statement (``UBER *TRIP 8Y2K``, ``WHOLEFDS MKT 10245 SEATTLE WA``, no time,
dated the day of purchase or the next, arriving in a batch at the next sync).

About one person in eight lives in a household of 2-4 sharing a card: its members post group
bills (groceries, dinners, home goods, and fixed monthly utilities) in the group's currency.

Honest look-alikes in every part of the period: two purchases at the same shop the same day
with different amounts, a busy afternoon of 3-4 purchases within an hour, an evening sitting in
which someone types 4-7 purchases of the past week (created minutes apart, occurred days apart).

Injected, only in the last :data:`FRAUD_DAYS` days (about 1.5 % of expenses each): duplicates
(a purchase entered again from another source, another spelling, same amount and currency, same
day or a day apart), outliers (5.2-10x the person's median for the kind) and bursts of 6-9
purchases within 12 minutes.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from deploy.synthetic.fraud.dataset import Dataset
from deploy.synthetic.fraud.records import (
    Bill,
    Purchase,
    after,
    dataset,
    lognormal,
    new_id,
)
from deploy.synthetic.fraud.spend import burst_moments, inject_duplicates, inject_outliers
from deploy.synthetic.fraud.statement_honest import backfill, busy_afternoon, same_shop_again
from deploy.synthetic.fraud.statement_people import Person, draw_people, household_bills

PATTERNS = ("duplicate", "outlier", "velocity")
START = date(2026, 3, 2)  # a Monday
PER_PERSON = 120  # everyday expenses per person per 90 days
FRAUD_DAYS = 10
SHARE = 0.015


def _everyday(rng: random.Random, p: Person, days: int, out: list[Purchase]) -> None:
    """About :data:`PER_PERSON` purchases per 90 days, of kinds by their weights."""
    count = round(PER_PERSON * days / 90 * (0.8 + 0.4 * rng.random()))
    for _ in range(count):
        u = p.usual(rng)
        while True:  # weekends are busier for some kinds, quieter for others
            day = START + timedelta(days=int(rng.random() * days))
            if day.weekday() < 5 or rng.random() * 2.0 < u.kind.weekend:
                break
        low, high = u.kind.hours
        out.append(p.purchase(rng, u, day, 60 * (low + (high - low) * rng.random())))


def _bursts(
    rng: random.Random, people: list[Person], count: int, first: date, days: int
) -> list[Purchase]:
    """Bursts of 6-9 purchases within 12 minutes at the person's own shops, typed with their
    times, until ``count`` are drawn."""
    out: list[Purchase] = []
    order = rng.sample(people, len(people))  # one burst a person, while people last
    while len(out) < count:
        p = order.pop() if order else rng.choice(people)
        user, home = p.spender.user, p.spender.user.home_currency
        day = first + timedelta(days=int(rng.random() * days))
        size, span = 6 + int(rng.random() * 4), 2 + 9.5 * rng.random()
        moments = burst_moments(
            rng, day, 600 + 660 * rng.random(), span, size, user.utc_offset_minutes
        )
        for moment in moments:
            u = p.usual(rng)
            shop = rng.choice(u.shops)
            amount = lognormal(rng, u.median, u.sigma, home)
            out.append(
                Purchase(
                    new_id(rng),
                    user,
                    amount,
                    home,
                    u.category_id,
                    shop.typed,
                    day,
                    moment,
                    after(rng, moment, 5, 120),
                    "typed",
                    "velocity",
                    shop=shop,
                )
            )
    return out


def generate(seed: int, users: int = 300, days: int = 90) -> Dataset:
    """The data set of ``seed``: ``users`` people over ``days`` days from :data:`START`."""
    rng = random.Random(seed)
    people, groups = draw_people(rng, users)
    normal: list[Purchase] = []
    for p in people:
        mine: list[Purchase] = []
        _everyday(rng, p, days, mine)
        normal += mine
        normal += same_shop_again(rng, p, mine, 1 + int(rng.random() * 3))
        normal += busy_afternoon(rng, p, START, days, 1 + int(rng.random() * 2))
        if rng.random() < 0.4:
            normal += backfill(rng, p, START, days, 1 + int(rng.random() * 2))
    by_id = {p.spender.user.id: p for p in people}
    bills: list[Bill] = []
    for g in groups:
        bills += household_bills(rng, g, [by_id[m] for m in g.member_ids], START, days)
    count = max(1, round(len(normal) * SHARE))
    spenders = {p.spender.user.id: p.spender for p in people}
    fraud_days = min(FRAUD_DAYS, days)
    first, last = START + timedelta(days=days - fraud_days), START + timedelta(days=days - 1)
    injected = inject_outliers(
        rng, spenders, normal, count, (Decimal("5.2"), Decimal(10)), first, last
    )
    injected += inject_duplicates(rng, spenders, normal, count, first, last)
    injected += _bursts(rng, people, count, first, fraud_days)
    return dataset(seed, [p.spender.user for p in people], groups, normal + injected, bills)
