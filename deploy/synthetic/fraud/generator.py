"""A seeded, labelled synthetic data set of expenses, for evaluating a fraud scorer.

``generate(seed)`` draws people with their habits (home currency, UTC offset, categories, the
merchants they frequent and what they pay there), groups of people, trips, monthly budgets and
``days`` days of expenses and receipts, each record shaped exactly as the API returns it
(``bus.entities.Expense``, ``bus.receipts.Receipt``, ``bus.entities.Trip``, budgets), in the
order the records reached the API. A scorer fed this stream sees only what the API holds.

A few percent of the expenses are injected patterns (:data:`PATTERNS`), each labelled in
``Dataset.labels``; everything else is normal. Normal traffic deliberately contains the honest
look-alikes of every pattern (a coffee bought twice the same day, three purchases within an
hour, round cash withdrawals, purchases close to a budget, trips paid partly in the home
currency, a receipt photographed twice but used once, expenses entered hours later without a
time), so that a scorer can only separate them by what really differs.

Everything comes from one ``random.Random(seed)`` (no clock, no global random): the same seed
gives the same data set, byte for byte. Amounts are ``Decimal`` throughout; JSON amounts are
decimal strings with exactly the currency's minor units.
"""

from __future__ import annotations

import bisect
import gc
import random
import re
import statistics
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from functools import cache
from itertools import accumulate
from typing import Any, Literal, TypeVar

from actors.ocr.runtime import DUPLICATE_BITS, DUPLICATE_CANDIDATES, DUPLICATE_WINDOW, distance
from bus.money import convert, cross_rate, format_amount, minor_units, round_to_currency

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
ItemKind = Literal["expense", "receipt", "trip", "budget", "group_expense"]
T = TypeVar("T")

PATTERN_SHARE = Decimal("0.012")
"""Injected expenses of each pattern, as a share of the normal ones (7 patterns: ~8 % in all)."""


@dataclass(frozen=True)
class User:
    id: str
    home_currency: str
    utc_offset_minutes: int
    categories: dict[str, str]  # category id -> name


@dataclass(frozen=True)
class Group:
    id: str
    member_ids: tuple[str, ...]
    admin_ids: tuple[str, ...]


@dataclass(frozen=True)
class Item:
    at: datetime  # UTC moment it reached the API (the stream is sorted by this)
    kind: ItemKind
    owner_id: str
    data: dict[str, Any]  # the API-shaped dict


@dataclass(frozen=True)
class Dataset:
    seed: int
    users: tuple[User, ...]
    groups: tuple[Group, ...]
    stream: tuple[Item, ...]
    labels: dict[str, str]  # expense id -> pattern name, for injected expenses only
    outlier_k: dict[str, float] = field(default_factory=dict)  # outlier id -> MADs above median


# ---- money ----------------------------------------------------------------------------------

RATES_PER_EUR: dict[str, Decimal] = {
    "EUR": Decimal(1),
    "USD": Decimal("1.0842"),
    "GBP": Decimal("0.8571"),
    "CHF": Decimal("0.9386"),
    "JPY": Decimal("162.35"),
}
"""The fixed rate table: units per euro, the same every publication day (an ECB-like source)."""

PRICE_LEVEL: dict[str, Decimal] = {
    "EUR": Decimal(1),
    "USD": Decimal("1.10"),
    "GBP": Decimal("0.87"),
    "CHF": Decimal("1.08"),
    "JPY": Decimal(160),
}
"""What one euro's worth of goods is priced at in each currency: catalog prices are in euros,
and a latte costs 4.20 in Paris, 4.60 in New York and 670 in Tokyo, not a conversion of it."""

HOME_CURRENCIES = ("EUR", "USD", "GBP", "CHF")
HOME_WEIGHTS = (45, 30, 15, 10)
OFFSETS = {"EUR": (60, 60, 120), "USD": (-300, -300, -240), "GBP": (0,), "CHF": (60,)}
FAR_OFFSET = 330  # a few people live far from their currency's home (India, paid in USD or EUR)
ECB_CLOSED = ((1, 1), (5, 1), (12, 25), (12, 26))  # fixed TARGET holidays (month, day)


@cache
def _rate(currency: str, home: str) -> Decimal:
    return cross_rate(RATES_PER_EUR[currency], RATES_PER_EUR[home])


def _published_on_or_before(day: date) -> date:
    """The rate of a weekend or a holiday is the previous working day's, as the ECB's is."""
    while day.weekday() >= 5 or (day.month, day.day) in ECB_CLOSED:
        day -= timedelta(days=1)
    return day


def home_value(amount: Decimal, currency: str, home: str, day: date) -> dict[str, Any]:
    """The home-currency fields of an expense, as the expenses actor fixes them: the same
    currency is an identity quote (rate 1, its own day), another goes through the euro."""
    if currency == home:  # amounts already have the currency's minor units
        rate, rate_date, source, value = Decimal(1), day, "identity", amount
    else:
        rate, rate_date, source = _rate(currency, home), _published_on_or_before(day), "ECB"
        value = convert(amount, rate, home)
    return {
        "home_currency": home,
        "home_amount": value,
        "rate": rate,
        "rate_date": rate_date,
        "rate_source": source,
        "rate_status": "ok",
    }


def _quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))


def _between(rng: random.Random, low: int, high: int) -> int:
    """An integer in [low, high] from one draw (``randint`` costs several calls per number,
    and tens of thousands of expenses draw many)."""
    return low + int(rng.random() * (high - low + 1))


def _pick(rng: random.Random, items: Sequence[T], cum_weights: Sequence[float]) -> T:
    """One of ``items`` by cumulative weights, exactly as ``rng.choices(...)[0]`` picks it,
    without building a list for one item."""
    return items[bisect.bisect(cum_weights, rng.random() * cum_weights[-1], 0, len(items) - 1)]


def _per_mille(rng: random.Random, low: int, high: int) -> Decimal:
    """A factor drawn in [low, high] thousandths, as an exact decimal (no floats in money)."""
    return Decimal(_between(rng, low, high)) / 1000


def _fraction_of(rng: random.Random, total: Decimal, low: int, high: int, currency: str) -> Decimal:
    """``total`` times a factor in [low, high] ten-thousandths, rounded down to minor units
    (rounding down keeps the result within the upper bound)."""
    factor = Decimal(_between(rng, low, high)) / 10000
    return (total * factor).quantize(_quantum(currency), rounding=ROUND_FLOOR)


# ---- what people buy ------------------------------------------------------------------------

MerchantKind = Literal["fixed", "variable", "round", "subscription", "bill", "rent"]
MONTHLY: frozenset[str] = frozenset({"subscription", "bill", "rent"})
ROUND_CASH = (20, 20, 50, 50, 50, 100)
RENTS = (800, 950, 1000, 1200, 1450)


@dataclass(frozen=True, slots=True)
class Shop:
    """A catalog merchant: its kind of prices and its price range in euros."""

    name: str
    kind: MerchantKind
    low: Decimal
    high: Decimal
    numbered: str = ""  # "#": "Whole Foods #1023"; " ": "Shell 4471"; "": never numbered
    basket: bool = False  # allows an occasional bigger basket (up to 1.35x)


def _shop(
    name: str, kind: MerchantKind, low: str, high: str, numbered: str = "", basket: bool = False
) -> Shop:
    return Shop(name, kind, Decimal(low), Decimal(high), numbered, basket)


CATALOG: dict[str, tuple[Shop, ...]] = {
    "Groceries": (
        _shop("Whole Foods", "variable", "25", "140", "#", basket=True),
        _shop("Trader Joe's", "variable", "20", "95", "#", basket=True),
        _shop("Safeway", "variable", "20", "120", "#", basket=True),
        _shop("Kroger", "variable", "20", "110", "#", basket=True),
        _shop("Aldi", "variable", "15", "80", basket=True),
        _shop("Lidl", "variable", "15", "80", " ", basket=True),
        _shop("Tesco", "variable", "12", "90", " ", basket=True),
        _shop("Sainsbury's", "variable", "15", "95", basket=True),
        _shop("Carrefour Market", "variable", "20", "110", " ", basket=True),
        _shop("Rewe", "variable", "15", "85", basket=True),
        _shop("Migros", "variable", "20", "100", basket=True),
        _shop("Spar", "variable", "5", "30", " "),
    ),
    "Dining": (
        _shop("Chipotle", "variable", "10", "18", "#"),
        _shop("Nando's", "variable", "15", "40"),
        _shop("Pizza Express", "variable", "20", "55"),
        _shop("Wagamama", "variable", "18", "45"),
        _shop("Vapiano", "variable", "14", "35"),
        _shop("Five Guys", "variable", "12", "25"),
        _shop("McDonald's", "variable", "6", "15", "#"),
        _shop("Le Petit Bistro", "variable", "30", "80"),
        _shop("Sushi Zen", "variable", "25", "70"),
        _shop("Olive Garden", "variable", "25", "60", "#"),
    ),
    "Coffee": (
        _shop("Starbucks", "fixed", "3.2", "6.0"),
        _shop("Costa Coffee", "fixed", "2.8", "4.5"),
        _shop("Pret A Manger", "fixed", "3.0", "7.0"),
        _shop("Blue Bottle Coffee", "fixed", "4.0", "6.5"),
        _shop("Dunkin'", "fixed", "2.5", "5.0", "#"),
        _shop("Peet's Coffee", "fixed", "3.5", "6.0"),
        _shop("Caffè Nero", "fixed", "2.8", "4.8"),
    ),
    "Transit": (
        _shop("MTA", "fixed", "2.6", "2.9"),
        _shop("TfL", "fixed", "1.8", "2.9"),
        _shop("BVG", "fixed", "2.9", "3.8"),
        _shop("SBB CFF FFS", "fixed", "3.0", "8.0"),
        _shop("RATP", "fixed", "1.9", "2.5"),
    ),
    "Rides": (
        _shop("Uber", "variable", "8", "35"),
        _shop("Lyft", "variable", "8", "35"),
        _shop("Bolt", "variable", "6", "25"),
        _shop("FreeNow", "variable", "8", "30"),
    ),
    "Fuel": (
        _shop("Shell", "variable", "35", "90", " "),
        _shop("BP", "variable", "35", "85", " "),
        _shop("Esso", "variable", "35", "85", " "),
        _shop("Chevron", "variable", "35", "90", " "),
    ),
    "Shopping": (
        _shop("Amazon", "variable", "15", "120", basket=True),
        _shop("Zara", "variable", "25", "110", basket=True),
        _shop("H&M", "variable", "15", "70", basket=True),
        _shop("Target", "variable", "20", "120", "#", basket=True),
        _shop("IKEA", "variable", "30", "250", basket=True),
        _shop("Best Buy", "variable", "40", "300", "#"),
        _shop("Uniqlo", "variable", "20", "90", basket=True),
        _shop("Decathlon", "variable", "20", "150", basket=True),
        _shop("MediaMarkt", "variable", "30", "250", " "),
    ),
    "Subscriptions": (
        _shop("Netflix", "subscription", "8", "18"),
        _shop("Spotify", "subscription", "9", "12"),
        _shop("Disney+", "subscription", "7", "12"),
        _shop("PureGym", "subscription", "20", "35"),
        _shop("Planet Fitness", "subscription", "10", "25"),
        _shop("Basic-Fit", "subscription", "20", "30"),
    ),
    "Entertainment": (
        _shop("AMC Theatres", "variable", "12", "35", "#"),
        _shop("Cinema City", "variable", "10", "30"),
        _shop("Ticketmaster", "variable", "40", "150"),
        _shop("Steam", "variable", "5", "60"),
    ),
    "Utilities": (
        _shop("Vodafone", "bill", "20", "45"),
        _shop("Verizon", "bill", "40", "90"),
        _shop("EDF Energy", "bill", "50", "120"),
        _shop("Octopus Energy", "bill", "40", "110"),
        _shop("Comcast Xfinity", "bill", "50", "100"),
        _shop("Thames Water", "bill", "25", "45"),
    ),
    "Health": (
        _shop("CVS Pharmacy", "variable", "6", "45", "#"),
        _shop("Walgreens", "variable", "6", "45", "#"),
        _shop("Boots", "variable", "5", "40"),
        _shop("dm-drogerie markt", "variable", "5", "35"),
        _shop("Apotheke am Markt", "variable", "6", "40"),
    ),
    "Cash": (
        _shop("ATM Withdrawal", "round", "20", "200"),
        _shop("Revolut Top-Up", "round", "20", "200"),
        _shop("PayPal", "round", "20", "200"),
    ),
}
CATEGORY_WEIGHT = {
    "Groceries": 3.0,
    "Dining": 2.0,
    "Coffee": 3.0,
    "Transit": 1.5,
    "Rides": 0.8,
    "Fuel": 0.5,
    "Subscriptions": 0.4,
    "Shopping": 1.0,
    "Entertainment": 0.7,
    "Utilities": 0.3,
    "Health": 0.6,
    "Cash": 0.5,
}
TRAVEL = "Travel"
HOUSING = "Housing"  # rent, in a category of its own
LANDLORDS = (
    "Greystar Properties",
    "Foxtons Lettings",
    "Vonovia",
    "Maple Property Management",
    "Hausverwaltung Keller",
)
BIG_BASKET = 0.0  # share of bigger baskets (x1.25-1.35): 0, as they are outliers by MADs
PURCHASE_SIZED = (50, 75, 100, 125, 150, 200, 250, 300)  # budgets the size of one purchase

DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "Groceries": ("Groceries", "Weekly shop", "Snacks", "Dinner ingredients"),
    "Dining": ("Lunch", "Dinner", "Takeaway", "Brunch"),
    "Coffee": ("Coffee", "Latte", "Flat white", "Cappuccino"),
    "Transit": ("Commute", "Ticket", "Getting around"),
    "Rides": ("Ride", "Taxi", "Ride home"),
    "Fuel": ("Fuel", "Petrol", "Gas"),
    "Subscriptions": ("Subscription", "Membership", "Monthly plan"),
    "Shopping": ("Clothes", "Household", "Gift", "Electronics"),
    "Entertainment": ("Cinema", "Tickets", "Games", "Subscription"),
    "Utilities": ("Phone bill", "Electricity", "Internet", "Monthly bill"),
    "Health": ("Pharmacy", "Vitamins", "Medicine"),
    "Cash": ("Cash", "Top-up"),
    TRAVEL: ("Hotel", "Trip", "Travel"),
}

# Destinations: city, country, currency, UTC offset in January-March.
DESTINATIONS = (
    ("Lisbon", "Portugal", "EUR", 0),
    ("Paris", "France", "EUR", 60),
    ("Berlin", "Germany", "EUR", 60),
    ("Rome", "Italy", "EUR", 60),
    ("Barcelona", "Spain", "EUR", 60),
    ("London", "United Kingdom", "GBP", 0),
    ("Edinburgh", "United Kingdom", "GBP", 0),
    ("New York", "United States", "USD", -300),
    ("Chicago", "United States", "USD", -360),
    ("San Francisco", "United States", "USD", -480),
    ("Zurich", "Switzerland", "CHF", 60),
    ("Geneva", "Switzerland", "CHF", 60),
    ("Tokyo", "Japan", "JPY", 540),
    ("Kyoto", "Japan", "JPY", 540),
)
RESTAURANTS = (
    "Bistro Central",
    "Trattoria Luca",
    "The Red Lion",
    "Casa Pepe",
    "Ramen House",
    "Brasserie Lumière",
    "Golden Dragon",
    "Harbour Grill",
    "Taverna Olympia",
    "Café de la Gare",
)
CAFES = ("Espresso Bar", "Café Aroma", "Bean & Leaf", "Kaffeehaus")
HOTELS = ("Hotel {city} Central", "Grand Hotel {city}", "{city} Boutique Hotel", "Ibis {city}")
ONLINE = (("Amazon", "Shopping", "15", "80"), ("Booking.com", TRAVEL, "60", "180"))

# Local hours people buy things at (weights); night owls' hours run past midnight (24 = 0h).
DAY_HOURS = {
    7: 2, 8: 4, 9: 3, 10: 2, 11: 3, 12: 5, 13: 4, 14: 2,
    15: 2, 16: 2, 17: 3, 18: 5, 19: 4, 20: 3, 21: 2, 22: 1,
}  # fmt: skip
NIGHT_HOURS = {20: 2, 21: 3, 22: 4, 23: 4, 24: 3, 25: 3, 26: 2, 27: 1}

RECEIPT_SHARES = (0.0, 0.1, 0.2, 0.35, 0.5, 0.7)  # per person: ~30 % of expenses on average
IMAGE_SIZES = ((3024, 4032), (1536, 2048), (1200, 1600), (2268, 4032), (1080, 1920))

BACKFILL_SHARE = 0.04  # normal expenses entered hours later (half of them without a time)
CROWD = 5  # this many expenses of one person within CROWD_MINUTES is a velocity burst
CROWD_MINUTES = 50
BAND = (9000, 9950)  # a limit burst's amounts, in ten-thousandths of the budget
NEAR = (6000, 8500)  # normal purchases near a budget, in ten-thousandths of it


# ---- merchant spellings ---------------------------------------------------------------------

_NUMBERED = re.compile(r"^(?P<name>.*?)\s*(?:#|Store\s)?\s*(?P<number>\d{3,5})$")


def _spellings(rng: random.Random, name: str) -> list[str]:
    """Every other way to write ``name`` that one edit gives (case, spaces, store number,
    punctuation)."""
    found = [name.upper() if name.upper() != name else name.lower()]
    words = name.split(" ")
    if len(words) > 1:
        at = rng.randrange(len(words) - 1)
        found.append(" ".join([*words[:at], words[at] + words[at + 1], *words[at + 2 :]]))
        found.append(name.replace(" ", "  ", 1))
    numbered = _NUMBERED.match(name)
    if numbered is not None:
        base, number = numbered["name"], numbered["number"]
        found += [base, f"{base} {number}", f"{base} #{number}", f"{base} Store {number}"]
    else:
        found += [f"{name} #{rng.randint(100, 9999)}", f"{name} {rng.randint(1000, 9999)}"]
    found.append(re.sub(r"[^\w\s]", "", name))
    return [v for v in found if v != name and v.strip() == v and v]


def merchant_variant(rng: random.Random, name: str) -> str:
    """Another spelling of the same merchant, as typed again by hand: other case ("STARBUCKS"),
    a space more or less, a store number added, dropped or written another way ("#1023" ->
    "1023", "Store 1023", ""), punctuation left out ("Trader Joes"); sometimes two of these."""
    variant = rng.choice(_spellings(rng, name))
    if rng.random() < 0.25:
        again = [v for v in _spellings(rng, variant) if v != name]
        if again:
            variant = rng.choice(again)
    return variant


# ---- drafts (mutable while the data set is drawn) -------------------------------------------


@dataclass(eq=False, slots=True)
class _Merchant:
    name: str
    category: str  # the owner's category name
    kind: MerchantKind
    base: Decimal  # in ``currency``: the fixed price, or the centre of variable prices
    currency: str
    shop: Shop
    basket: bool = False
    day_of_month: int = 0  # monthly charges only


@dataclass(eq=False, slots=True)
class _Trip:
    id: str
    owner: str
    name: str
    destination: str
    start: date
    end: date
    currency: str
    offset: int
    created: datetime
    shops: list[_Merchant]
    hotel: _Merchant
    seq: int


@dataclass(eq=False, slots=True)
class _Budget:
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
class _Paper:
    """What a receipt shows, as the scan reads it (not necessarily what was typed)."""

    merchant: str
    day: date
    total: Decimal
    currency: str
    phash: str | None = None  # a re-photograph keeps (nearly) the hash of the same paper


@dataclass(eq=False, slots=True)
class _Receipt:
    id: str
    owner: str
    at: datetime
    scanned: datetime
    phash: str
    sha256: str
    paper: _Paper
    confidence: dict[str, float]
    size: int
    width: int
    height: int
    seq: int
    duplicates: list[str] = field(default_factory=list)


@dataclass(eq=False, slots=True)
class _Expense:
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
    merchant: _Merchant
    merchant_name: str
    description: str
    trip_id: str | None
    label: Pattern | None
    receipt: _Receipt | None
    value: dict[str, Any] = field(default_factory=dict)  # the home-currency fields
    dropped: bool = False

    @property
    def home_amount(self) -> Decimal:
        amount: Decimal = self.value["home_amount"]
        return amount


@dataclass(eq=False)
class _Person:
    user: User
    category_ids: dict[str, str]  # name -> id
    daily: list[str]  # categories of everyday purchases
    daily_cw: list[float]
    shops: dict[str, list[_Merchant]]  # everyday merchants by category
    shops_cw: dict[str, list[float]]
    monthly: list[_Merchant]
    rate: float  # mean purchases a day
    hours: list[int]
    hours_cw: list[float]
    receipt_share: float
    trips: list[_Trip] = field(default_factory=list)
    trip_days: dict[date, _Trip] = field(default_factory=dict)
    budgets: list[_Budget] = field(default_factory=list)
    normal: list[_Expense] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.user.id

    @property
    def home(self) -> str:
        return self.user.home_currency

    @property
    def offset(self) -> int:
        return self.user.utc_offset_minutes

    def budget_for(self, category: str) -> _Budget | None:
        return next((b for b in self.budgets if b.category == category), None)

    def variable_shops(self, category: str) -> list[_Merchant]:
        return [m for m in self.shops.get(category, []) if m.kind == "variable"]


@cache
def _tz(offset: int) -> timezone:
    return timezone(timedelta(minutes=offset))


def _ms(rng: random.Random, low: int, high: int) -> timedelta:
    return timedelta(milliseconds=_between(rng, low, high))


def _weighted_sample(rng: random.Random, weights: dict[str, float], count: int) -> list[str]:
    """``count`` distinct keys, likelier the heavier (Efraimidis-Spirakis keys)."""
    keyed = sorted(weights, key=lambda k: rng.random() ** (1 / weights[k]), reverse=True)
    return keyed[:count]


# ---- drawing --------------------------------------------------------------------------------


class _Draw:
    """The whole data set as it is drawn: people first, then their normal traffic, then the
    injected patterns, then the outliers' amounts (they depend on everything before them)."""

    def __init__(self, seed: int, users: int, days: int) -> None:
        self.rng = random.Random(seed)
        self.days = days
        self.end = EPOCH + timedelta(days=days)
        self.seq = 0
        self.people: list[_Person] = []
        self.by_id: dict[str, _Person] = {}
        self.groups: list[Group] = []
        self.sharing: dict[str, tuple[str, ...]] = {}
        self.trips: list[_Trip] = []
        self.expenses: list[_Expense] = []
        self.loose_receipts: list[_Receipt] = []  # photographed again, never used
        self.outlier_k: dict[str, float] = {}
        self.duplicated: set[str] = set()  # normal expenses already entered twice
        self.reused: set[str] = set()  # receipts already photographed again for an expense
        for _ in range(users):
            self._person()
        self._groups()

    # ---- small draws --------------------------------------------------------------------

    def new_id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def tick(self) -> int:
        self.seq += 1
        return self.seq

    def minute(self, p: _Person) -> int:
        return _pick(self.rng, p.hours, p.hours_cw) * 60 + _between(self.rng, 0, 59)

    def daytime(self, p: _Person) -> int:
        """Like :meth:`minute`, but on the day itself (a night owl's 1 a.m. becomes the same
        day's): for expenses whose date must stay where it was drawn."""
        return self.minute(p) % (24 * 60)

    def moment(self, day: date, minute: int, offset: int) -> datetime:
        """A local moment (with its UTC offset) ``minute`` minutes after ``day``'s midnight."""
        midnight = datetime.combine(day, time(), _tz(offset))
        return midnight + timedelta(minutes=minute, seconds=_between(self.rng, 0, 59))

    def price(self, m: _Merchant, currency: str | None = None) -> Decimal:
        """What one purchase at ``m`` costs: the same for fixed prices, a bounded jitter around
        the merchant's usual basket for variable ones (rarely a bigger basket)."""
        currency = currency or m.currency
        if m.kind == "round":
            return round_to_currency(Decimal(self.rng.choice(ROUND_CASH)), currency)
        if m.kind != "variable":
            return m.base
        if m.basket and self.rng.random() < BIG_BASKET:
            factor = _per_mille(self.rng, 1250, 1350)
        else:
            factor = _per_mille(self.rng, 800, 1250)
        return max(round_to_currency(m.base * factor, currency), _quantum(currency))

    def shelf_price(self, shop: Shop, currency: str) -> Decimal:
        """A merchant's price for one person: drawn in its range, at the currency's price
        level, rounded as such prices are (2.90 for a ticket, 12.99 for a subscription)."""
        if shop.kind == "round":  # amounts drawn from ROUND_CASH each time
            return round_to_currency(Decimal(50), currency)
        unit = shop.low + (shop.high - shop.low) * _per_mille(self.rng, 0, 1000)
        value = unit * PRICE_LEVEL[currency]
        if shop.kind == "variable":
            return max(round_to_currency(value, currency), _quantum(currency))
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
    ) -> _Merchant:
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
            base = round_to_currency(level * _per_mille(self.rng, 970, 1030), currency)
        return _Merchant(name, category, shop.kind, base, currency, shop, shop.basket, day_of_month)

    def describe(self, category: str, kind: MerchantKind) -> str:
        if kind == "rent":
            return "Rent"
        if self.rng.random() < 0.5:
            return ""
        return self.rng.choice(DESCRIPTIONS.get(category, DESCRIPTIONS[TRAVEL]))

    # ---- people and groups --------------------------------------------------------------

    def _person(self) -> None:
        rng = self.rng
        user_id = self.new_id()
        home = rng.choices(HOME_CURRENCIES, weights=HOME_WEIGHTS)[0]
        offset = FAR_OFFSET if rng.random() < 0.05 else rng.choice(OFFSETS[home])
        others = {k: w for k, w in CATEGORY_WEIGHT.items() if k != "Groceries"}
        names = ["Groceries", *_weighted_sample(rng, others, rng.randint(3, 6))]
        if rng.random() < 0.25:
            names.append(TRAVEL)  # the people who travel in this data set
        category_ids = {name: self.new_id() for name in names}
        shops: dict[str, list[_Merchant]] = {}
        monthly: list[_Merchant] = []
        for name in names:
            catalog = CATALOG.get(name, ())
            count = min(len(catalog), rng.randint(2, 6))
            level: Decimal | None = None  # one person's shops in a category cost alike
            for shop in rng.sample(catalog, count):
                m = self.merchant(shop, name, home, level)
                if shop.kind in ("variable", "fixed") and level is None:
                    level = m.base
                (monthly if shop.kind in MONTHLY else shops.setdefault(name, [])).append(m)
        if "Utilities" in names and rng.random() < 0.3:
            landlord = _shop(rng.choice(LANDLORDS), "rent", "0", "0")
            rent = round_to_currency(Decimal(rng.choice(RENTS)), home)
            names.append(HOUSING)
            category_ids[HOUSING] = self.new_id()
            monthly.append(
                _Merchant(landlord.name, HOUSING, "rent", rent, home, landlord, False, 1)
            )
        daily = sorted(shops)
        weights = [CATEGORY_WEIGHT[c] * rng.uniform(0.5, 1.5) for c in daily]
        shops_cw = {
            c: list(
                accumulate(rng.uniform(0.3, 1.0) * (3 if i == 0 else 1) for i in range(len(ms)))
            )
            for c, ms in shops.items()
        }
        night = rng.random() < 0.05
        profile = NIGHT_HOURS if night else DAY_HOURS
        hours = list(profile)
        p = _Person(
            user=User(user_id, home, offset, {v: k for k, v in category_ids.items()}),
            category_ids=category_ids,
            daily=daily,
            daily_cw=list(accumulate(weights)),
            shops=shops,
            shops_cw=shops_cw,
            monthly=monthly,
            rate=rng.uniform(1.0, 3.0),
            hours=hours,
            hours_cw=list(accumulate(profile[h] * rng.uniform(0.4, 1.6) for h in hours)),
            receipt_share=rng.choice(RECEIPT_SHARES),
        )
        self.people.append(p)
        self.by_id[user_id] = p

    def _groups(self) -> None:
        """About half of the people in groups of 3-5, the first member being the admin; a few
        people in two groups (whoever shares any group with someone sees their receipts)."""
        rng = self.rng
        pool = [p.id for p in self.people]
        rng.shuffle(pool)
        pool = pool[: len(pool) // 2]
        members: list[list[str]] = []
        while len(pool) >= 3:
            size = min(rng.randint(3, 4), len(pool))
            members.append(pool[:size])
            pool = pool[size:]
        for group in members:
            if len(members) > 1 and rng.random() < 0.15:
                other = rng.choice([g for g in members if g is not group])
                extra = rng.choice(other)
                if extra not in group:
                    group.append(extra)
        sharing: dict[str, set[str]] = defaultdict(set)
        for group in members:
            self.groups.append(Group(self.new_id(), tuple(group), (group[0],)))
            for person in group:
                sharing[person].update(group)
        self.sharing = {p.id: tuple(sorted(sharing[p.id] | {p.id})) for p in self.people}

    # ---- trips and budgets --------------------------------------------------------------

    def plan_trips(self) -> None:
        """The people with a Travel category take 1-2 trips of 3-10 days, some abroad (paid
        mostly in the local currency), some at home; each planned 2-6 weeks ahead."""
        if self.days < 24:
            return
        for p in self.people:
            if TRAVEL not in p.category_ids:
                continue
            first = self.rng.randint(3, self.days - 20)
            self._trip(p, first)
            later = p.trips[-1].end - EPOCH + timedelta(days=8)
            if self.rng.random() < 0.4 and later.days <= self.days - 12:
                self._trip(p, self.rng.randint(later.days, self.days - 12))

    def _trip(self, p: _Person, first_day: int) -> None:
        rng = self.rng
        abroad = rng.random() < 0.6
        places = [d for d in DESTINATIONS if (d[2] != p.home) == abroad]
        city, country, currency, offset = rng.choice(places)
        start = EPOCH + timedelta(days=first_day)
        end = start + timedelta(days=rng.randint(3, 10) - 1)
        planned = start - timedelta(days=rng.randint(14, 45))
        created = self.moment(planned, self.minute(p), p.offset).astimezone(UTC)

        def local(name: str, kind: MerchantKind, low: str, high: str, category: str) -> _Merchant:
            mine = category if category in p.category_ids else TRAVEL
            return self.merchant(_shop(name, kind, low, high), mine, currency)

        shops = [local(n, "variable", "15", "70", "Dining") for n in rng.sample(RESTAURANTS, 3)]
        shops += [
            local(rng.choice(CAFES), "fixed", "2.5", "5.5", "Coffee"),
            local(f"Taxi {city}", "variable", "10", "45", "Rides"),
            local(f"{city} Metro", "fixed", "1.8", "3.5", "Transit"),
            local(f"{city} Museum of Art", "fixed", "12", "25", "Entertainment"),
            local(f"{city} Souvenirs", "variable", "8", "50", "Shopping"),
        ]
        hotel = local(rng.choice(HOTELS).format(city=city), "variable", "80", "220", TRAVEL)
        name = rng.choice((f"{city} {start.year}", f"Trip to {city}", f"{city} with friends"))
        trip = _Trip(
            self.new_id(),
            p.id,
            name,
            f"{city}, {country}",
            start,
            end,
            currency,
            offset,
            created + _ms(rng, 0, 999),
            shops,
            hotel,
            self.tick(),
        )
        p.trips.append(trip)
        self.trips.append(trip)
        for i in range((end - start).days + 1):
            p.trip_days[start + timedelta(days=i)] = trip

    def plan_budgets(self) -> None:
        """~40 % of people budget 1-2 categories monthly: a little above what they usually
        spend there, or (for shopping-like categories) the size of one large purchase."""
        rng = self.rng
        for p in self.people:
            if rng.random() >= 0.4:
                continue
            count = rng.randint(1, 2)
            chosen: list[tuple[str, Decimal, bool]] = []
            large = [c for c in ("Shopping", "Entertainment", "Dining") if p.variable_shops(c)]
            if large and rng.random() < 0.6:
                chosen.append((large[0], self.purchase_sized(p, large[0]), True))
            spent = [c for c in p.daily if c not in {c for c, _, _ in chosen}]
            for category in rng.sample(spent, min(len(spent), count - len(chosen))):
                usual = self.monthly_spend(p, category) * _per_mille(rng, 1050, 1250)
                limit = (usual / 50).quantize(Decimal(1), rounding=ROUND_CEILING) * 50
                chosen.append((category, max(limit, Decimal(100)), False))
            for category, limit, per_purchase in chosen:
                created = datetime.combine(EPOCH - timedelta(days=1), time(6), UTC)
                created += timedelta(seconds=rng.randrange(14 * 3600)) + _ms(rng, 0, 999)
                p.budgets.append(
                    _Budget(
                        self.new_id(),
                        p.id,
                        category,
                        p.category_ids[category],
                        round_to_currency(limit, p.home),
                        p.home,
                        per_purchase,
                        created,
                        self.tick(),
                    )
                )

    @staticmethod
    def purchase_sized(p: _Person, category: str) -> Decimal:
        """The smallest of the usual one-purchase limits above ``p``'s dearest merchant there."""
        dearest = max(m.base for m in p.variable_shops(category)) * Decimal("1.15")
        fits = [Decimal(a) for a in PURCHASE_SIZED if Decimal(a) >= dearest]
        return fits[0] if fits else Decimal(PURCHASE_SIZED[-1])

    def monthly_spend(self, p: _Person, category: str) -> Decimal:
        """What ``p`` usually spends in ``category`` in a month (expected value of the draws)."""
        total_weight = p.daily_cw[-1]
        at = p.daily.index(category)
        weight = p.daily_cw[at] - (p.daily_cw[at - 1] if at else 0.0)
        per_month = Decimal(f"{30.4 * p.rate * weight / total_weight:.4f}")
        cw = p.shops_cw[category]
        mean = Decimal(0)
        for i, m in enumerate(p.shops[category]):
            share = Decimal(f"{(cw[i] - (cw[i - 1] if i else 0.0)) / cw[-1]:.4f}")
            if m.kind == "round":
                usual = Decimal(sum(ROUND_CASH)) / len(ROUND_CASH)
            else:
                usual = m.base * (Decimal("1.03") if m.kind == "variable" else 1)
            mean += share * usual
        return per_month * mean

    # ---- recording expenses and receipts ------------------------------------------------

    def receipt(self, owner: str, paper: _Paper, after: datetime) -> _Receipt:
        """A receipt photographed shortly after ``after`` and read a few seconds later."""
        rng = self.rng
        at = after + _ms(rng, 5_000, 180_000)
        width, height = rng.choice(IMAGE_SIZES)
        return _Receipt(
            id=self.new_id(),
            owner=owner,
            at=at,
            scanned=at + _ms(rng, 2_000, 20_000),
            phash=paper.phash or f"{rng.getrandbits(64):016x}",
            sha256=f"{rng.getrandbits(256):064x}",
            paper=paper,
            confidence={
                "total": round(rng.uniform(0.85, 0.99), 3),
                "date": round(rng.uniform(0.85, 0.99), 3),
                "merchant": round(rng.uniform(0.85, 0.98), 3),
                "currency": round(rng.uniform(0.9, 1.0), 3),
            },
            size=_between(rng, 90_000, 2_400_000),
            width=width,
            height=height,
            seq=self.tick(),
        )

    def file(
        self,
        p: _Person,
        m: _Merchant,
        *,
        day: date,
        occurred: datetime | None,
        sent: datetime,
        made: datetime,
        amount: Decimal,
        currency: str,
        label: Pattern | None = None,
        trip_id: str | None = None,
        paper: _Paper | None = None,
        merchant_name: str | None = None,
        category: str | None = None,
        description: str | None = None,
    ) -> _Expense:
        """Record one expense (and its receipt, uploaded first): ``sent`` is when the device
        started sending, ``made`` when it says it made the expense."""
        receipt = self.receipt(p.id, paper, sent) if paper is not None else None
        if receipt is not None:
            at = receipt.scanned + _ms(self.rng, 5_000, 120_000)
        else:
            at = sent + _ms(self.rng, 3_000, 600_000)
        category = category or m.category
        e = _Expense(
            id=self.new_id(),
            owner=p.id,
            seq=self.tick(),
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
            description=self.describe(category, m.kind) if description is None else description,
            trip_id=trip_id,
            label=label,
            receipt=receipt,
        )
        e.value = home_value(amount, currency, p.home, day)
        self.expenses.append(e)
        return e

    def buy(
        self,
        p: _Person,
        m: _Merchant,
        occurred: datetime,
        *,
        label: Pattern | None = None,
        amount: Decimal | None = None,
        currency: str | None = None,
        trip_id: str | None = None,
        receipt_share: float | None = None,
    ) -> _Expense:
        """One purchase entered as it happens (normal ones sometimes entered hours later)."""
        rng = self.rng
        currency = currency or m.currency
        if amount is None:
            amount = self.price(m, currency)
            if label is None:
                amount = self.keep_clear_of_bursts(p, m, amount, currency, occurred)
        made = sent = occurred.astimezone(UTC)
        shown: datetime | None = occurred
        if label is None and rng.random() < BACKFILL_SHARE:
            sent = made = made + timedelta(seconds=rng.randint(3600, 40 * 3600))
            shown = occurred if rng.random() < 0.5 else None
        share = p.receipt_share if receipt_share is None else receipt_share
        paper = None
        if m.kind not in MONTHLY and m.kind != "round" and rng.random() < share:
            paper = _Paper(m.name, occurred.date(), amount, currency)
        return self.file(
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
        self, p: _Person, m: _Merchant, amount: Decimal, currency: str, occurred: datetime
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

    # ---- normal traffic -----------------------------------------------------------------

    def pick(self, p: _Person) -> _Merchant:
        category = _pick(self.rng, p.daily, p.daily_cw)
        return _pick(self.rng, p.shops[category], p.shops_cw[category])

    def normal_traffic(self) -> None:
        for p in self.people:
            first = len(self.expenses)
            fixed = [m for ms in p.shops.values() for m in ms if m.kind == "fixed"]
            for i in range(self.days):
                day = EPOCH + timedelta(days=i)
                trip = p.trip_days.get(day)
                if trip is not None:
                    self.trip_day(p, trip, day)
                else:
                    self.home_day(p, day, fixed)
                for m in p.monthly:
                    if m.day_of_month == day.day:
                        self.buy(p, m, self.moment(day, self.minute(p), p.offset))
            self.uncrowd(self.expenses[first:])

    def home_day(self, p: _Person, day: date, fixed: list[_Merchant]) -> None:
        rng = self.rng
        chance = p.rate / 4
        for _ in range(sum(rng.random() < chance for _ in range(4))):
            self.buy(p, self.pick(p), self.moment(day, self.minute(p), p.offset))
        if fixed and rng.random() < 0.02:  # the same coffee twice
            m = rng.choice(fixed)
            first = self.moment(day, self.minute(p), p.offset)
            later = rng.randint(10, 40) if rng.random() < 0.25 else rng.randint(60, 480)
            self.buy(p, m, first)
            self.buy(p, m, first + timedelta(minutes=later, seconds=rng.randrange(60)))
        if rng.random() < 0.03:  # a shopping trip: 2-3 purchases within the hour
            start = self.moment(day, self.minute(p), p.offset)
            offsets = [0, *sorted(rng.randint(5 * 60, 55 * 60) for _ in range(rng.randint(1, 2)))]
            for seconds in offsets:
                self.buy(p, self.pick(p), start + timedelta(seconds=seconds))

    def trip_day(self, p: _Person, trip: _Trip, day: date) -> None:
        rng = self.rng
        for _ in range(rng.randint(1, 4)):
            m = rng.choice(trip.shops)
            self.buy(p, m, self.moment(day, self.daytime(p), trip.offset), trip_id=trip.id)
        if rng.random() < 0.08:  # bought online, in the home currency, while away
            name, category, low, high = rng.choice(ONLINE)
            mine = category if category in p.category_ids else TRAVEL
            m = self.merchant(_shop(name, "variable", low, high), mine, p.home)
            self.buy(p, m, self.moment(day, self.daytime(p), trip.offset), trip_id=trip.id)
        if day == trip.end:  # the hotel, for every night, at check-out
            nights = (trip.end - trip.start).days
            amount = round_to_currency(self.price(trip.hotel) * nights, trip.currency)
            moment = self.moment(day, rng.randint(8 * 60, 11 * 60), trip.offset)
            self.buy(p, trip.hotel, moment, amount=amount, trip_id=trip.id, receipt_share=0.6)

    @staticmethod
    def uncrowd(expenses: Sequence[_Expense]) -> None:
        """Drop the rare normal purchase that would make five of one person's within 50
        minutes: that many is a velocity burst, and normal traffic holds no unlabelled ones."""
        timed = [(e.occurred, e.seq, e) for e in expenses if e.occurred is not None]
        kept: list[datetime] = []
        for occurred, _, e in sorted(timed):
            if len(kept) >= CROWD - 1 and occurred - kept[1 - CROWD] <= timedelta(
                minutes=CROWD_MINUTES
            ):
                e.dropped = True
            else:
                kept.append(occurred)

    def index_normal(self) -> None:
        self.expenses = [e for e in self.expenses if not e.dropped]
        for e in sorted(self.expenses, key=lambda e: (e.at, e.seq)):
            self.by_id[e.owner].normal.append(e)

    def rephotograph(self) -> None:
        """~1 % of people photograph a receipt again and do not file a second expense."""
        rng = self.rng
        with_receipts = [p for p in self.people if any(e.receipt for e in p.normal)]
        for p in rng.sample(
            with_receipts, min(len(with_receipts), max(3, len(self.people) // 100))
        ):
            used = [e.receipt for e in p.normal if e.receipt is not None]
            for original in rng.sample(used, min(len(used), rng.randint(1, 3))):
                after = original.at + timedelta(seconds=rng.randint(60, 3 * 86400))
                self.loose_receipts.append(self.receipt(p.id, self.rephoto(original), after))

    def rephoto(self, original: _Receipt) -> _Paper:
        """The same paper photographed again: its hash with 0-4 bits flipped."""
        bits = self.rng.sample(range(64), self.rng.randint(0, 4))
        phash = int(original.phash, 16)
        for bit in bits:
            phash ^= 1 << bit
        paper = original.paper
        return _Paper(paper.merchant, paper.day, paper.total, paper.currency, f"{phash:016x}")

    # ---- injected patterns --------------------------------------------------------------

    def free_day(self, p: _Person, first: int = 0, last: int | None = None) -> date | None:
        """A day in [first, last] (day numbers) that ``p`` spends at home."""
        last = self.days - 1 if last is None else last
        if first > last:
            return None
        for _ in range(10):
            day = EPOCH + timedelta(days=self.rng.randint(first, last))
            if day not in p.trip_days:
                return day
        return None

    def usual_or_new(self, p: _Person) -> _Merchant:
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

    def inject(self) -> None:
        """Each pattern until it has its share of expenses (a step may find nothing to do:
        a person without budgets for a limit burst, say; it is then drawn again)."""
        target = max(1, int(len(self.expenses) * PATTERN_SHARE))
        steps = (
            self.duplicate,
            self.velocity,
            self.limit_burst,
            self.receipt_reuse,
            self.padding,
            self.trip_mismatch,
            self.outlier,  # last: its amount depends on what came before it
        )
        for step in steps:
            done = attempts = 0
            while done < target and attempts < target * 20:
                attempts += 1
                done += step()

    def duplicate(self) -> int:
        """A normal expense entered a second time, minutes to two days later, with the same
        date, amount, currency and category but the merchant spelled another way."""
        rng = self.rng
        p = rng.choice(self.people)
        kinds = ("variable",) if rng.random() < 0.8 else ("fixed", "round")
        originals = [
            e
            for e in p.normal
            if e.merchant.kind in kinds
            and e.occurred is not None
            and e.made == e.occurred
            and e.id not in self.duplicated
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
        if sent.date() >= self.end:
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
        self.file(
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
        self.duplicated.add(original.id)  # the original stays as it was, unlabelled
        return 1

    def velocity(self) -> int:
        """5-9 purchases within 15-50 minutes, at usual or new merchants, normal amounts."""
        rng = self.rng
        p = rng.choice(self.people)
        day = self.free_day(p)
        if day is None:
            return 0
        count = rng.randint(5, 9)
        span = rng.randint(15 * 60, 50 * 60)
        start = self.moment(day, self.minute(p), p.offset)
        offsets = sorted([0, span, *(rng.randint(0, span) for _ in range(count - 2))])
        for seconds in offsets:
            occurred = start + timedelta(seconds=seconds)
            self.buy(
                p,
                self.usual_or_new(p),
                occurred,
                label="velocity",
                currency=p.home,
                receipt_share=p.receipt_share / 3,
            )
        return count

    def limit_burst(self) -> int:
        """2-4 expenses within 1-3 days in a budget's category, each 90-99.5 % of it."""
        rng = self.rng
        p = rng.choice(self.people)
        if not p.budgets or self.days < 10:
            return 0
        budget = rng.choices(p.budgets, weights=[3 if b.per_purchase else 1 for b in p.budgets])[0]
        span = rng.randint(1, 3)
        first = self.free_day(p, 0, self.days - span)
        if first is None:
            return 0
        days = [first + timedelta(days=i) for i in range(span)]
        if any(d in p.trip_days for d in days):
            return 0
        moments = sorted(
            self.moment(rng.choice(days), self.minute(p), p.offset)
            for _ in range(rng.randint(2, 4))
        )
        start = moments[0].astimezone(UTC)
        if any(abs(t - start) < timedelta(days=8) for t in [*budget.band_times, *budget.bursts]):
            return 0  # far from other amounts near this limit, so bursts stay apart
        shops = p.variable_shops(budget.category) or p.shops[budget.category]
        for occurred in moments:
            amount = _fraction_of(rng, budget.amount, *BAND, budget.currency)
            self.buy(p, rng.choice(shops), occurred, label="limit_burst", amount=amount)
        budget.bursts.append(start)
        return len(moments)

    def receipt_reuse(self) -> int:
        """A new expense filed with a re-photograph of a receipt that an earlier expense already
        used: one's own from 3+ days before, or (half) a group member's."""
        rng = self.rng
        own = rng.random() < 0.5 or not self.groups
        if own:
            p = source = rng.choice(self.people)
        else:
            p = self.by_id[rng.choice(rng.choice(self.groups).member_ids)]
            source = self.by_id[rng.choice([m for m in self.sharing[p.id] if m != p.id])]
        used = [
            e
            for e in source.normal
            if e.receipt is not None
            and e.trip_id is None
            and e.currency == source.home
            and e.receipt.id not in self.reused
        ]
        if not used:
            return 0
        original = rng.choice(used)
        assert original.receipt is not None
        first = (original.day - EPOCH).days + (3 if own else 0)
        day = self.free_day(p, first, min(first + (17 if own else 14), self.days - 1))
        if day is None:
            return 0
        occurred = self.moment(day, self.daytime(p), p.offset)
        made = occurred.astimezone(UTC)
        if made - original.at < (timedelta(days=3) if own else timedelta(hours=1)):
            return 0
        paper = self.rephoto(original.receipt)
        amount = paper.total
        if not own and rng.random() < 0.4:  # what they claim as their share, roughly
            amount = round_to_currency(amount * _per_mille(rng, 970, 1030), paper.currency)
        if own or original.category in p.category_ids:
            category = original.category
        else:
            category = rng.choice(p.daily)
        shown: datetime | None = occurred
        if not own and original.day != day and rng.random() < 0.5:
            day, shown = original.day, None  # dated as the receipt: a past day, no time
        self.file(
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
        self.reused.add(original.receipt.id)
        return 1

    def padding(self) -> int:
        """An expense typed 10-60 % above the total its receipt shows."""
        rng = self.rng
        p = rng.choice(self.people)
        categories = [  # where amounts vary: a fixed price has no MAD to be far from
            c for c in p.daily if len(p.variable_shops(c)) == len(p.shops.get(c, ())) > 0
        ]
        day = self.free_day(p)
        if not categories or day is None:
            return 0
        m = rng.choice(p.variable_shops(rng.choice(categories)))
        total = self.price(m, p.home)
        padded = Decimal(rng.randint(1000, 6000)) / 10000
        amount = round_to_currency(total / (1 - padded), p.home)
        if not Decimal("0.10") <= (amount - total) / amount <= Decimal("0.60"):
            return 0
        occurred = self.moment(day, self.daytime(p), p.offset)
        made = occurred.astimezone(UTC)
        self.file(
            p,
            m,
            day=day,
            occurred=occurred,
            sent=made,
            made=made,
            amount=amount,
            currency=p.home,
            label="padding",
            paper=_Paper(m.name, day, total, p.home),
        )
        return 1

    def trip_mismatch(self) -> int:
        """An expense on a trip dated 3+ days outside it, or (half) in a third currency."""
        rng = self.rng
        if not self.trips:
            return 0
        trip = rng.choice(self.trips)
        p = self.by_id[trip.owner]
        m = rng.choice(trip.shops)
        if rng.random() < 0.5:
            if rng.random() < 0.5:
                day = trip.end + timedelta(days=rng.randint(3, 12))
            else:
                day = trip.start - timedelta(days=rng.randint(3, 10))
            if not EPOCH <= day < self.end or day in p.trip_days:
                return 0
            currency = trip.currency if rng.random() < 0.6 else p.home
            occurred = self.moment(day, self.daytime(p), p.offset)
        else:
            thirds = sorted(set(RATES_PER_EUR) - {trip.currency, p.home})
            currency = rng.choice(thirds)
            day = trip.start + timedelta(days=rng.randint(0, (trip.end - trip.start).days))
            occurred = self.moment(day, self.daytime(p), trip.offset)
        if occurred.astimezone(UTC) <= trip.created:
            return 0
        amount = self.price(self.merchant(m.shop, m.category, currency))  # priced there
        self.buy(
            p,
            m,
            occurred,
            label="trip_mismatch",
            amount=amount,
            currency=currency,
            trip_id=trip.id,
        )
        return 1

    def outlier(self) -> int:
        """Placed now, priced later (:meth:`price_outliers`): an expense at a merchant of a
        category where ``p`` already has 10+ expenses, 3-8 MADs above their median."""
        rng = self.rng
        p = rng.choice(self.people)
        categories = [c for c in p.daily if p.variable_shops(c)]
        if not categories:
            return 0
        category = rng.choice(categories)
        history = [e for e in p.normal if e.category == category]
        if len(history) < 12:
            return 0
        after = history[9].at.date() - EPOCH + timedelta(days=2)
        day = self.free_day(p, after.days)
        if day is None:
            return 0
        m = rng.choice(p.variable_shops(category))
        occurred = self.moment(day, self.minute(p), p.offset)
        self.buy(p, m, occurred, label="outlier", amount=Decimal(0), currency=p.home)
        return 1

    def price_outliers(self) -> None:
        """Walk every expense in the order the API got them; each outlier's amount is then
        median + k * MAD (unscaled) of its owner's earlier home amounts in its category, with
        k in [3, 8]. An outlier without 10 earlier amounts, or with MAD 0, is dropped."""
        rng = self.rng
        history: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
        for e in sorted(self.expenses, key=lambda e: (e.at, e.seq)):
            seen = history[e.owner, e.category_id]
            if e.label == "outlier":
                amount, k = self._outlier_amount(rng, seen, e.home)
                if amount is None:
                    e.dropped = True
                    continue
                e.amount = amount
                e.value = home_value(amount, e.currency, e.home, e.day)
                if e.receipt is not None:
                    e.receipt.paper.total = amount
                self.outlier_k[e.id] = k
            seen.append(e.home_amount)
        self.expenses = [e for e in self.expenses if not e.dropped]

    @staticmethod
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
            k = _per_mille(rng, 3000, 8000)
            amount = round_to_currency(median + k * mad, currency)
            realised = (amount - median) / mad
            if 3 <= realised <= 8:
                return amount, float(realised)
        return None, 0.0

    # ---- the data set -------------------------------------------------------------------

    def dataset(self, seed: int) -> Dataset:
        items: list[tuple[datetime, int, Item]] = []
        receipts = [e.receipt for e in self.expenses if e.receipt is not None]
        receipts += self.loose_receipts
        find_duplicates(sorted(receipts, key=lambda r: (r.at, r.seq)), self.sharing)
        for r in receipts:
            items.append((r.at, r.seq, Item(r.at, "receipt", r.owner, receipt_json(r))))
        for e in self.expenses:
            items.append((e.at, e.seq, Item(e.at, "expense", e.owner, expense_json(e))))
        for t in self.trips:
            items.append((t.created, t.seq, Item(t.created, "trip", t.owner, trip_json(t))))
        for p in self.people:
            for b in p.budgets:
                items.append((b.created, b.seq, Item(b.created, "budget", b.owner, budget_json(b))))
        items.sort(key=lambda row: (row[0], row[1]))
        return Dataset(
            seed=seed,
            users=tuple(p.user for p in self.people),
            groups=tuple(self.groups),
            stream=tuple(item for _, _, item in items),
            labels={e.id: e.label for e in self.expenses if e.label is not None},
            outlier_k=dict(self.outlier_k),
        )


def _chunks(phash: str) -> list[tuple[int, int]]:
    """The hash cut into ``DUPLICATE_BITS + 1`` pieces (piece number, value): two hashes at most
    ``DUPLICATE_BITS`` bits apart cannot differ in every piece, so they share at least one."""
    value, count = int(phash, 16), DUPLICATE_BITS + 1
    widths = [64 // count + (1 if i < 64 % count else 0) for i in range(count)]
    pieces, shift = [], 0
    for i, width in enumerate(widths):
        pieces.append((i, (value >> shift) & ((1 << width) - 1)))
        shift += width
    return pieces


def find_duplicates(receipts: Sequence[_Receipt], sharing: dict[str, tuple[str, ...]]) -> None:
    """Each receipt's ``duplicates``, as the ocr actor finds them when it reads it: the
    receipts before it of its owner and of everyone in a group with them, created within
    ``DUPLICATE_WINDOW`` of the scan, newest first (at most ``DUPLICATE_CANDIDATES`` looked
    at), whose perceptual hash is at most ``DUPLICATE_BITS`` bits away.

    Only receipts sharing a piece of the hash (:func:`_chunks`) can be that close, so each one
    is compared with those, not with all: the same answer, without millions of comparisons."""
    seen_at: dict[str, list[datetime]] = defaultdict(list)
    seen: dict[str, list[_Receipt]] = defaultdict(list)
    by_piece: dict[tuple[str, int, int], list[_Receipt]] = defaultdict(list)
    for r in receipts:
        since = r.scanned - DUPLICATE_WINDOW
        owners = sharing[r.owner]
        pieces = _chunks(r.phash)
        looked_at = sum(len(seen_at[o]) - bisect.bisect_left(seen_at[o], since) for o in owners)
        if looked_at > DUPLICATE_CANDIDATES:  # only the newest are looked at
            candidates = sorted(
                (c for o in owners for c in seen[o] if c.at >= since),
                key=lambda c: (c.at, c.seq),
                reverse=True,
            )[:DUPLICATE_CANDIDATES]
        else:
            near = {
                c.id: c for o in owners for piece in pieces for c in by_piece.get((o, *piece), ())
            }
            candidates = [c for c in near.values() if c.at >= since]
        close = [c for c in candidates if distance(c.phash, r.phash) <= DUPLICATE_BITS]
        if len(close) > 1:
            close.sort(key=lambda c: (c.at, c.seq), reverse=True)
        r.duplicates = [c.id for c in close]
        seen_at[r.owner].append(r.at)
        seen[r.owner].append(r)
        for piece in pieces:
            by_piece[(r.owner, *piece)].append(r)


# ---- JSON shapes ----------------------------------------------------------------------------


@cache
def _day(day: date) -> str:
    return day.isoformat()


@cache
def _printed(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def iso(moment: datetime | None) -> str | None:
    """A datetime as the API writes it (pydantic's JSON: UTC as "Z", other offsets kept)."""
    if moment is None:
        return None
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def expense_json(e: _Expense) -> dict[str, Any]:
    value, created = e.value, iso(e.at)
    return {
        "id": e.id,
        "type": "expense",
        "amount": format_amount(e.amount),
        "currency": e.currency,
        "category_id": e.category_id,
        "description": e.description,
        "merchant": e.merchant_name,
        "date": _day(e.day),
        "occurred_at": iso(e.occurred),
        "notes": None,
        "tags": [],
        "trip_id": e.trip_id,
        "version": 1,
        "created_at": created,
        "updated_at": created,
        "made_at": iso(e.made),
        "receipt_id": e.receipt.id if e.receipt is not None else None,
        "home_currency": value["home_currency"],
        "home_amount": format_amount(value["home_amount"]),
        "rate": format_amount(value["rate"]),
        "rate_date": _day(value["rate_date"]),
        "rate_source": value["rate_source"],
        "rate_status": value["rate_status"],
    }


def receipt_json(r: _Receipt) -> dict[str, Any]:
    paper = r.paper
    total = format_amount(paper.total)
    text = f"{paper.merchant.upper()}\n{_printed(paper.day)}\nTOTAL {paper.currency} {total}"
    return {
        "id": r.id,
        "owner_id": r.owner,
        "status": "scanned",
        "reason": None,
        "content_type": "image/jpeg",
        "size": r.size,
        "sha256": r.sha256,
        "width": r.width,
        "height": r.height,
        "expense_id": None,
        "group_id": None,
        "auto_apply": False,
        "fields": {
            "merchant": paper.merchant,
            "date": _day(paper.day),
            "total": total,
            "subtotal": None,
            "tax": None,
            "tip": None,
            "currency": paper.currency,
            "items": [],
        },
        "confidence": dict(r.confidence),
        "checks": {},
        "text": text,
        "phash": r.phash,
        "duplicates": list(r.duplicates),
        "version": 2,
        "created_at": iso(r.at),
        "updated_at": iso(r.scanned),
        "scanned_at": iso(r.scanned),
    }


def trip_json(t: _Trip) -> dict[str, Any]:
    return {
        "id": t.id,
        "name": t.name,
        "destination": t.destination,
        "start_date": t.start.isoformat(),
        "end_date": t.end.isoformat(),
        "currency": t.currency,
        "version": 1,
        "created_at": iso(t.created),
        "updated_at": iso(t.created),
    }


def budget_json(b: _Budget) -> dict[str, Any]:
    return {
        "id": b.id,
        "owner_id": b.owner,
        "amount": format_amount(b.amount),
        "currency": b.currency,
        "category_ids": [b.category_id],
        "period": "monthly",
    }


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


def generate(seed: int, users: int = 300, days: int = 90) -> Dataset:
    """The data set of ``seed``: ``users`` people over ``days`` days from :data:`EPOCH`."""
    with _collector_paused():
        draw = _Draw(seed, users, days)
        draw.plan_trips()
        draw.plan_budgets()
        draw.normal_traffic()
        draw.index_normal()
        draw.rephotograph()
        draw.inject()
        draw.price_outliers()
        return draw.dataset(seed)
