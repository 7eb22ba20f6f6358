"""Injected patterns that misstate one expense: padded above its receipt, or outside its trip's
dates or currencies.
"""

from __future__ import annotations

from datetime import UTC, timedelta
from decimal import Decimal

from bus.money import round_to_currency
from deploy.synthetic.fraud.classic_drafts import EPOCH, Paper
from deploy.synthetic.fraud.classic_draw import Draw
from deploy.synthetic.fraud.classic_recording import buy, file
from deploy.synthetic.fraud.currencies import RATES_PER_EUR


def padding(draw: Draw) -> int:
    """An expense typed 10-60 % above the total its receipt shows."""
    rng = draw.rng
    p = rng.choice(draw.people)
    categories = [  # where amounts vary: a fixed price has no MAD to be far from
        c for c in p.daily if len(p.variable_shops(c)) == len(p.shops.get(c, ())) > 0
    ]
    day = draw.free_day(p)
    if not categories or day is None:
        return 0
    m = rng.choice(p.variable_shops(rng.choice(categories)))
    total = draw.price(m, p.home)
    padded = Decimal(rng.randint(1000, 6000)) / 10000
    amount = round_to_currency(total / (1 - padded), p.home)
    if not Decimal("0.10") <= (amount - total) / amount <= Decimal("0.60"):
        return 0
    occurred = draw.moment(day, draw.daytime(p), p.offset)
    made = occurred.astimezone(UTC)
    file(
        draw,
        p,
        m,
        day=day,
        occurred=occurred,
        sent=made,
        made=made,
        amount=amount,
        currency=p.home,
        label="padding",
        paper=Paper(m.name, day, total, p.home),
    )
    return 1


def trip_mismatch(draw: Draw) -> int:
    """An expense on a trip dated 3+ days outside it, or (half) in a third currency."""
    rng = draw.rng
    if not draw.trips:
        return 0
    trip = rng.choice(draw.trips)
    p = draw.by_id[trip.owner]
    m = rng.choice(trip.shops)
    if rng.random() < 0.5:
        if rng.random() < 0.5:
            day = trip.end + timedelta(days=rng.randint(3, 12))
        else:
            day = trip.start - timedelta(days=rng.randint(3, 10))
        if not EPOCH <= day < draw.end or day in p.trip_days:
            return 0
        currency = trip.currency if rng.random() < 0.6 else p.home
        occurred = draw.moment(day, draw.daytime(p), p.offset)
    else:
        thirds = sorted(set(RATES_PER_EUR) - {trip.currency, p.home})
        currency = rng.choice(thirds)
        day = trip.start + timedelta(days=rng.randint(0, (trip.end - trip.start).days))
        occurred = draw.moment(day, draw.daytime(p), trip.offset)
    if occurred.astimezone(UTC) <= trip.created:
        return 0
    amount = draw.price(draw.merchant(m.shop, m.category, currency))  # priced there
    buy(
        draw,
        p,
        m,
        occurred,
        label="trip_mismatch",
        amount=amount,
        currency=currency,
        trip_id=trip.id,
    )
    return 1
