"""Recording an expense and its receipt as the API gets them: the receipt uploaded and read
first, the expense after it, its home-currency value fixed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from bus.money import round_to_currency
from deploy.synthetic.fraud.classic_drafts import Expense, Merchant, Paper, Pattern, Person, Receipt
from deploy.synthetic.fraud.classic_draw import Draw
from deploy.synthetic.fraud.classic_world import BACKFILL_SHARE, BAND, IMAGE_SIZES, MONTHLY
from deploy.synthetic.fraud.currencies import home_value
from deploy.synthetic.fraud.rolls import between, millis


def photograph(draw: Draw, owner: str, paper: Paper, after: datetime) -> Receipt:
    """A receipt photographed shortly after ``after`` and read a few seconds later."""
    rng = draw.rng
    at = after + millis(rng, 5_000, 180_000)
    width, height = rng.choice(IMAGE_SIZES)
    return Receipt(
        id=draw.new_id(),
        owner=owner,
        at=at,
        scanned=at + millis(rng, 2_000, 20_000),
        phash=paper.phash or f"{rng.getrandbits(64):016x}",
        sha256=f"{rng.getrandbits(256):064x}",
        paper=paper,
        confidence={
            "total": round(rng.uniform(0.85, 0.99), 3),
            "date": round(rng.uniform(0.85, 0.99), 3),
            "merchant": round(rng.uniform(0.85, 0.98), 3),
            "currency": round(rng.uniform(0.9, 1.0), 3),
        },
        size=between(rng, 90_000, 2_400_000),
        width=width,
        height=height,
        seq=draw.tick(),
    )


def file(
    draw: Draw,
    p: Person,
    m: Merchant,
    *,
    day: date,
    occurred: datetime | None,
    sent: datetime,
    made: datetime,
    amount: Decimal,
    currency: str,
    label: Pattern | None = None,
    trip_id: str | None = None,
    paper: Paper | None = None,
    merchant_name: str | None = None,
    category: str | None = None,
    description: str | None = None,
) -> Expense:
    """Record one expense (and its receipt, uploaded first): ``sent`` is when the device
    started sending, ``made`` when it says it made the expense."""
    receipt = photograph(draw, p.id, paper, sent) if paper is not None else None
    if receipt is not None:
        at = receipt.scanned + millis(draw.rng, 5_000, 120_000)
    else:
        at = sent + millis(draw.rng, 3_000, 600_000)
    category = category or m.category
    e = Expense(
        id=draw.new_id(),
        owner=p.id,
        seq=draw.tick(),
        at=at,
        day=day,
        occurred=occurred,
        made=made,
        amount=amount,
        currency=currency,
        home=p.home,
        category=category,
        category_id=p.category_ids[category],
        merchant=m,
        merchant_name=merchant_name or m.name,
        description=draw.describe(category, m.kind) if description is None else description,
        trip_id=trip_id,
        label=label,
        receipt=receipt,
    )
    e.value = home_value(amount, currency, p.home, day)
    draw.expenses.append(e)
    return e


def buy(
    draw: Draw,
    p: Person,
    m: Merchant,
    occurred: datetime,
    *,
    label: Pattern | None = None,
    amount: Decimal | None = None,
    currency: str | None = None,
    trip_id: str | None = None,
    receipt_share: float | None = None,
) -> Expense:
    """One purchase entered as it happens (normal ones sometimes entered hours later)."""
    rng = draw.rng
    currency = currency or m.currency
    if amount is None:
        amount = draw.price(m, currency)
        if label is None:
            amount = keep_clear_of_bursts(draw, p, m, amount, currency, occurred)
    made = sent = occurred.astimezone(UTC)
    shown: datetime | None = occurred
    if label is None and rng.random() < BACKFILL_SHARE:
        sent = made = made + timedelta(seconds=rng.randint(3600, 40 * 3600))
        shown = occurred if rng.random() < 0.5 else None
    share = p.receipt_share if receipt_share is None else receipt_share
    paper = None
    if m.kind not in MONTHLY and m.kind != "round" and rng.random() < share:
        paper = Paper(m.name, occurred.date(), amount, currency)
    return file(
        draw,
        p,
        m,
        day=occurred.date(),
        occurred=shown,
        sent=sent,
        made=made,
        amount=amount,
        currency=currency,
        label=label,
        trip_id=trip_id,
        paper=paper,
    )


def keep_clear_of_bursts(
    draw: Draw, p: Person, m: Merchant, amount: Decimal, currency: str, occurred: datetime
) -> Decimal:
    """Normal amounts near a budget (a purchase-sized one is just above the dearest
    shop's usual prices, so ordinary purchases come close to it); never two at 90-99.5 %
    within a few days (that is what a limit burst is)."""
    budget = p.budget_for(m.category)
    if budget is None or currency != budget.currency:
        return amount
    low, high = (budget.amount * Decimal(b) / 10000 for b in (BAND[0] - 100, BAND[1] + 100))
    if low <= amount <= high:
        moment = occurred.astimezone(UTC)
        if any(abs(moment - t) < timedelta(days=5) for t in budget.band_times):
            return round_to_currency(amount * Decimal("0.85"), currency)  # below the band
        budget.band_times.append(moment)
    return amount
