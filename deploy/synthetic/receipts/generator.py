"""Synthetic receipts, deterministic from a seed, each with the ground truth of what it shows.

``make_receipts(seed, count)`` draws the receipts (merchant, date, items, amounts, and the lines
printed on the paper); ``render(receipt, degraded)`` (:mod:`deploy.synthetic.receipts.images`)
draws them: a clean PNG, or a degraded JPEG (rotated up to ±5°, blurred, speckled, shrunk to
0.6x and saved at quality 40), like a quick phone photo. Amounts always agree: items sum to the
subtotal, and subtotal + tax + tip is the total. Only the fonts shipped beside this module are
used, so images are the same everywhere.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from deploy.synthetic.receipts.basket import draw_items, draw_sums
from deploy.synthetic.receipts.money_style import CURRENCIES, CURRENCY_WEIGHTS, money_style
from deploy.synthetic.receipts.printing import print_lines
from deploy.synthetic.receipts.truth import SyntheticReceipt
from deploy.synthetic.receipts.typefaces import FONT_FAMILIES
from deploy.synthetic.receipts.words import KINDS, merchant_name


def make_receipts(seed: int, count: int) -> list[SyntheticReceipt]:
    """``count`` receipts, the same for the same seed."""
    rng = random.Random(seed)
    return [_make_one(random.Random(rng.getrandbits(64)), i) for i in range(count)]


def _make_one(rng: random.Random, index: int) -> SyntheticReceipt:
    """One receipt: its shop, currency, date and look, what was bought, and the printed lines."""
    kind = rng.choice(tuple(KINDS))
    currency = rng.choices(CURRENCIES, CURRENCY_WEIGHTS)[0]
    money = money_style(rng, currency)
    merchant = merchant_name(rng, kind)
    day = date(2019, 1, 1) + timedelta(days=rng.randrange(11 * 365))
    layout = rng.choice(("centered", "left", "table", "two_line"))
    family = rng.choice(tuple(FONT_FAMILIES))
    font_size = rng.randrange(18, 29)
    width = rng.randrange(600, 801)
    items = draw_items(rng, kind, currency, layout)
    sums = draw_sums(rng, kind, currency, money.digits, items)
    lines, truth_items = print_lines(
        rng,
        merchant=merchant,
        day=day,
        kind=kind,
        layout=layout,
        money=money,
        items=items,
        sums=sums,
    )
    return SyntheticReceipt(
        index=index,
        merchant=merchant,
        date=day,
        total=sums.total,
        subtotal=sums.subtotal if sums.show_subtotal else None,
        tax=sums.tax,
        tip=sums.tip,
        currency=currency,
        items=tuple(truth_items),
        lines=tuple(lines),
        layout=layout,
        font=family,
        font_size=font_size,
        width=width,
        render_seed=rng.getrandbits(63),
    )
