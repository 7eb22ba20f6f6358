"""Building blocks shared by the ``lognormal`` and ``statements`` generators.

Draws (log-normal amounts that are never round, Poisson counts, ids, moments) all take the
generator's one ``random.Random``; records are written exactly as the API returns them:
``bus.entities.Expense`` for a personal expense and ``bus.entities.GroupExpense`` for a bill
posted in a group, with ``created_at`` the moment the record reached the API.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from functools import cache
from typing import Any, Literal

from actors.splits.bills import shares_data
from actors.splits.shares import parts
from bus.money import format_amount, minor_units, round_to_currency
from deploy.synthetic.fraud.currencies import HOME_CURRENCIES, HOME_WEIGHTS, OFFSETS, home_value
from deploy.synthetic.fraud.dataset import Dataset, Group, Item, User, iso
from deploy.synthetic.fraud.shops import Shop

Source = Literal["typed", "receipt", "statement", "feed"]
"""Where an expense came from: typed by hand, read from a receipt, imported from a statement
(no time), or pushed by a card feed (statement spelling, with a time)."""


def new_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


@cache
def tz(offset_minutes: int) -> timezone:
    return timezone(timedelta(minutes=offset_minutes))


def home_of(rng: random.Random) -> tuple[str, int]:
    """A home currency and the UTC offset of where its owner lives."""
    home = rng.choices(HOME_CURRENCIES, HOME_WEIGHTS)[0]
    return home, rng.choice(OFFSETS[home])


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson count (Knuth's product of uniforms; means here are small)."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def factor(value: float) -> Decimal:
    """A float multiplier as an exact decimal of 6 places: money itself never passes a float."""
    return Decimal(round(value * 1_000_000)) / 1_000_000


def lognormal(rng: random.Random, median: Decimal, sigma: float, currency: str) -> Decimal:
    """One amount around ``median`` with log-space spread ``sigma``, never round."""
    return not_round(rng, median * factor(math.exp(rng.gauss(0.0, sigma))), currency)


def not_round(rng: random.Random, amount: Decimal, currency: str) -> Decimal:
    """``amount`` in minor units, moved off a whole unit (or a whole hundred without minor
    units) by a few minor units, and never below a smallest price."""
    places = minor_units(currency)
    smallest = Decimal("0.5") if places else Decimal(50)
    value = round_to_currency(max(amount, smallest), currency)
    step = Decimal(1).scaleb(-places)
    whole = Decimal(1) if places else Decimal(100)
    if value % whole == 0:
        value += step * (1 + int(rng.random() * (99 if places else 9)))
    return value


@dataclass(slots=True)
class Purchase:
    """One expense before it is written out."""

    id: str
    owner: User
    amount: Decimal
    currency: str
    category_id: str
    merchant: str
    day: date  # the expense's date (a statement's posting date for imports)
    occurred: datetime | None  # with the offset of where it happened
    at: datetime  # UTC: when it reached the API
    source: Source
    label: str | None = None
    description: str = ""
    shop: Shop | None = None  # the shop as its owner knows it (not written out)
    tag: str = ""  # how it was drawn: "" everyday, "fixed" a habit, "big" a rare purchase


def local(day: date, minute_of_day: float, offset: int) -> datetime:
    """The moment ``minute_of_day`` minutes into ``day`` at UTC ``offset``, to the second."""
    seconds = int(minute_of_day * 60)
    return datetime.combine(day, time(), tz(offset)) + timedelta(seconds=seconds)


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def after(rng: random.Random, moment: datetime, low_s: float, high_s: float) -> datetime:
    """A UTC moment ``low_s``..``high_s`` seconds after ``moment``, to the millisecond."""
    millis = int((low_s + rng.random() * (high_s - low_s)) * 1000)
    return utc(moment) + timedelta(milliseconds=millis)


def expense_record(p: Purchase) -> dict[str, Any]:
    """``p`` as ``bus.entities.Expense`` JSON."""
    value, created = home_value(p.amount, p.currency, p.owner.home_currency, p.day), iso(p.at)
    made = None if p.source in ("statement", "feed") else iso(p.at - timedelta(milliseconds=180))
    return {
        "id": p.id,
        "type": "expense",
        "amount": format_amount(p.amount),
        "currency": p.currency,
        "category_id": p.category_id,
        "description": p.description,
        "merchant": p.merchant,
        "date": p.day.isoformat(),
        "occurred_at": iso(p.occurred),
        "notes": None,
        "tags": [],
        "trip_id": None,
        "version": 1,
        "created_at": created,
        "updated_at": created,
        "made_at": made,
        "receipt_id": None,
        "home_currency": value["home_currency"],
        "home_amount": format_amount(value["home_amount"]),
        "rate": format_amount(value["rate"]),
        "rate_date": value["rate_date"].isoformat(),
        "rate_source": value["rate_source"],
        "rate_status": value["rate_status"],
    }


@dataclass(slots=True)
class Bill:
    """A shared purchase posted in a group (always in the group's currency)."""

    id: str
    group: Group
    issuer: str
    amount: Decimal
    currency: str
    category: str
    description: str
    day: date
    at: datetime


def group_expense_record(b: Bill) -> dict[str, Any]:
    """``b`` as ``bus.entities.GroupExpense`` JSON: paid by its issuer, split equally."""
    members = list(b.group.member_ids)
    bill = parts(b.amount, b.currency, [(b.issuer, b.amount)], "equal", members, None)
    shares, created = shares_data(bill), iso(b.at)
    return {
        "id": b.id,
        "group_id": b.group.id,
        "kind": "expense",
        "date": b.day.isoformat(),
        "group_currency": b.currency,
        "group_amount": format_amount(b.amount),
        "rate": "1",
        "rate_date": b.day.isoformat(),
        "rate_source": "same currency",
        "rate_status": "ok",
        "balance_currency": b.currency,
        "balance_shares": shares,
        "created_by": b.issuer,
        "version": 1,
        "deleted": False,
        "created_at": created,
        "updated_at": created,
        "amount": format_amount(b.amount),
        "currency": b.currency,
        "description": b.description,
        "category": b.category,
        "notes": None,
        "paid_by": [{"user_id": b.issuer, "amount": format_amount(b.amount)}],
        "split": {"method": "equal", "members": members},
        "shares": shares,
    }


def dataset(
    seed: int,
    users: Iterable[User],
    groups: Iterable[Group],
    purchases: Iterable[Purchase],
    bills: Iterable[Bill] = (),
) -> Dataset:
    """The data set: every record in the order it reached the API (ties keep drawing order),
    and the labels of the injected expenses."""
    keyed: list[tuple[datetime, int, Item]] = []
    labels: dict[str, str] = {}
    for p in purchases:
        keyed.append((p.at, len(keyed), Item(p.at, "expense", p.owner.id, expense_record(p))))
        if p.label is not None:
            labels[p.id] = p.label
    for b in bills:
        keyed.append(
            (b.at, len(keyed), Item(b.at, "group_expense", b.issuer, group_expense_record(b)))
        )
    keyed.sort(key=lambda row: (row[0], row[1]))
    return Dataset(seed, tuple(users), tuple(groups), tuple(row[2] for row in keyed), labels)
