"""What synthetic receipts say: shop names by kind of shop, what each kind sells, addresses,
and the labels of totals, tips and taxes.
"""

from __future__ import annotations

import random
from decimal import Decimal

_ADJECTIVES = (
    "Blue", "Golden", "Green", "Little", "Old", "Red", "Silver", "Happy", "Sunny", "Royal",
    "Corner", "Urban", "Rustic", "Copper", "Northern", "Lucky", "Quiet", "Bright", "Wild", "Olive",
)  # fmt: skip
_NOUNS = (
    "Fern", "Spoon", "Oak", "Lantern", "Harbor", "Maple", "Bean", "Kettle", "Anchor", "Sparrow",
    "Willow", "Pepper", "Garden", "Bridge", "Meadow", "Fox", "Lemon", "Pine", "River", "Stone",
)  # fmt: skip
_SURNAMES = (
    "Miller", "Rossi", "Baker", "Nguyen", "Schmidt", "Murphy", "Tanaka", "Dubois", "Patel",
    "Keller", "Romano", "Fischer", "Walsh", "Costa", "Jensen", "Weber", "Moreau", "Sato",
)  # fmt: skip
_UMLAUT_NAMES = ("Müller Bäckerei", "Café Größe", "Bäckerei Jäger", "Brötchen Haus")

KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # kind: (shop words, item descriptions)
    "cafe": (
        ("Cafe", "Coffee", "Espresso Bar", "Tea Room", "Roasters"),
        ("Flat White", "Cappuccino", "Latte", "Espresso", "Americano", "Croissant",
         "Blueberry Muffin", "Banana Bread", "Iced Tea", "Hot Chocolate", "Bagel", "Scone",
         "Avocado Toast", "Orange Juice", "Chai Latte", "Cookie"),
    ),
    "grocery": (
        ("Market", "Grocery", "Foods", "Supermarket", "Store"),
        ("Bananas", "Whole Milk", "Eggs Large", "Sourdough Loaf", "Cheddar", "Apples",
         "Pasta", "Tomatoes", "Olive Oil", "Rice", "Chicken Breast", "Yogurt", "Butter",
         "Coffee Beans", "Orange Juice", "Spinach", "Water 500ml", "Dish Soap", "Paper Towels"),
    ),
    "restaurant": (
        ("Kitchen", "Diner", "Bistro", "Grill", "Trattoria", "Tavern"),
        ("Caesar Salad", "Burger", "Fish and Chips", "Margherita Pizza", "Risotto", "Steak",
         "Soup of the Day", "Fries", "Lemonade", "House Wine", "Draft Beer", "Cheesecake",
         "Tiramisu", "Sparkling Water", "Garlic Bread", "Pad Thai", "Ramen"),
    ),
    "hardware": (
        ("Hardware", "Supply", "Tools", "Home Center"),
        ("Screws", "Hammer", "Paint Brush", "Duct Tape", "Light Bulb", "Extension Cord",
         "Sandpaper", "Wood Glue", "Batteries AA", "Tape Measure", "Work Gloves", "Padlock"),
    ),
    "bakery": (
        ("Bakery", "Bakehouse", "Patisserie"),
        ("Baguette", "Rye Bread", "Croissant", "Pretzel", "Apple Strudel", "Cinnamon Roll",
         "Fruit Tart", "Brioche", "Rolls", "Cake Slice", "Donut", "Macarons"),
    ),
}  # fmt: skip

STREETS = ("High Street", "Main St", "Market Square", "Oak Avenue", "Station Road", "Elm St")
CITIES = ("Springfield", "Riverton", "Lakeside", "Hillcrest", "Westbury", "Fairview")
SERVERS = ("Anna", "Marco", "Julia", "Sam", "Priya", "Tom", "Lea")


def merchant_name(rng: random.Random, kind: str) -> str:
    shop = rng.choice(KINDS[kind][0])
    roll = rng.random()
    if kind == "bakery" and roll < 0.15:
        return rng.choice(_UMLAUT_NAMES)
    if roll < 0.35:
        name = f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)} {shop}"
    elif roll < 0.55:
        name = f"{rng.choice(_SURNAMES)}'s {shop}"
    elif roll < 0.7:
        name = f"{rng.choice(_ADJECTIVES)} {shop} {rng.randrange(1, 100)}"
    elif roll < 0.82:
        name = f"The {rng.choice(_NOUNS)} {shop}"
    elif roll < 0.92:
        name = f"{rng.choice(_SURNAMES)} & Sons {shop}"
    else:
        name = f"{rng.choice(_NOUNS)} {rng.choice(_NOUNS)}"
    return name.upper() if rng.random() < 0.5 else name


TOTAL_LABELS = (
    "TOTAL", "Total", "Total Due", "AMOUNT DUE", "Grand Total", "BALANCE", "BALANCE DUE",
    "TOTAL", "Total:", "TOTAL TO PAY",
)  # fmt: skip
SUBTOTAL_LABELS = ("SUBTOTAL", "Subtotal", "Sub-total", "Net", "SUB TOTAL", "Subtotal:")
TIP_LABELS = ("Tip", "TIP", "Gratuity", "Service")


def tax_label(rng: random.Random, currency: str) -> tuple[str, Decimal]:
    """A tax line's label and rate, as a receipt in that currency would print them."""
    if currency == "USD":
        rate = Decimal(rng.choice(("6", "7", "7.25", "8", "8.25", "8.875", "9.5")))
        label = rng.choice(("TAX", "Sales Tax", "Sales Tax {r}%", "TAX {r}%"))
    elif currency in {"EUR", "GBP"}:
        rate = Decimal("20") if currency == "GBP" else Decimal(rng.choice(("19", "20", "21", "10")))
        label = rng.choice(("VAT {r}%", "VAT", "TAX {r}%", "VAT @ {r}%"))
    elif currency == "JPY":
        rate, label = Decimal("10"), rng.choice(("TAX 10%", "Tax", "Consumption Tax"))
    elif currency == "CHF":
        rate, label = Decimal("8.1"), rng.choice(("VAT 8.1%", "VAT", "MWST 8.1%"))
    elif currency == "CAD":
        rate, label = rng.choice(((Decimal("5"), "GST 5%"), (Decimal("13"), "HST 13%")))
    else:
        rate, label = Decimal("10"), rng.choice(("GST", "GST 10%"))
    return label.replace("{r}", f"{rate:f}"), rate
