"""Injected patterns that copy an earlier record: a duplicate expense, and a receipt used again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bus.money import round_to_currency
from deploy.synthetic.fraud.classic_drafts import EPOCH
from deploy.synthetic.fraud.classic_draw import Draw
from deploy.synthetic.fraud.classic_recording import file
from deploy.synthetic.fraud.classic_traffic import rephoto
from deploy.synthetic.fraud.rolls import per_mille
from deploy.synthetic.fraud.spellings import merchant_variant


def duplicate(draw: Draw) -> int:
    """A normal expense entered a second time, minutes to two days later, with the same
    date, amount, currency and category but the merchant spelled another way."""
    rng = draw.rng
    p = rng.choice(draw.people)
    kinds = ("variable",) if rng.random() < 0.8 else ("fixed", "round")
    originals = [
        e
        for e in p.normal
        if e.merchant.kind in kinds
        and e.occurred is not None
        and e.made == e.occurred
        and e.id not in draw.duplicated
    ]
    if not originals:
        return 0
    original = rng.choice(originals)
    roll = rng.random()
    if roll < 0.45:
        delay = timedelta(minutes=rng.randint(2, 120))
    elif roll < 0.85:
        delay = timedelta(hours=rng.randint(2, 30), minutes=rng.randrange(60))
    else:
        delay = timedelta(hours=rng.randint(30, 47), minutes=rng.randrange(60))
    sent = (original.at + delay).replace(microsecond=0)  # devices say whole seconds
    if sent.date() >= draw.end:
        return 0
    assert original.occurred is not None
    roll = rng.random()
    occurred: datetime | None = original.occurred
    if roll < 1 / 3:
        occurred = None
    elif roll < 2 / 3:
        shift = rng.choice((-1, 1)) * rng.randint(60, 8 * 60)
        shifted = original.occurred + timedelta(seconds=shift)
        occurred = shifted if shifted.date() == original.day else original.occurred
    file(
        draw,
        p,
        original.merchant,
        day=original.day,
        occurred=occurred,
        sent=sent,
        made=sent,
        amount=original.amount,
        currency=original.currency,
        label="duplicate",
        trip_id=original.trip_id,
        merchant_name=merchant_variant(rng, original.merchant_name),
        category=original.category,
        description=original.description if rng.random() < 0.5 else None,
    )
    draw.duplicated.add(original.id)  # the original stays as it was, unlabelled
    return 1


def receipt_reuse(draw: Draw) -> int:
    """A new expense filed with a re-photograph of a receipt that an earlier expense already
    used: one's own from 3+ days before, or (half) a group member's."""
    rng = draw.rng
    own = rng.random() < 0.5 or not draw.groups
    if own:
        p = source = rng.choice(draw.people)
    else:
        p = draw.by_id[rng.choice(rng.choice(draw.groups).member_ids)]
        source = draw.by_id[rng.choice([m for m in draw.sharing[p.id] if m != p.id])]
    used = [
        e
        for e in source.normal
        if e.receipt is not None
        and e.trip_id is None
        and e.currency == source.home
        and e.receipt.id not in draw.reused
    ]
    if not used:
        return 0
    original = rng.choice(used)
    assert original.receipt is not None
    first = (original.day - EPOCH).days + (3 if own else 0)
    day = draw.free_day(p, first, min(first + (17 if own else 14), draw.days - 1))
    if day is None:
        return 0
    occurred = draw.moment(day, draw.daytime(p), p.offset)
    made = occurred.astimezone(UTC)
    if made - original.at < (timedelta(days=3) if own else timedelta(hours=1)):
        return 0
    paper = rephoto(draw, original.receipt)
    amount = paper.total
    if not own and rng.random() < 0.4:  # what they claim as their share, roughly
        amount = round_to_currency(amount * per_mille(rng, 970, 1030), paper.currency)
    if own or original.category in p.category_ids:
        category = original.category
    else:
        category = rng.choice(p.daily)
    shown: datetime | None = occurred
    if not own and original.day != day and rng.random() < 0.5:
        day, shown = original.day, None  # dated as the receipt: a past day, no time
    file(
        draw,
        p,
        original.merchant,
        day=day,
        occurred=shown,
        sent=made,
        made=made,
        amount=amount,
        currency=paper.currency,
        label="receipt_reuse",
        paper=paper,
        merchant_name=original.merchant_name,
        category=category,
    )
    draw.reused.add(original.receipt.id)
    return 1
