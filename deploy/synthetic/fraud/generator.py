"""A seeded, labelled synthetic data set of expenses, for evaluating a fraud scorer.

``generate(seed)`` draws people with their habits (home currency, UTC offset, categories, the
merchants they frequent and what they pay there), groups of people, trips, monthly budgets and
``days`` days of expenses and receipts, each record shaped exactly as the API returns it
(``bus.entities.Expense``, ``bus.receipts.Receipt``, ``bus.entities.Trip``, budgets), in the
order the records reached the API. A scorer fed this stream sees only what the API holds.

A few percent of the expenses are injected patterns (``PATTERNS`` in
:mod:`deploy.synthetic.fraud.classic_drafts`), each labelled in ``Dataset.labels``; everything
else is normal. Normal traffic deliberately contains the honest look-alikes of every pattern (a
coffee bought twice the same day, three purchases within an hour, round cash withdrawals,
purchases close to a budget, trips paid partly in the home currency, a receipt photographed
twice but used once, expenses entered hours later without a time), so that a scorer can only
separate them by what really differs.

Everything comes from one ``random.Random(seed)`` (no clock, no global random): the same seed
gives the same data set, byte for byte. Amounts are ``Decimal`` throughout; JSON amounts are
decimal strings with exactly the currency's minor units.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from deploy.synthetic.fraud.classic_bursts import limit_burst, velocity
from deploy.synthetic.fraud.classic_copies import duplicate, receipt_reuse
from deploy.synthetic.fraud.classic_drafts import PATTERN_SHARE
from deploy.synthetic.fraud.classic_draw import Draw
from deploy.synthetic.fraud.classic_json import budget_json, expense_json, receipt_json, trip_json
from deploy.synthetic.fraud.classic_misstated import padding, trip_mismatch
from deploy.synthetic.fraud.classic_outliers import outlier, price_outliers
from deploy.synthetic.fraud.classic_people import draw_people
from deploy.synthetic.fraud.classic_plans import plan_budgets, plan_trips
from deploy.synthetic.fraud.classic_traffic import index_normal, normal_traffic, rephotograph
from deploy.synthetic.fraud.dataset import Dataset, Item
from deploy.synthetic.fraud.receipt_duplicates import find_duplicates


def generate(seed: int, users: int = 300, days: int = 90) -> Dataset:
    """The data set of ``seed``: ``users`` people over ``days`` days from ``EPOCH``
    (:mod:`deploy.synthetic.fraud.classic_drafts`)."""
    with _collector_paused():
        draw = Draw(seed, days)
        draw_people(draw, users)
        plan_trips(draw)
        plan_budgets(draw)
        normal_traffic(draw)
        index_normal(draw)
        rephotograph(draw)
        inject(draw)
        price_outliers(draw)
        return assemble(draw, seed)


def inject(draw: Draw) -> None:
    """Each pattern until it has its share of expenses (a step may find nothing to do:
    a person without budgets for a limit burst, say; it is then drawn again)."""
    target = max(1, int(len(draw.expenses) * PATTERN_SHARE))
    steps = (
        duplicate,
        velocity,
        limit_burst,
        receipt_reuse,
        padding,
        trip_mismatch,
        outlier,  # last: its amount depends on what came before it
    )
    for step in steps:
        done = attempts = 0
        while done < target and attempts < target * 20:
            attempts += 1
            done += step(draw)


def assemble(draw: Draw, seed: int) -> Dataset:
    """The stream of every record in the order the API got them, with the labels; each
    receipt's duplicates found first, as the ocr actor would have found them."""
    items: list[tuple[datetime, int, Item]] = []
    receipts = [e.receipt for e in draw.expenses if e.receipt is not None]
    receipts += draw.loose_receipts
    find_duplicates(sorted(receipts, key=lambda r: (r.at, r.seq)), draw.sharing)
    for r in receipts:
        items.append((r.at, r.seq, Item(r.at, "receipt", r.owner, receipt_json(r))))
    for e in draw.expenses:
        items.append((e.at, e.seq, Item(e.at, "expense", e.owner, expense_json(e))))
    for t in draw.trips:
        items.append((t.created, t.seq, Item(t.created, "trip", t.owner, trip_json(t))))
    for p in draw.people:
        for b in p.budgets:
            items.append((b.created, b.seq, Item(b.created, "budget", b.owner, budget_json(b))))
    items.sort(key=lambda row: (row[0], row[1]))
    return Dataset(
        seed=seed,
        users=tuple(p.user for p in draw.people),
        groups=tuple(draw.groups),
        stream=tuple(item for _, _, item in items),
        labels={e.id: e.label for e in draw.expenses if e.label is not None},
        outlier_k=dict(draw.outlier_k),
    )


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Drawing allocates about a million small objects that all live to the end and hold no
    cycles; the cyclic collector would scan them again and again (more so with another data
    set already alive), taking longer than the drawing itself."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
