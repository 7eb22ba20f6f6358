"""How one person's purchases reach the API, and the injected duplicates and outliers.

A :class:`Spender` turns a purchase (a shop, an amount, a local moment) into a record from one
of its owner's sources: typed by hand (clean name, with a time, entered seconds to hours later),
read from a receipt (as the receipt prints the name, time to the minute), pushed by a card feed
(statement spelling, with a time, seconds later) or imported from a statement (statement
spelling, no time, dated the day of purchase or the next, arriving in a batch at the person's
next sync). Injection works on already drawn normal traffic, so that it can measure a person's
own median and pick real purchases to enter twice.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from statistics import median

from deploy.synthetic.fraud.currencies import home_value
from deploy.synthetic.fraud.dataset import User
from deploy.synthetic.fraud.records import Purchase, Source, after, local, new_id, not_round, utc
from deploy.synthetic.fraud.shops import DESTINATION_OFFSETS, Shop


@dataclass(slots=True)
class Spender:
    user: User
    city: str
    p_import: float  # share of purchases imported from a statement
    p_feed: float  # share pushed by a card feed
    sync_every: int  # days between statement syncs
    sync_phase: int
    sync_minute: float  # local minute of day of a sync
    p_receipt: float = 0.0  # share read from a receipt

    def source(self, rng: random.Random) -> Source:
        roll = rng.random()
        for share, source in (
            (self.p_import, "statement"),
            (self.p_feed, "feed"),
            (self.p_receipt, "receipt"),
        ):
            if roll < share:
                return source  # type: ignore[return-value]
            roll -= share
        return "typed"

    def synced(self, rng: random.Random, posted: date, not_before: datetime) -> datetime:
        """When a statement line posted on ``posted`` arrives: the first sync after that day
        (and after ``not_before``), a few seconds into the batch."""
        day = posted + timedelta(days=1)
        while True:
            if day.toordinal() % self.sync_every == self.sync_phase % self.sync_every:
                at = after(rng, local(day, self.sync_minute, self.user.utc_offset_minutes), 0, 4)
                if at > not_before:
                    return at
            day += timedelta(days=1)

    def buy(
        self,
        rng: random.Random,
        shop: Shop,
        amount: Decimal,
        currency: str,
        category_id: str,
        day: date,
        minute: float,
        offset: int | None = None,
        tag: str = "",
        source: Source | None = None,
    ) -> Purchase:
        """The record of one purchase made at local ``minute`` of ``day``."""
        source = source or self.source(rng)
        occurred = local(day, minute, self.user.utc_offset_minutes if offset is None else offset)
        if source == "statement":
            posted = day + timedelta(days=1 if rng.random() < 0.4 else 0)
            at = self.synced(rng, posted, utc(occurred))
            return Purchase(
                new_id(rng),
                self.user,
                amount,
                currency,
                category_id,
                shop.statement(rng),
                posted,
                None,
                at,
                source,
                shop=shop,
                tag=tag,
            )
        if source == "feed":
            at, merchant = after(rng, occurred, 3, 90), shop.statement(rng)
        elif source == "receipt":
            occurred = occurred.replace(second=0)
            at, merchant = after(rng, occurred, 120, 7200), shop.receipt()
        else:
            roll = rng.random()
            delay = (5, 300) if roll < 0.7 else (300, 10800) if roll < 0.95 else (10800, 86400)
            at, merchant = after(rng, occurred, *delay), shop.typed
        return Purchase(
            new_id(rng),
            self.user,
            amount,
            currency,
            category_id,
            merchant,
            day,
            occurred,
            at,
            source,
            shop=shop,
            tag=tag,
        )


def home_amount(p: Purchase) -> Decimal:
    value: Decimal = home_value(p.amount, p.currency, p.owner.home_currency, p.day)["home_amount"]
    return value


def inject_outliers(
    rng: random.Random,
    spenders: dict[str, Spender],
    normal: list[Purchase],
    count: int,
    factors: tuple[Decimal, Decimal],
    first: date,
    last: date,
) -> list[Purchase]:
    """``count`` purchases in the home currency at ``factors`` times the median of everything
    the person spent in that category, each on a day in ``first``..``last`` after at least 8
    everyday purchases in the category, at one of the shops of those purchases."""
    by_category: dict[tuple[str, str], list[Purchase]] = defaultdict(list)
    for p in sorted(normal, key=lambda x: x.at):
        by_category[p.owner.id, p.category_id].append(p)
    candidates = []
    for key, history in by_category.items():
        everyday = [p for p in history if p.tag == "" and p.shop is not None]
        if len(everyday) >= 8 and everyday[7].day < last:
            start = max(first, everyday[7].day + timedelta(days=1))
            typical = median(home_amount(p) for p in history)
            candidates.append((key, everyday, start, typical))
    out: list[Purchase] = []
    for _ in range(count if candidates else 0):
        (owner, category), everyday, start, typical = rng.choice(candidates)
        low, high = factors
        times = low + (high - low) * Decimal(int(rng.random() * 1000)) / 1000
        home = spenders[owner].user.home_currency
        day = start + timedelta(days=int(rng.random() * ((last - start).days + 1)))
        shop = rng.choice(everyday).shop
        assert shop is not None
        p = spenders[owner].buy(
            rng,
            shop,
            not_round(rng, typical * times, home),
            home,
            category,
            day,
            600 + 600 * rng.random(),
        )
        p.label = "outlier"
        out.append(p)
    return out


def inject_duplicates(
    rng: random.Random,
    spenders: dict[str, Spender],
    normal: list[Purchase],
    count: int,
    first: date,
    last: date,
) -> list[Purchase]:
    """``count`` purchases entered a second time from another source: an import of one typed
    or read from a receipt (dated that day or the next), or one typed or read from a receipt
    after its import (dated that day or the day before). Same amount and currency, another
    spelling of the merchant; the second arrival is the labelled one."""
    pool = [
        p
        for p in normal
        if first <= p.day <= last
        and p.tag == ""
        and p.source != "feed"
        and p.shop is not None
        and spenders[p.owner.id].p_import > 0
    ]
    out: list[Purchase] = []
    for orig in rng.sample(pool, min(count, len(pool))):
        spender, shop = spenders[orig.owner.id], orig.shop
        assert shop is not None
        if orig.source == "statement":
            source: Source = "receipt" if rng.random() < spender.p_receipt else "typed"
            day = max(first, orig.day - timedelta(days=int(rng.random() * 2)))
            offset = spender.user.utc_offset_minutes
            if orig.currency != spender.user.home_currency:
                offset = DESTINATION_OFFSETS[orig.currency]
            occurred = local(day, 540 + 720 * rng.random(), offset).replace(second=0)
            merchant = shop.receipt() if source == "receipt" else shop.typed
            at = after(rng, orig.at, 3600, 40 * 3600)
            twin = Purchase(
                new_id(rng),
                orig.owner,
                orig.amount,
                orig.currency,
                orig.category_id,
                merchant,
                day,
                occurred,
                at,
                source,
                shop=shop,
            )
        else:
            posted = orig.day + timedelta(days=int(rng.random() * 2))
            at = spender.synced(rng, posted, orig.at)
            twin = Purchase(
                new_id(rng),
                orig.owner,
                orig.amount,
                orig.currency,
                orig.category_id,
                shop.statement(rng),
                posted,
                None,
                at,
                "statement",
                shop=shop,
            )
        if twin.merchant != orig.merchant:
            twin.label = "duplicate"
            out.append(twin)
    return out


def burst_moments(
    rng: random.Random, day: date, minute: float, span_minutes: float, size: int, offset: int
) -> list[datetime]:
    """``size`` local moments from ``minute`` of ``day``, the last ``span_minutes`` after the
    first, in order."""
    gaps = sorted(rng.random() for _ in range(size - 2))
    marks = [0.0, *gaps, 1.0]
    return [local(day, minute + span_minutes * m, offset) for m in marks]
