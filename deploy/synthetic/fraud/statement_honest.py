"""Honest look-alikes of the "statements" generator's patterns, drawn in every week.

- the same shop twice in a day (1-5 hours apart, amounts at least 10 % apart): not a duplicate;
- a busy afternoon of 3-4 purchases within an hour: not a burst;
- an evening sitting in which 4-7 purchases of the past week are typed one after another
  (created 40-200 seconds apart, occurred on different days): not a burst either.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from deploy.synthetic.fraud.records import Purchase, Source, after, local, lognormal, new_id
from deploy.synthetic.fraud.statement_people import Person


def same_shop_again(
    rng: random.Random, p: Person, mine: list[Purchase], times: int
) -> list[Purchase]:
    """Another purchase at the shop of ``times`` of the person's purchases, the same day."""
    home = p.spender.user.home_currency
    usual = {u.category_id: u for u in p.usuals}
    out = []
    for orig in rng.sample(mine, min(times, len(mine))):
        u, shop = usual[orig.category_id], orig.shop
        assert shop is not None
        amount = lognormal(rng, u.median, u.sigma, home)
        while abs(amount - orig.amount) < orig.amount / 10:
            amount = lognormal(rng, u.median, max(u.sigma, 0.2), home)
        low, high = u.kind.hours
        minute = 60 * (low + (high - low) * rng.random())
        if orig.occurred is not None:
            minute = min(23 * 60.0, orig.occurred.hour * 60 + 60 + 240 * rng.random())
        out.append(p.spender.buy(rng, shop, amount, home, u.category_id, orig.day, minute))
    return out


def busy_afternoon(
    rng: random.Random, p: Person, start: date, days: int, times: int
) -> list[Purchase]:
    """``times`` afternoons with 3-4 purchases within an hour, typed or read from receipts."""
    out = []
    for _ in range(times):
        day = start + timedelta(days=int(rng.random() * days))
        first, span = 780 + 180 * rng.random(), 25 + 33 * rng.random()
        marks = sorted(rng.random() for _ in range(1 + int(rng.random() * 2)))
        for mark in (0.0, *marks, 1.0):
            source: Source = "receipt" if rng.random() < 0.3 else "typed"
            out.append(p.purchase(rng, p.usual(rng), day, first + span * mark, source))
    return out


def backfill(rng: random.Random, p: Person, start: date, days: int, times: int) -> list[Purchase]:
    """``times`` evenings on which 4-7 purchases of the past week are typed in one sitting."""
    user, home = p.spender.user, p.spender.user.home_currency
    out: list[Purchase] = []
    for _ in range(times if days > 8 else 0):
        evening = start + timedelta(days=7 + int(rng.random() * (days - 7)))
        at = local(evening, 1200 + 150 * rng.random(), user.utc_offset_minutes)
        for back in sorted(rng.sample(range(1, 8), 4 + int(rng.random() * 4)), reverse=True):
            u = p.usual(rng)
            shop = rng.choice(u.shops)
            day = evening - timedelta(days=back)
            low, high = u.kind.hours
            occurred = local(day, 60 * (low + (high - low) * rng.random()), user.utc_offset_minutes)
            at = after(rng, at, 40, 200)
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
                    occurred,
                    at,
                    "typed",
                    shop=shop,
                )
            )
    return out
