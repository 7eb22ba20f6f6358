"""Spending with fixed prices or fixed shapes: subscriptions, cash, transit fares, rare big
purchases, and the online merchants where stolen cards are tested."""

from __future__ import annotations

from decimal import Decimal

from deploy.synthetic.fraud.shops import shop_rows

SUBSCRIPTIONS = shop_rows(
    "Netflix|NETFLIX.COM|Netflix",
    "Spotify|Spotify P{code9}|Spotify",
    "iCloud|APPLE.COM/BILL|Apple",
    "FitX|FITX {n4} {city}|FitX",
    "Vodafone|VODAFONE GMBH|Vodafone",
    "YouTube Premium|GOOGLE *YouTubePremium|Google",
    "Disney+|DISNEY PLUS|Disney+",
    "NYTimes|NYTIMES*NYTIMES.COM|The New York Times",
    online=("Netflix", "Spotify", "iCloud", "YouTube Premium", "Disney+", "NYTimes"),
)
SUBSCRIPTION_EUR = (
    Decimal("15.49"),
    Decimal("10.99"),
    Decimal("2.99"),
    Decimal("24.90"),
    Decimal("29.99"),
    Decimal("12.99"),
    Decimal("9.99"),
    Decimal("17.25"),
)
"""Monthly price of each subscription above, in euros (scaled by price level, kept .x9)."""

ATMS = shop_rows(
    "ATM Sparkasse|SPARKASSE GA {n5}|Sparkasse",
    "Chase ATM|ATM WITHDRAWAL CHASE {n4}|Chase",
    "HSBC ATM|HSBC ATM {n4} {city}|HSBC",
    "UBS ATM|UBS BANCOMAT {n4}|UBS",
    "Bank of America ATM|BKOFAMERICA ATM {n4} WITHDRWL|Bank of America",
    "Deutsche Bank ATM|DEUTSCHE BANK GAA {n4}|Deutsche Bank",
    "Barclays ATM|BARCLAYS ATM {n4}|Barclays",
)
CASH_STEPS = (20, 40, 50, 60, 100, 200)
"""ATM withdrawals: the one spending that is round (in home-currency units)."""

FARES: dict[str, tuple[str, str, Decimal]] = {
    "USD": ("MTA", "MTA*NYCT PAYGO", Decimal("2.90")),
    "EUR": ("BVG", "BVG FAHRKARTE {code4}", Decimal("3.50")),
    "GBP": ("TfL", "TFL TRAVEL CH", Decimal("2.80")),
    "CHF": ("ZVV", "SBB CFF FFS ZVV {n4}", Decimal("4.40")),
}
"""The transit fare of a home currency's city: the same price twice a working day."""

BIG_PURCHASES = shop_rows(
    "MediaMarkt|MEDIAMARKT {n3} {city}|MediaMarkt",
    "Apple Store|APPLE STORE R{n3}|Apple Store",
    "Lufthansa|LUFTHANSA {n8}|Lufthansa",
    "United Airlines|UNITED {n8}|United Airlines",
    "easyJet|EASYJET {code9}|easyJet",
)
"""Rare honest big purchases: an appliance or a flight (first two shops appliances)."""

CARD_TESTERS = (
    "GOOGLE *GOOGLE PLAY",
    "APPLE.COM/BILL",
    "STEAMGAMES.COM {n8}",
    "PAYPAL *DIGITALRIVER",
    "MSFT *XBOX {code9}",
    "ROBLOX.COM",
    "PATREON* MEMBERSHIP",
    "AMZN Digital*{code9}",
)
"""Online merchants as a card feed writes them: where a stolen card is tested."""
