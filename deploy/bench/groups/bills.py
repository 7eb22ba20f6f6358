"""Random bills over a group's members: split by every method for the in-process figures, and
as the API takes them (equally, or by shares) for the end-to-end ones."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from random import Random

from actors.splits.shares import Part, parts
from actors.splits.split_methods import SplitMethod

CURRENCY = "EUR"
METHOD_MIX: tuple[tuple[SplitMethod, int], ...] = (
    ("equal", 50),
    ("shares", 15),
    ("exact", 15),
    ("percent", 10),
    ("adjustment", 10),
)
"""Split methods of the in-process bills and their weights."""

SHARES_EVERY = 4
"""Over HTTP, every 4th expense is split by shares, the others equally."""

FIRST_DAY = date(2026, 1, 1)
LAST_DAY = date(2026, 11, 20)


@dataclass(frozen=True)
class Bill:
    """The inputs of one bill, as ``shares.parts`` takes them."""

    amount: Decimal
    paid_by: list[tuple[str, Decimal]]
    method: SplitMethod
    members: list[str] | None = None
    shares: list[tuple[str, Decimal]] | None = None

    def parts(self) -> list[Part]:
        return parts(self.amount, CURRENCY, self.paid_by, self.method, self.members, self.shares)


def member_ids(count: int) -> list[str]:
    """Made-up ids of ``count`` members, for the in-process figures."""
    return [f"user-{i:03d}" for i in range(count)]


def _cut(rng: Random, total: int, count: int) -> list[int]:
    """``count`` positive whole numbers adding up to ``total`` (``total >= count``)."""
    points = sorted(rng.sample(range(1, total), count - 1)) if count > 1 else []
    edges = [0, *points, total]
    return [b - a for a, b in pairwise(edges)]


def cents(units: int) -> Decimal:
    """``units`` hundredths as an amount with two decimals."""
    return Decimal(units).scaleb(-2).quantize(Decimal("0.01"))


def _paid_by(rng: Random, ids: Sequence[str], units: int) -> list[tuple[str, Decimal]]:
    """Mostly one payer; sometimes two or three, each paying a positive part."""
    payers = rng.sample(list(ids), 1 if rng.random() < 0.85 else rng.randint(2, 3))
    return [(p, cents(u)) for p, u in zip(payers, _cut(rng, units, len(payers)), strict=True)]


def random_bill(rng: Random, ids: Sequence[str], method: SplitMethod) -> Bill:
    """A bill of 1.00 to 500.00 over a random 2..n of ``ids``, split by ``method``.

    Adjustments stay within a quarter of an equal part each way, so no one ever owes less than
    zero (with at least 1.00 over at most 50 people, every equal part is at least 0.02).
    """
    units = rng.randint(100, 50_000)
    amount = cents(units)
    payers = _paid_by(rng, ids, units)
    chosen = rng.sample(list(ids), rng.randint(2, len(ids)))
    count = len(chosen)
    if method == "equal":
        return Bill(amount, payers, method, members=chosen)
    if method == "shares":
        weights = [Decimal(rng.randint(1, 4)) for _ in chosen]
    elif method == "exact":
        weights = [cents(u) for u in _cut(rng, units, count)]
    elif method == "percent":
        weights = [cents(u) for u in _cut(rng, 10_000, count)]
    else:
        bound = units // (4 * count)
        weights = [cents(rng.randint(-bound, bound)) for _ in chosen]
    return Bill(amount, payers, method, shares=list(zip(chosen, weights, strict=True)))


def random_bills(rng: Random, ids: Sequence[str], count: int) -> list[Bill]:
    """``count`` bills, their methods drawn by the weights of :data:`METHOD_MIX`."""
    methods = [m for m, _ in METHOD_MIX]
    weights = [w for _, w in METHOD_MIX]
    return [random_bill(rng, ids, rng.choices(methods, weights)[0]) for _ in range(count)]


def _day(rng: Random) -> str:
    return (FIRST_DAY + timedelta(days=rng.randrange((LAST_DAY - FIRST_DAY).days + 1))).isoformat()


def expense_body(rng: Random, ids: Sequence[str], index: int) -> tuple[dict[str, object], Bill]:
    """One group expense as the API takes it, and the same bill for the local check: split
    equally among a random 2..n members, or (every ``SHARES_EVERY``-th) by shares of 1 to 3."""
    units = rng.randint(100, 50_000)
    amount = cents(units)
    payer = rng.choice(list(ids))
    chosen = rng.sample(list(ids), rng.randint(2, len(ids)))
    body: dict[str, object] = {
        "amount": str(amount),
        "currency": CURRENCY,
        "description": f"bench bill {index}",
        "date": _day(rng),
        "paid_by": [{"user_id": payer, "amount": str(amount)}],
    }
    if index % SHARES_EVERY == SHARES_EVERY - 1:
        weights = [Decimal(rng.randint(1, 3)) for _ in chosen]
        body["split"] = {
            "method": "shares",
            "shares": [
                {"user_id": u, "value": str(w)} for u, w in zip(chosen, weights, strict=True)
            ],
        }
        bill = Bill(
            amount, [(payer, amount)], "shares", shares=list(zip(chosen, weights, strict=True))
        )
    else:
        body["split"] = {"method": "equal", "members": chosen}
        bill = Bill(amount, [(payer, amount)], "equal", members=chosen)
    return body, bill
