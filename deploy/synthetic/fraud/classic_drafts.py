"""The classic generator's records while they are drawn (mutable, turned into API-shaped
JSON at the end), and the patterns it injects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from deploy.synthetic.fraud.classic_world import MerchantKind, Shop
from deploy.synthetic.fraud.dataset import User

EPOCH = date(2026, 1, 5)
"""The first day of expenses (trips and budgets may be created before it)."""

PATTERNS = (
    "duplicate",
    "outlier",
    "velocity",
    "limit_burst",
    "receipt_reuse",
    "padding",
    "trip_mismatch",
)
Pattern = Literal[
    "duplicate",
    "outlier",
    "velocity",
    "limit_burst",
    "receipt_reuse",
    "padding",
    "trip_mismatch",
]

PATTERN_SHARE = Decimal("0.012")
"""Injected expenses of each pattern, as a share of the normal ones (7 patterns: ~8 % in all)."""


@dataclass(eq=False, slots=True)
class Merchant:
    name: str
    category: str  # the owner's category name
    kind: MerchantKind
    base: Decimal  # in ``currency``: the fixed price, or the centre of variable prices
    currency: str
    shop: Shop
    basket: bool = False
    day_of_month: int = 0  # monthly charges only


@dataclass(eq=False, slots=True)
class Trip:
    id: str
    owner: str
    name: str
    destination: str
    start: date
    end: date
    currency: str
    offset: int
    created: datetime
    shops: list[Merchant]
    hotel: Merchant
    seq: int


@dataclass(eq=False, slots=True)
class Budget:
    id: str
    owner: str
    category: str
    category_id: str
    amount: Decimal
    currency: str
    per_purchase: bool
    created: datetime
    seq: int
    band_times: list[datetime] = field(default_factory=list)  # normal expenses at 90-99.5 %
    bursts: list[datetime] = field(default_factory=list)


@dataclass(slots=True)
class Paper:
    """What a receipt shows, as the scan reads it (not necessarily what was typed)."""

    merchant: str
    day: date
    total: Decimal
    currency: str
    phash: str | None = None  # a re-photograph keeps (nearly) the hash of the same paper


@dataclass(eq=False, slots=True)
class Receipt:
    id: str
    owner: str
    at: datetime
    scanned: datetime
    phash: str
    sha256: str
    paper: Paper
    confidence: dict[str, float]
    size: int
    width: int
    height: int
    seq: int
    duplicates: list[str] = field(default_factory=list)


@dataclass(eq=False, slots=True)
class Expense:
    id: str
    owner: str
    seq: int
    at: datetime  # created_at: when the API recorded it
    day: date
    occurred: datetime | None  # with the offset of where it happened
    made: datetime  # when the device made it (UTC)
    amount: Decimal
    currency: str
    home: str
    category: str
    category_id: str
    merchant: Merchant
    merchant_name: str
    description: str
    trip_id: str | None
    label: Pattern | None
    receipt: Receipt | None
    value: dict[str, Any] = field(default_factory=dict)  # the home-currency fields
    dropped: bool = False

    @property
    def home_amount(self) -> Decimal:
        amount: Decimal = self.value["home_amount"]
        return amount


@dataclass(eq=False)
class Person:
    user: User
    category_ids: dict[str, str]  # name -> id
    daily: list[str]  # categories of everyday purchases
    daily_cw: list[float]
    shops: dict[str, list[Merchant]]  # everyday merchants by category
    shops_cw: dict[str, list[float]]
    monthly: list[Merchant]
    rate: float  # mean purchases a day
    hours: list[int]
    hours_cw: list[float]
    receipt_share: float
    trips: list[Trip] = field(default_factory=list)
    trip_days: dict[date, Trip] = field(default_factory=dict)
    budgets: list[Budget] = field(default_factory=list)
    normal: list[Expense] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.user.id

    @property
    def home(self) -> str:
        return self.user.home_currency

    @property
    def offset(self) -> int:
        return self.user.utc_offset_minutes

    def budget_for(self, category: str) -> Budget | None:
        return next((b for b in self.budgets if b.category == category), None)

    def variable_shops(self, category: str) -> list[Merchant]:
        return [m for m in self.shops.get(category, []) if m.kind == "variable"]
