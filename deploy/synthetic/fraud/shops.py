"""Kinds of spending and the shops behind them, with each shop's three spellings.

A purchase reaches the API under one of three names: as its owner types it ("Whole Foods"),
as a receipt prints it ("WHOLE FOODS MARKET"), or as a bank or card statement writes it
("WHOLEFDS MKT 10245 SEATTLE WA", "UBER *TRIP 8Y2K", "AMZN Mktp US*2K4LL1RT2"). A statement
template holds the shop's fixed store number (``{n3}``..``{n8}``, drawn once per person and
shop), a code that changes with every charge (``{code4}``, ``{code9}``) and the city suffix of
where the card was used (``{city}``). Prices are typical euro medians; each person's own median
is drawn around them and scaled by the home currency's price level.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from decimal import Decimal

from deploy.synthetic.fraud.currencies import PRICE_LEVEL

CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"


@dataclass(frozen=True, slots=True)
class ShopSpec:
    name: str  # as people type it
    statement: str  # as a statement writes it: a template
    receipt: str  # as a receipt header prints it
    online: bool = False


@dataclass(frozen=True, slots=True)
class Kind:
    """A kind of everyday spending: its typical median in euros, purchases per week of
    someone who has it, the local hours it happens in, and how weekends and paydays move it."""

    name: str
    median_eur: Decimal
    per_week: tuple[float, float]
    hours: tuple[int, int]
    weekend: float  # frequency factor on Saturday and Sunday
    payday: bool  # bigger baskets in the days after payday
    shops: tuple[ShopSpec, ...]


def shop_rows(*rows: str, online: tuple[str, ...] = ()) -> tuple[ShopSpec, ...]:
    """Shops from ``"name|statement template|receipt header"`` rows."""
    specs = []
    for row in rows:
        name, statement, receipt = row.split("|")
        specs.append(ShopSpec(name, statement, receipt, name in online))
    return tuple(specs)


CITIES: dict[str, tuple[str, ...]] = {
    "USD": ("SAN FRANCISCO CA", "SEATTLE WA", "NEW YORK NY", "AUSTIN TX", "CHICAGO IL"),
    "EUR": ("BERLIN DE", "PARIS FR", "MUENCHEN DE", "AMSTERDAM NL", "MADRID ES"),
    "GBP": ("LONDON GB", "MANCHESTER GB", "EDINBURGH GB"),
    "CHF": ("ZURICH CH", "GENEVE CH", "BASEL CH"),
    "JPY": ("TOKYO JP", "OSAKA JP", "KYOTO JP"),
}
DESTINATION_OFFSETS = {"EUR": 60, "USD": -300, "GBP": 0, "CHF": 60, "JPY": 540}

_SLOT = re.compile(r"\{(n[3-8]|code4|code9|city)\}")


def code(rng: random.Random, length: int) -> str:
    return "".join(CODE_CHARS[int(rng.random() * len(CODE_CHARS))] for _ in range(length))


def store_numbers(rng: random.Random) -> dict[str, str]:
    """A shop's fixed numbers, drawn once per person and shop (a store they go to)."""
    return {f"n{k}": str(int(rng.random() * 10**k)).zfill(k) for k in range(3, 9)}


@dataclass(frozen=True, slots=True)
class Shop:
    """A shop as one person knows it: its store numbers, city, and how they type its name."""

    spec: ShopSpec
    numbers: dict[str, str]
    city: str
    typed: str

    def statement(self, rng: random.Random) -> str:
        """The name a statement writes for one charge (codes change with every charge)."""
        return fill(self.spec.statement, self.numbers, self.city, rng)

    def receipt(self) -> str:
        return fill(self.spec.receipt, self.numbers, self.city, None)


def fill(template: str, numbers: dict[str, str], city: str, rng: random.Random | None) -> str:
    def slot(match: re.Match[str]) -> str:
        key = match.group(1)
        if key == "city":
            return city
        if key.startswith("code"):
            return code(rng, int(key[4:])) if rng is not None else ""
        return numbers[key]

    return " ".join(_SLOT.sub(slot, template).split())


def know(rng: random.Random, spec: ShopSpec, city: str) -> Shop:
    """A person's own view of a shop: mostly its clean name, sometimes typed their way."""
    roll = rng.random()
    typed = spec.name
    if roll < 0.08:
        typed = spec.name.lower()
    elif roll < 0.12:
        typed = spec.name.replace("'", "").replace(" ", "")
    return Shop(spec, store_numbers(rng), city, typed)


def priced(amount_eur: Decimal, currency: str) -> Decimal:
    """A euro price in ``currency``'s price level (not a conversion: what things cost there)."""
    return amount_eur * PRICE_LEVEL[currency]
