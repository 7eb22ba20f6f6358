"""The classic generator's state while it draws, and the small draws every step makes
(ids, sequence numbers, moments, prices, a person's merchants).
"""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, time, timedelta
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal

from bus.money import minor_units, round_to_currency
from deploy.synthetic.fraud.classic_drafts import EPOCH, Expense, Merchant, Person, Receipt, Trip
from deploy.synthetic.fraud.classic_world import (
    BIG_BASKET,
    CATALOG,
    DESCRIPTIONS,
    MONTHLY,
    ROUND_CASH,
    TRAVEL,
    MerchantKind,
    Shop,
)
from deploy.synthetic.fraud.currencies import PRICE_LEVEL
from deploy.synthetic.fraud.dataset import Group
from deploy.synthetic.fraud.rolls import between, per_mille, quantum, tz, weighted_pick


class Draw:
    """The whole data set as it is drawn: people first, then their normal traffic, then the
    injected patterns, then the outliers' amounts (they depend on everything before them).
    Each step is a function of this state (:mod:`deploy.synthetic.fraud.generator` runs them
    in order); what every step draws alike is a method here."""

    def __init__(self, seed: int, days: int) -> None:
        self.rng = random.Random(seed)
        self.days = days
        self.end = EPOCH + timedelta(days=days)
        self.seq = 0
        self.people: list[Person] = []
        self.by_id: dict[str, Person] = {}
        self.groups: list[Group] = []
        self.sharing: dict[str, tuple[str, ...]] = {}
        self.trips: list[Trip] = []
        self.expenses: list[Expense] = []
        self.loose_receipts: list[Receipt] = []  # photographed again, never used
        self.outlier_k: dict[str, float] = {}
        self.duplicated: set[str] = set()  # normal expenses already entered twice
        self.reused: set[str] = set()  # receipts already photographed again for an expense

    # ---- small draws --------------------------------------------------------------------

    def new_id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def tick(self) -> int:
        self.seq += 1
        return self.seq

    def minute(self, p: Person) -> int:
        return weighted_pick(self.rng, p.hours, p.hours_cw) * 60 + between(self.rng, 0, 59)

    def daytime(self, p: Person) -> int:
        """Like :meth:`minute`, but on the day itself (a night owl's 1 a.m. becomes the same
        day's): for expenses whose date must stay where it was drawn."""
        return self.minute(p) % (24 * 60)

    def moment(self, day: date, minute: int, offset: int) -> datetime:
        """A local moment (with its UTC offset) ``minute`` minutes after ``day``'s midnight."""
        midnight = datetime.combine(day, time(), tz(offset))
        return midnight + timedelta(minutes=minute, seconds=between(self.rng, 0, 59))

    def price(self, m: Merchant, currency: str | None = None) -> Decimal:
        """What one purchase at ``m`` costs: the same for fixed prices, a bounded jitter around
        the merchant's usual basket for variable ones (rarely a bigger basket)."""
        currency = currency or m.currency
        if m.kind == "round":
            return round_to_currency(Decimal(self.rng.choice(ROUND_CASH)), currency)
        if m.kind != "variable":
            return m.base
        if m.basket and self.rng.random() < BIG_BASKET:
            factor = per_mille(self.rng, 1250, 1350)
        else:
            factor = per_mille(self.rng, 800, 1250)
        return max(round_to_currency(m.base * factor, currency), quantum(currency))

    def shelf_price(self, shop: Shop, currency: str) -> Decimal:
        """A merchant's price for one person: drawn in its range, at the currency's price
        level, rounded as such prices are (2.90 for a ticket, 12.99 for a subscription)."""
        if shop.kind == "round":  # amounts drawn from ROUND_CASH each time
            return round_to_currency(Decimal(50), currency)
        unit = shop.low + (shop.high - shop.low) * per_mille(self.rng, 0, 1000)
        value = unit * PRICE_LEVEL[currency]
        if shop.kind == "variable":
            return max(round_to_currency(value, currency), quantum(currency))
        if minor_units(currency) == 0:
            step = Decimal(10)
        elif shop.kind == "subscription":
            return value.quantize(Decimal(1), rounding=ROUND_FLOOR) + Decimal("0.99")
        else:
            step = Decimal("0.10") if value < 10 else Decimal(1)
        steps = max((value / step).quantize(Decimal(1), rounding=ROUND_HALF_EVEN), Decimal(1))
        return round_to_currency(steps * step, currency)

    def merchant(
        self, shop: Shop, category: str, currency: str, level: Decimal | None = None
    ) -> Merchant:
        """One person's merchant: its spelling (with their store's number) and its price;
        a shop costs within 3 % of ``level`` (their first shop there), as a
        person's shops in one category do: a weekly shop is not a top-up."""
        name = shop.name
        if shop.numbered == "#" and self.rng.random() < 0.7:
            name = f"{name} #{self.rng.randint(100, 9999)}"
        elif shop.numbered == " " and self.rng.random() < 0.7:
            name = f"{name} {self.rng.randint(1000, 9999)}"
        day_of_month = self.rng.randint(1, 28) if shop.kind in MONTHLY else 0
        base = self.shelf_price(shop, currency)
        if level is not None and shop.kind in ("variable", "fixed"):
            base = round_to_currency(level * per_mille(self.rng, 970, 1030), currency)
        return Merchant(name, category, shop.kind, base, currency, shop, shop.basket, day_of_month)

    def describe(self, category: str, kind: MerchantKind) -> str:
        if kind == "rent":
            return "Rent"
        if self.rng.random() < 0.5:
            return ""
        return self.rng.choice(DESCRIPTIONS.get(category, DESCRIPTIONS[TRAVEL]))

    def pick(self, p: Person) -> Merchant:
        category = weighted_pick(self.rng, p.daily, p.daily_cw)
        return weighted_pick(self.rng, p.shops[category], p.shops_cw[category])

    def free_day(self, p: Person, first: int = 0, last: int | None = None) -> date | None:
        """A day in [first, last] (day numbers) that ``p`` spends at home."""
        last = self.days - 1 if last is None else last
        if first > last:
            return None
        for _ in range(10):
            day = EPOCH + timedelta(days=self.rng.randint(first, last))
            if day not in p.trip_days:
                return day
        return None

    def usual_or_new(self, p: Person) -> Merchant:
        """A merchant ``p`` frequents, or (40 %) one of the same kind they never used."""
        if self.rng.random() < 0.6:
            return self.pick(p)
        category = self.rng.choice(p.daily)
        known = {m.shop.name for m in p.shops[category]}
        new = [
            s for s in CATALOG.get(category, ()) if s.name not in known and s.kind not in MONTHLY
        ]
        if not new:
            return self.pick(p)
        return self.merchant(self.rng.choice(new), category, p.home)
