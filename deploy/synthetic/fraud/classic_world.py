"""What the classic generator's people buy, where and when: the catalog of shops by category,
trip destinations and their merchants, the hours people spend at, and the knobs of normal
traffic (receipts, late entries, crowding, amounts near a budget).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

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


def new_shop(
    name: str, kind: MerchantKind, low: str, high: str, numbered: str = "", basket: bool = False
) -> Shop:
    return Shop(name, kind, Decimal(low), Decimal(high), numbered, basket)


CATALOG: dict[str, tuple[Shop, ...]] = {
    "Groceries": (
        new_shop("Whole Foods", "variable", "25", "140", "#", basket=True),
        new_shop("Trader Joe's", "variable", "20", "95", "#", basket=True),
        new_shop("Safeway", "variable", "20", "120", "#", basket=True),
        new_shop("Kroger", "variable", "20", "110", "#", basket=True),
        new_shop("Aldi", "variable", "15", "80", basket=True),
        new_shop("Lidl", "variable", "15", "80", " ", basket=True),
        new_shop("Tesco", "variable", "12", "90", " ", basket=True),
        new_shop("Sainsbury's", "variable", "15", "95", basket=True),
        new_shop("Carrefour Market", "variable", "20", "110", " ", basket=True),
        new_shop("Rewe", "variable", "15", "85", basket=True),
        new_shop("Migros", "variable", "20", "100", basket=True),
        new_shop("Spar", "variable", "5", "30", " "),
    ),
    "Dining": (
        new_shop("Chipotle", "variable", "10", "18", "#"),
        new_shop("Nando's", "variable", "15", "40"),
        new_shop("Pizza Express", "variable", "20", "55"),
        new_shop("Wagamama", "variable", "18", "45"),
        new_shop("Vapiano", "variable", "14", "35"),
        new_shop("Five Guys", "variable", "12", "25"),
        new_shop("McDonald's", "variable", "6", "15", "#"),
        new_shop("Le Petit Bistro", "variable", "30", "80"),
        new_shop("Sushi Zen", "variable", "25", "70"),
        new_shop("Olive Garden", "variable", "25", "60", "#"),
    ),
    "Coffee": (
        new_shop("Starbucks", "fixed", "3.2", "6.0"),
        new_shop("Costa Coffee", "fixed", "2.8", "4.5"),
        new_shop("Pret A Manger", "fixed", "3.0", "7.0"),
        new_shop("Blue Bottle Coffee", "fixed", "4.0", "6.5"),
        new_shop("Dunkin'", "fixed", "2.5", "5.0", "#"),
        new_shop("Peet's Coffee", "fixed", "3.5", "6.0"),
        new_shop("Caffè Nero", "fixed", "2.8", "4.8"),
    ),
    "Transit": (
        new_shop("MTA", "fixed", "2.6", "2.9"),
        new_shop("TfL", "fixed", "1.8", "2.9"),
        new_shop("BVG", "fixed", "2.9", "3.8"),
        new_shop("SBB CFF FFS", "fixed", "3.0", "8.0"),
        new_shop("RATP", "fixed", "1.9", "2.5"),
    ),
    "Rides": (
        new_shop("Uber", "variable", "8", "35"),
        new_shop("Lyft", "variable", "8", "35"),
        new_shop("Bolt", "variable", "6", "25"),
        new_shop("FreeNow", "variable", "8", "30"),
    ),
    "Fuel": (
        new_shop("Shell", "variable", "35", "90", " "),
        new_shop("BP", "variable", "35", "85", " "),
        new_shop("Esso", "variable", "35", "85", " "),
        new_shop("Chevron", "variable", "35", "90", " "),
    ),
    "Shopping": (
        new_shop("Amazon", "variable", "15", "120", basket=True),
        new_shop("Zara", "variable", "25", "110", basket=True),
        new_shop("H&M", "variable", "15", "70", basket=True),
        new_shop("Target", "variable", "20", "120", "#", basket=True),
        new_shop("IKEA", "variable", "30", "250", basket=True),
        new_shop("Best Buy", "variable", "40", "300", "#"),
        new_shop("Uniqlo", "variable", "20", "90", basket=True),
        new_shop("Decathlon", "variable", "20", "150", basket=True),
        new_shop("MediaMarkt", "variable", "30", "250", " "),
    ),
    "Subscriptions": (
        new_shop("Netflix", "subscription", "8", "18"),
        new_shop("Spotify", "subscription", "9", "12"),
        new_shop("Disney+", "subscription", "7", "12"),
        new_shop("PureGym", "subscription", "20", "35"),
        new_shop("Planet Fitness", "subscription", "10", "25"),
        new_shop("Basic-Fit", "subscription", "20", "30"),
    ),
    "Entertainment": (
        new_shop("AMC Theatres", "variable", "12", "35", "#"),
        new_shop("Cinema City", "variable", "10", "30"),
        new_shop("Ticketmaster", "variable", "40", "150"),
        new_shop("Steam", "variable", "5", "60"),
    ),
    "Utilities": (
        new_shop("Vodafone", "bill", "20", "45"),
        new_shop("Verizon", "bill", "40", "90"),
        new_shop("EDF Energy", "bill", "50", "120"),
        new_shop("Octopus Energy", "bill", "40", "110"),
        new_shop("Comcast Xfinity", "bill", "50", "100"),
        new_shop("Thames Water", "bill", "25", "45"),
    ),
    "Health": (
        new_shop("CVS Pharmacy", "variable", "6", "45", "#"),
        new_shop("Walgreens", "variable", "6", "45", "#"),
        new_shop("Boots", "variable", "5", "40"),
        new_shop("dm-drogerie markt", "variable", "5", "35"),
        new_shop("Apotheke am Markt", "variable", "6", "40"),
    ),
    "Cash": (
        new_shop("ATM Withdrawal", "round", "20", "200"),
        new_shop("Revolut Top-Up", "round", "20", "200"),
        new_shop("PayPal", "round", "20", "200"),
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
