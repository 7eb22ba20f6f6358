"""Injected outliers: placed while the patterns are drawn, priced at the end from their owner's
earlier amounts in the category (a number of MADs above the median).
"""

from __future__ import annotations

import random
import statistics
from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal

from bus.money import round_to_currency
from deploy.synthetic.fraud.classic_drafts import EPOCH
from deploy.synthetic.fraud.classic_draw import Draw
from deploy.synthetic.fraud.classic_recording import buy
from deploy.synthetic.fraud.currencies import home_value
from deploy.synthetic.fraud.rolls import per_mille


def outlier(draw: Draw) -> int:
    """Placed now, priced later (:meth:`price_outliers`): an expense at a merchant of a
    category where ``p`` already has 10+ expenses, 3-8 MADs above their median."""
    rng = draw.rng
    p = rng.choice(draw.people)
    categories = [c for c in p.daily if p.variable_shops(c)]
    if not categories:
        return 0
    category = rng.choice(categories)
    history = [e for e in p.normal if e.category == category]
    if len(history) < 12:
        return 0
    after = history[9].at.date() - EPOCH + timedelta(days=2)
    day = draw.free_day(p, after.days)
    if day is None:
        return 0
    m = rng.choice(p.variable_shops(category))
    occurred = draw.moment(day, draw.minute(p), p.offset)
    buy(draw, p, m, occurred, label="outlier", amount=Decimal(0), currency=p.home)
    return 1


def price_outliers(draw: Draw) -> None:
    """Walk every expense in the order the API got them; each outlier's amount is then
    median + k * MAD (unscaled) of its owner's earlier home amounts in its category, with
    k in [3, 8]. An outlier without 10 earlier amounts, or with MAD 0, is dropped."""
    rng = draw.rng
    history: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    for e in sorted(draw.expenses, key=lambda e: (e.at, e.seq)):
        seen = history[e.owner, e.category_id]
        if e.label == "outlier":
            amount, k = _outlier_amount(rng, seen, e.home)
            if amount is None:
                e.dropped = True
                continue
            e.amount = amount
            e.value = home_value(amount, e.currency, e.home, e.day)
            if e.receipt is not None:
                e.receipt.paper.total = amount
            draw.outlier_k[e.id] = k
        seen.append(e.home_amount)
    draw.expenses = [e for e in draw.expenses if not e.dropped]


def _outlier_amount(
    rng: random.Random, seen: Sequence[Decimal], currency: str
) -> tuple[Decimal | None, float]:
    if len(seen) < 10:
        return None, 0.0
    median = statistics.median(seen)
    mad = statistics.median(abs(x - median) for x in seen)
    if mad == 0:
        return None, 0.0
    for _ in range(20):
        k = per_mille(rng, 3000, 8000)
        amount = round_to_currency(median + k * mad, currency)
        realised = (amount - median) / mad
        if 3 <= realised <= 8:
            return amount, float(realised)
    return None, 0.0
