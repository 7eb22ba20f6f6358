"""Normal traffic: every person's everyday purchases, trips and monthly charges, with the honest
look-alikes of the patterns (the same coffee twice, a shopping trip, a receipt photographed
again and not used).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from bus.money import round_to_currency
from deploy.synthetic.fraud.classic_drafts import (
    EPOCH,
    Expense,
    Merchant,
    Paper,
    Person,
    Receipt,
    Trip,
)
from deploy.synthetic.fraud.classic_draw import Draw
from deploy.synthetic.fraud.classic_recording import buy, photograph
from deploy.synthetic.fraud.classic_world import CROWD, CROWD_MINUTES, ONLINE, TRAVEL, new_shop


def normal_traffic(draw: Draw) -> None:
    for p in draw.people:
        first = len(draw.expenses)
        fixed = [m for ms in p.shops.values() for m in ms if m.kind == "fixed"]
        for i in range(draw.days):
            day = EPOCH + timedelta(days=i)
            trip = p.trip_days.get(day)
            if trip is not None:
                trip_day(draw, p, trip, day)
            else:
                home_day(draw, p, day, fixed)
            for m in p.monthly:
                if m.day_of_month == day.day:
                    buy(draw, p, m, draw.moment(day, draw.minute(p), p.offset))
        uncrowd(draw.expenses[first:])


def home_day(draw: Draw, p: Person, day: date, fixed: list[Merchant]) -> None:
    rng = draw.rng
    chance = p.rate / 4
    for _ in range(sum(rng.random() < chance for _ in range(4))):
        buy(draw, p, draw.pick(p), draw.moment(day, draw.minute(p), p.offset))
    if fixed and rng.random() < 0.02:  # the same coffee twice
        m = rng.choice(fixed)
        first = draw.moment(day, draw.minute(p), p.offset)
        later = rng.randint(10, 40) if rng.random() < 0.25 else rng.randint(60, 480)
        buy(draw, p, m, first)
        buy(draw, p, m, first + timedelta(minutes=later, seconds=rng.randrange(60)))
    if rng.random() < 0.03:  # a shopping trip: 2-3 purchases within the hour
        start = draw.moment(day, draw.minute(p), p.offset)
        offsets = [0, *sorted(rng.randint(5 * 60, 55 * 60) for _ in range(rng.randint(1, 2)))]
        for seconds in offsets:
            buy(draw, p, draw.pick(p), start + timedelta(seconds=seconds))


def trip_day(draw: Draw, p: Person, trip: Trip, day: date) -> None:
    rng = draw.rng
    for _ in range(rng.randint(1, 4)):
        m = rng.choice(trip.shops)
        buy(draw, p, m, draw.moment(day, draw.daytime(p), trip.offset), trip_id=trip.id)
    if rng.random() < 0.08:  # bought online, in the home currency, while away
        name, category, low, high = rng.choice(ONLINE)
        mine = category if category in p.category_ids else TRAVEL
        m = draw.merchant(new_shop(name, "variable", low, high), mine, p.home)
        buy(draw, p, m, draw.moment(day, draw.daytime(p), trip.offset), trip_id=trip.id)
    if day == trip.end:  # the hotel, for every night, at check-out
        nights = (trip.end - trip.start).days
        amount = round_to_currency(draw.price(trip.hotel) * nights, trip.currency)
        moment = draw.moment(day, rng.randint(8 * 60, 11 * 60), trip.offset)
        buy(draw, p, trip.hotel, moment, amount=amount, trip_id=trip.id, receipt_share=0.6)


def uncrowd(expenses: Sequence[Expense]) -> None:
    """Drop the rare normal purchase that would make five of one person's within 50
    minutes: that many is a velocity burst, and normal traffic holds no unlabelled ones."""
    timed = [(e.occurred, e.seq, e) for e in expenses if e.occurred is not None]
    kept: list[datetime] = []
    for occurred, _, e in sorted(timed):
        if len(kept) >= CROWD - 1 and occurred - kept[1 - CROWD] <= timedelta(
            minutes=CROWD_MINUTES
        ):
            e.dropped = True
        else:
            kept.append(occurred)


def index_normal(draw: Draw) -> None:
    draw.expenses = [e for e in draw.expenses if not e.dropped]
    for e in sorted(draw.expenses, key=lambda e: (e.at, e.seq)):
        draw.by_id[e.owner].normal.append(e)


def rephotograph(draw: Draw) -> None:
    """~1 % of people photograph a receipt again and do not file a second expense."""
    rng = draw.rng
    with_receipts = [p for p in draw.people if any(e.receipt for e in p.normal)]
    for p in rng.sample(with_receipts, min(len(with_receipts), max(3, len(draw.people) // 100))):
        used = [e.receipt for e in p.normal if e.receipt is not None]
        for original in rng.sample(used, min(len(used), rng.randint(1, 3))):
            after = original.at + timedelta(seconds=rng.randint(60, 3 * 86400))
            draw.loose_receipts.append(photograph(draw, p.id, rephoto(draw, original), after))


def rephoto(draw: Draw, original: Receipt) -> Paper:
    """The same paper photographed again: its hash with 0-4 bits flipped."""
    bits = draw.rng.sample(range(64), draw.rng.randint(0, 4))
    phash = int(original.phash, 16)
    for bit in bits:
        phash ^= 1 << bit
    paper = original.paper
    return Paper(paper.merchant, paper.day, paper.total, paper.currency, f"{phash:016x}")
