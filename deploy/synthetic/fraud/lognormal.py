"""Generator "lognormal": heavy-tailed everyday spending, with paydays, weekends and trips.

Each person has 4-8 categories. An everyday category has its own median (drawn around a
typical price, in the home currency's price level) and a log-space spread drawn between 0.15
and 0.9, and 3-7 shops with uneven preference. Amounts are log-normal and never round, except
ATM withdrawals. A monthly payday lifts basket sizes of groceries, dining, shopping, home and
entertainment by up to x1.6 for 3-5 days, decaying; weekends change how often each kind
happens. Honest repeats: subscriptions (the same price on the same day of each month), a
transit fare twice a working day, the same coffee at the same cafe most working mornings. A
third of the people buy something big once or twice (an appliance, a flight); a third travel
for 5-9 days and spend in a foreign currency at the destination's UTC offset.

Each person enters expenses by hand (clean name, with a time), through a card feed (statement
spelling, with a time) or by statement import (statement spelling, no time, dated the day of
purchase or the next, arriving in a batch at the next sync) in their own shares.

Injected (about 1.5 % of expenses each, see :data:`PATTERNS`): outliers 5.2-12x the person's
own median of the category, after at least 8 purchases in it; duplicates, a purchase entered
by hand and then imported from the statement (or imported, then typed), same amount and
currency, same day or next; bursts of 6-10 small card-testing charges at online merchants
within 15 minutes. The later-arriving copy of a duplicate is the labelled one.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from bus.money import round_to_currency
from deploy.synthetic.fraud.currencies import PRICE_LEVEL
from deploy.synthetic.fraud.dataset import Dataset
from deploy.synthetic.fraud.habits import BIG_PURCHASES, CARD_TESTERS, CASH_STEPS
from deploy.synthetic.fraud.lognormal_people import Person, draw_person
from deploy.synthetic.fraud.records import (
    Purchase,
    after,
    dataset,
    factor,
    lognormal,
    new_id,
    not_round,
    poisson,
)
from deploy.synthetic.fraud.shops import DESTINATION_OFFSETS, fill, know, priced, store_numbers
from deploy.synthetic.fraud.spend import burst_moments, inject_duplicates, inject_outliers

PATTERNS = ("duplicate", "outlier", "velocity")
START = date(2026, 2, 2)  # a Monday
SHARE = 0.015
ON_TRIP = {
    "Groceries": 0.3,
    "Coffee": 1.0,
    "Dining": 1.8,
    "Transport": 1.2,
    "Shopping": 1.0,
    "Entertainment": 1.3,
    "Health": 0.3,
    "Home": 0.0,
}


def _lift(p: Person, day: date) -> float:
    """The payday factor of basket sizes on ``day``: up to ``lift`` on payday, decaying."""
    for back in range(p.lift_days):
        d = day - timedelta(days=back)
        last = (d.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        if d.day == min(p.payday, last.day):
            return 1.0 + (p.lift - 1.0) * (1.0 - back / p.lift_days)
    return 1.0


def _day(rng: random.Random, p: Person, index: int, out: list[Purchase]) -> None:
    s, home = p.spender, p.spender.user.home_currency
    day = START + timedelta(days=index)
    weekend = day.weekday() >= 5
    trip = p.trip if p.trip and p.trip.first <= index < p.trip.first + p.trip.length else None
    lift = _lift(p, day)
    for h in p.habits:
        mean = h.per_day * (h.kind.weekend if weekend else 1.0)
        mean *= 1.25 if h.kind.payday and lift > 1.0 else 1.0
        mean *= ON_TRIP[h.kind.name] if trip else 1.0
        for _ in range(poisson(rng, mean)):
            median = h.median * factor(lift if h.kind.payday else 1.0)
            median *= Decimal("1.15") if h.kind.name == "Groceries" and day.weekday() == 5 else 1
            minute = 60 * (h.kind.hours[0] + (h.kind.hours[1] - h.kind.hours[0]) * rng.random())
            if trip is None:
                amount = lognormal(rng, median, h.sigma, home)
                out.append(s.buy(rng, h.shop(rng), amount, home, h.category_id, day, minute))
            else:
                level = PRICE_LEVEL[trip.currency] / PRICE_LEVEL[home]
                amount = lognormal(rng, median * level, h.sigma, trip.currency)
                shop = rng.choice(trip.shops[h.kind.name])
                offset = DESTINATION_OFFSETS[trip.currency]
                out.append(
                    s.buy(rng, shop, amount, trip.currency, h.category_id, day, minute, offset)
                )
    if trip is None and not weekend:
        if p.fare and rng.random() < 0.85:
            shop, price, category = p.fare
            for start in (420, 990):
                minute = start + 120 * rng.random()
                out.append(s.buy(rng, shop, price, home, category, day, minute, tag="fixed"))
        if p.coffee and rng.random() < 0.75:
            shop, price, category = p.coffee
            minute = 450 + 100 * rng.random()
            out.append(s.buy(rng, shop, price, home, category, day, minute, tag="fixed"))
    for shop, price, on, category in p.subscriptions:
        if day.day == on:
            out.append(
                s.buy(rng, shop, price, home, category, day, 30 + 300 * rng.random(), tag="fixed")
            )
    if p.atms and trip is None and rng.random() < 0.12:
        atms, category = p.atms
        amount = round_to_currency(Decimal(rng.choice(CASH_STEPS)), home)
        out.append(
            s.buy(
                rng,
                rng.choice(atms),
                amount,
                home,
                category,
                day,
                600 + 600 * rng.random(),
                tag="fixed",
            )
        )


def _big(rng: random.Random, p: Person, days: int, out: list[Purchase]) -> None:
    """One rare honest big purchase: an appliance (Home or Shopping) or a flight."""
    flight = rng.random() < 0.5
    wanted = ("Transport", "Shopping") if flight else ("Home", "Shopping")
    habit = next((h for h in p.habits if h.kind.name in wanted), None)
    if habit is None:
        return
    home, city = p.spender.user.home_currency, p.spender.city
    spec = (
        BIG_PURCHASES[2 + int(rng.random() * 3)] if flight else BIG_PURCHASES[int(rng.random() * 2)]
    )
    low = 150 if flight else 300
    price = priced(Decimal(low) * factor(rng.uniform(1.0, 5.0)), home)
    amount = lognormal(rng, price, 0.05, home)
    day = START + timedelta(days=int(rng.random() * days))
    out.append(
        p.spender.buy(
            rng,
            know(rng, spec, city),
            amount,
            home,
            habit.category_id,
            day,
            600 + 600 * rng.random(),
            tag="big",
        )
    )


def _bursts(rng: random.Random, people: list[Person], count: int, last: date) -> list[Purchase]:
    """Card testing: bursts of 6-10 charges of 0.50-4.99 at 1-3 online merchants within 15
    minutes, pushed by the card feed with their times, until ``count`` charges are drawn."""
    out: list[Purchase] = []
    order = rng.sample(people, len(people))  # one burst a person, while people last
    while len(out) < count:
        p = order.pop() if order else rng.choice(people)
        user, home = p.spender.user, p.spender.user.home_currency
        currency = "USD" if home != "USD" and rng.random() < 0.3 else home
        online = [h for h in p.habits if h.kind.name in ("Shopping", "Entertainment")]
        category_id = (online or p.habits)[0].category_id
        merchants = [
            fill(t, store_numbers(rng), p.spender.city, rng)
            for t in rng.sample(CARD_TESTERS, 1 + int(rng.random() * 3))
        ]
        day = START + timedelta(days=int(rng.random() * ((last - START).days + 1)))
        minute = 30 + 300 * rng.random() if rng.random() < 0.4 else 540 + 780 * rng.random()
        size = 6 + int(rng.random() * 5)
        span = 3 + 11.5 * rng.random()
        for moment in burst_moments(rng, day, minute, span, size, user.utc_offset_minutes):
            amount = not_round(
                rng, Decimal("0.5") + Decimal(int(rng.random() * 450)) / 100, currency
            )
            out.append(
                Purchase(
                    new_id(rng),
                    user,
                    amount,
                    currency,
                    category_id,
                    rng.choice(merchants),
                    day,
                    moment,
                    after(rng, moment, 3, 90),
                    "feed",
                    label="velocity",
                )
            )
    return out


def generate(seed: int, users: int = 300, days: int = 90) -> Dataset:
    """The data set of ``seed``: ``users`` people over ``days`` days from :data:`START`."""
    rng = random.Random(seed)
    people = [draw_person(rng, days) for _ in range(users)]
    normal: list[Purchase] = []
    for p in people:
        for index in range(days):
            _day(rng, p, index, normal)
        if rng.random() < 0.35:
            for _ in range(1 + int(rng.random() * 2)):
                _big(rng, p, days, normal)
    count = max(1, round(len(normal) * SHARE))
    spenders = {p.spender.user.id: p.spender for p in people}
    last = START + timedelta(days=days - 1)
    injected = inject_outliers(
        rng, spenders, normal, count, (Decimal("5.2"), Decimal(12)), START, last
    )
    injected += inject_duplicates(rng, spenders, normal, count, START, last)
    injected += _bursts(rng, people, count, last)
    return dataset(seed, [p.spender.user for p in people], [], normal + injected)
