"""Injected patterns of many expenses at once: a velocity burst, and a burst just under a budget's
limit.
"""

from __future__ import annotations

from datetime import UTC, timedelta

from deploy.synthetic.fraud.classic_draw import Draw
from deploy.synthetic.fraud.classic_recording import buy
from deploy.synthetic.fraud.classic_world import BAND
from deploy.synthetic.fraud.rolls import fraction_of


def velocity(draw: Draw) -> int:
    """5-9 purchases within 15-50 minutes, at usual or new merchants, normal amounts."""
    rng = draw.rng
    p = rng.choice(draw.people)
    day = draw.free_day(p)
    if day is None:
        return 0
    count = rng.randint(5, 9)
    span = rng.randint(15 * 60, 50 * 60)
    start = draw.moment(day, draw.minute(p), p.offset)
    offsets = sorted([0, span, *(rng.randint(0, span) for _ in range(count - 2))])
    for seconds in offsets:
        occurred = start + timedelta(seconds=seconds)
        buy(
            draw,
            p,
            draw.usual_or_new(p),
            occurred,
            label="velocity",
            currency=p.home,
            receipt_share=p.receipt_share / 3,
        )
    return count


def limit_burst(draw: Draw) -> int:
    """2-4 expenses within 1-3 days in a budget's category, each 90-99.5 % of it."""
    rng = draw.rng
    p = rng.choice(draw.people)
    if not p.budgets or draw.days < 10:
        return 0
    budget = rng.choices(p.budgets, weights=[3 if b.per_purchase else 1 for b in p.budgets])[0]
    span = rng.randint(1, 3)
    first = draw.free_day(p, 0, draw.days - span)
    if first is None:
        return 0
    days = [first + timedelta(days=i) for i in range(span)]
    if any(d in p.trip_days for d in days):
        return 0
    moments = sorted(
        draw.moment(rng.choice(days), draw.minute(p), p.offset) for _ in range(rng.randint(2, 4))
    )
    start = moments[0].astimezone(UTC)
    if any(abs(t - start) < timedelta(days=8) for t in [*budget.band_times, *budget.bursts]):
        return 0  # far from other amounts near this limit, so bursts stay apart
    shops = p.variable_shops(budget.category) or p.shops[budget.category]
    for occurred in moments:
        amount = fraction_of(rng, budget.amount, *BAND, budget.currency)
        buy(draw, p, rng.choice(shops), occurred, label="limit_burst", amount=amount)
    budget.bursts.append(start)
    return len(moments)
