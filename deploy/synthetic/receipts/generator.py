"""Synthetic receipts, deterministic from a seed, each with the ground truth of what it shows.

``make_receipts(seed, count)`` draws the receipts (merchant, date, items, amounts, and the lines
printed on the paper); ``render(receipt, degraded)`` draws them: a clean PNG, or a degraded JPEG
(rotated up to ±5°, blurred, speckled, shrunk to 0.6x and saved at quality 40), like a quick
phone photo. Amounts always agree: items sum to the subtotal, and subtotal + tax + tip is the
total. Only the fonts shipped beside this module are used, so images are the same everywhere.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Literal

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIR = Path(__file__).parent / "fonts"

# Each family: (regular, bold). Bold falls back to a stroked regular where no bold is shipped.
FONT_FAMILIES: dict[str, tuple[str, str | None]] = {
    "sans": ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    "mono": ("DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf"),
    "serif": ("DejaVuSerif.ttf", None),
    "condensed": ("DejaVuSansCondensed.ttf", "DejaVuSans-Bold.ttf"),
}

Align = Literal["left", "center", "right"]
Marked = Literal["all", "totals", "total", "label", "header"]  # where the currency mark shows


@dataclass(frozen=True, slots=True)
class TruthItem:
    description: str
    quantity: Decimal | None
    amount: Decimal


@dataclass(frozen=True, slots=True)
class PrintLine:
    """One printed line: ``left`` text (aligned as told) and an optional right-aligned ``right``."""

    left: str = ""
    right: str = ""
    align: Align = "left"
    indent: float = 0.0  # where ``left`` starts, as a share of the printable width
    size: float = 1.0
    bold: bool = False
    leader: str = ""  # a character repeated between ``left`` and ``right``


@dataclass(frozen=True, slots=True)
class SyntheticReceipt:
    index: int
    merchant: str
    date: date
    total: Decimal
    subtotal: Decimal | None
    tax: Decimal | None
    tip: Decimal | None
    currency: str
    items: tuple[TruthItem, ...]
    lines: tuple[PrintLine, ...] = field(repr=False)
    layout: str
    font: str
    font_size: int
    width: int
    render_seed: int = field(repr=False)


# ---- word lists -----------------------------------------------------------------------------

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

_KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
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

_STREETS = ("High Street", "Main St", "Market Square", "Oak Avenue", "Station Road", "Elm St")
_CITIES = ("Springfield", "Riverton", "Lakeside", "Hillcrest", "Westbury", "Fairview")
_SERVERS = ("Anna", "Marco", "Julia", "Sam", "Priya", "Tom", "Lea")

# ---- money ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MoneyStyle:
    currency: str
    digits: int
    decimal: str  # "." or ","
    group: str  # thousands separator, or ""
    mark: str  # what shows the currency: a symbol or the code
    mark_before: bool
    mark_space: bool
    marked: Marked

    def plain(self, amount: Decimal) -> str:
        q = amount.quantize(Decimal(1).scaleb(-self.digits))
        whole, _, frac = f"{abs(q):f}".partition(".")
        if self.group and len(whole) > 3:
            parts: list[str] = []
            while len(whole) > 3:
                parts.insert(0, whole[-3:])
                whole = whole[:-3]
            whole = self.group.join([whole, *parts])
        text = whole + (self.decimal + frac if self.digits else "")
        return ("-" if q < 0 else "") + text

    def show(self, amount: Decimal, marked: bool) -> str:
        text = self.plain(amount)
        if not marked:
            return text
        gap = " " if self.mark_space else ""
        return f"{self.mark}{gap}{text}" if self.mark_before else f"{text}{gap}{self.mark}"


_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CAD": "$", "AUD": "$"}
_CURRENCIES = ("USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD")
_CURRENCY_WEIGHTS = (30, 24, 14, 10, 8, 7, 7)


def _money_style(rng: random.Random, currency: str) -> MoneyStyle:
    digits = 0 if currency == "JPY" else 2
    decimal = "."
    group = ","
    if currency == "EUR" and rng.random() < 0.7:
        decimal, group = ",", "."
    if currency == "CHF" and rng.random() < 0.3:
        group = "'"
    if rng.random() < 0.25 and currency != "JPY":
        group = ""
    symbol = _SYMBOLS.get(currency)
    # A currency sharing the dollar sign always shows its code somewhere.
    use_code = symbol is None or currency in {"CAD", "AUD"} or rng.random() < 0.3
    marked: Marked
    if use_code:
        mark = currency
        marked = rng.choice(("all", "totals", "total", "label", "header"))
        before = rng.random() < 0.6
        space = True
    else:
        assert symbol is not None
        mark = symbol
        marked = rng.choice(("all", "all", "totals", "total"))
        before = currency != "EUR" or rng.random() < 0.35
        space = not before or rng.random() < 0.15
    return MoneyStyle(currency, digits, decimal, group, mark, before, space, marked)


def _round(amount: Decimal, digits: int) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def _price(rng: random.Random, currency: str, kind: str) -> Decimal:
    if currency == "JPY":
        return Decimal(rng.randrange(8, 300) * 10)
    top = {"cafe": 9, "bakery": 8, "grocery": 14, "restaurant": 32, "hardware": 45}[kind]
    cents = rng.randrange(50, top * 100)
    if rng.random() < 0.5:
        cents = cents // 5 * 5 or 5
    if kind == "hardware" and rng.random() < 0.08:
        cents = rng.randrange(1000, 2500) * 100 - rng.choice((1, 5, 50))  # a big-ticket item
    return Decimal(cents) / 100


# ---- dates ----------------------------------------------------------------------------------

# (strftime-like format, only for month-first locales, only for day-first locales)
_DATE_FORMATS = (
    "{Y}-{m}-{d}",
    "{d}/{m}/{Y}",  # becomes {m}/{d}/{Y} for US layouts
    "{b} {d} {Y}",
    "{d} {b} {Y}",
    "{d}.{m}.{y}",
    "{d}.{m}.{Y}",
    "{B} {d}, {Y}",
    "{d}-{b}-{Y}",
    "{Y}/{m}/{d}",
    "{d}/{m}/{y}",  # becomes {m}/{d}/{y} for US layouts
)
_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip


def _format_date(rng: random.Random, day: date, month_first: bool) -> str:
    fmt = rng.choice(_DATE_FORMATS)
    if month_first:
        fmt = fmt.replace("{d}/{m}/", "{m}/{d}/")
    upper = rng.random() < 0.4
    short = _MONTHS[day.month - 1][:3]
    values = {
        "Y": f"{day.year:04d}",
        "y": f"{day.year % 100:02d}",
        "m": f"{day.month:02d}",
        "d": f"{day.day:02d}" if rng.random() < 0.8 or "{b}" not in fmt else str(day.day),
        "b": short.upper() if upper else short,
        "B": _MONTHS[day.month - 1].upper() if upper else _MONTHS[day.month - 1],
    }
    return fmt.format(**values)


def _format_time(rng: random.Random) -> str:
    hour, minute = rng.randrange(7, 23), rng.randrange(60)
    if rng.random() < 0.3:
        return f"{(hour - 1) % 12 + 1}:{minute:02d} {'PM' if hour >= 12 else 'AM'}"
    return f"{hour:02d}:{minute:02d}" + (f":{rng.randrange(60):02d}" if rng.random() < 0.3 else "")


# ---- receipts -------------------------------------------------------------------------------


def _merchant(rng: random.Random, kind: str) -> str:
    shop = rng.choice(_KINDS[kind][0])
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


_TOTAL_LABELS = (
    "TOTAL", "Total", "Total Due", "AMOUNT DUE", "Grand Total", "BALANCE", "BALANCE DUE",
    "TOTAL", "Total:", "TOTAL TO PAY",
)  # fmt: skip
_SUBTOTAL_LABELS = ("SUBTOTAL", "Subtotal", "Sub-total", "Net", "SUB TOTAL", "Subtotal:")
_TIP_LABELS = ("Tip", "TIP", "Gratuity", "Service")


def _tax_label(rng: random.Random, currency: str) -> tuple[str, Decimal]:
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


def _make_one(rng: random.Random, index: int) -> SyntheticReceipt:
    kind = rng.choice(tuple(_KINDS))
    currency = rng.choices(_CURRENCIES, _CURRENCY_WEIGHTS)[0]
    money = _money_style(rng, currency)
    digits = money.digits
    merchant = _merchant(rng, kind)
    day = date(2019, 1, 1) + timedelta(days=rng.randrange(11 * 365))
    layout = rng.choice(("centered", "left", "table", "two_line"))
    family = rng.choice(tuple(FONT_FAMILIES))
    font_size = rng.randrange(18, 29)
    width = rng.randrange(600, 801)

    # Items.
    n_items = rng.randrange(1, 13)
    quantities = layout in {"table", "two_line"} or rng.random() < 0.5
    descriptions = rng.sample(_KINDS[kind][1], min(n_items, len(_KINDS[kind][1])))
    items: list[tuple[str, Decimal | None, Decimal, Decimal]] = []  # desc, qty, unit, amount
    for description in descriptions:
        unit = _price(rng, currency, kind)
        qty: Decimal | None = None
        if quantities and (layout == "table" or rng.random() < 0.35):
            qty = Decimal(rng.choice((1, 1, 2, 2, 3, 4, 6))) if layout == "table" else None
            if qty is None:
                qty = Decimal(rng.choice((2, 2, 3, 4)))
        amount = unit * (qty or 1)
        items.append((description, qty, unit, amount))
    item_sum = sum((a for *_, a in items), Decimal(0))

    has_tax = rng.random() < 0.6
    has_tip = kind in {"cafe", "restaurant"} and rng.random() < 0.35
    show_subtotal = has_tax or has_tip or rng.random() < 0.4
    subtotal = item_sum
    tax = tip = None
    tax_label = ""
    if has_tax:
        tax_label, rate = _tax_label(rng, currency)
        tax = _round(subtotal * rate / 100, digits)
        if tax == 0:
            tax = Decimal(1).scaleb(-digits)
    if has_tip:
        pct = Decimal(rng.choice((10, 12, 15, 18, 20)))
        tip = _round(subtotal * pct / 100, digits) or Decimal(1).scaleb(-digits)
    total = subtotal + (tax or 0) + (tip or 0)

    # Lines.
    lines: list[PrintLine] = []
    centred = layout != "left"
    header_align: Align = "center" if centred else "left"
    sep_char = rng.choice(("-", "=", "*", "-"))
    rule = PrintLine(sep_char * 60, align="center")
    if rng.random() < 0.12:
        lines.append(PrintLine(rng.choice(("Welcome to", "WELCOME TO")), align=header_align))
    lines.append(
        PrintLine(
            merchant, align=header_align, size=rng.uniform(1.15, 1.6), bold=rng.random() < 0.8
        )
    )
    if rng.random() < 0.75:
        street = f"{rng.randrange(1, 400)} {rng.choice(_STREETS)}"
        lines.append(PrintLine(street, align=header_align))
        city = rng.choice(_CITIES)
        if currency == "USD":
            city += f", {rng.choice(('IL', 'CA', 'NY', 'TX', 'OR'))} {rng.randrange(10000, 99999)}"
        elif rng.random() < 0.5:
            city = f"{rng.randrange(1000, 99999)} {city}"
        lines.append(PrintLine(city, align=header_align))
    if rng.random() < 0.6:
        phone = f"{rng.randrange(100, 999)}-{rng.randrange(100, 999)}-{rng.randrange(1000, 9999)}"
        lines.append(
            PrintLine(f"{rng.choice(('Tel', 'Tel:', 'Phone', 'TEL'))} {phone}", align=header_align)
        )
    if rng.random() < 0.25:
        lines.append(
            PrintLine(rng.choice(("RECEIPT", "SALES RECEIPT", "TAX INVOICE")), align="center")
        )
    if money.marked == "header":
        lines.append(PrintLine(f"Prices in {currency}", align=header_align))
    lines.append(rule)

    date_text = _format_date(rng, day, month_first=currency == "USD")
    time_text = _format_time(rng)
    style = rng.random()
    if style < 0.35:
        lines.append(PrintLine(f"Date: {date_text}", f"Time: {time_text}"))
    elif style < 0.6:
        lines.append(PrintLine(f"{date_text} {time_text}"))
    elif style < 0.8:
        lines.append(PrintLine(f"DATE {date_text}"))
        lines.append(PrintLine(f"TIME {time_text}"))
    else:
        lines.append(PrintLine(date_text, time_text))
    if rng.random() < 0.5:
        ref = rng.choice(("Receipt #", "Order ", "Trans ", "Check #", "Invoice "))
        lines.append(PrintLine(f"{ref}{rng.randrange(100, 99999)}"))
    if kind == "restaurant" and rng.random() < 0.6:
        lines.append(PrintLine(f"Table {rng.randrange(1, 40)}", f"Server: {rng.choice(_SERVERS)}"))
    lines.append(rule)

    item_marked = money.marked == "all"
    leader = rng.choice(("", "", ".")) if layout in {"left", "centered"} else ""
    if layout == "table":
        lines.append(PrintLine("QTY  ITEM", "AMOUNT"))
    truth_items: list[TruthItem] = []
    for description, qty, unit, amount in items:
        shown = money.show(amount, item_marked)
        if layout == "table":
            lines.append(PrintLine(f"{qty or 1:f}  {description}", shown))
        elif layout == "two_line" and qty is not None:
            lines.append(PrintLine(description))
            sign = rng.choice(("x", "@", "X"))
            lines.append(PrintLine(f"{qty:f} {sign} {money.plain(unit)}", shown, indent=0.06))
        elif qty is not None:
            form = rng.random()
            if form < 0.4:
                left = f"{qty:f} x {description}"
            elif form < 0.7:
                left = f"{description} {qty:f} @ {money.plain(unit)}"
            else:
                left = f"{description} QTY {qty:f}"
            lines.append(PrintLine(left, shown, leader=leader))
        else:
            lines.append(PrintLine(description, shown, leader=leader))
        truth_items.append(TruthItem(description, qty, amount))
    lines.append(rule)

    totals_indent = rng.choice((0.0, 0.0, 0.35, 0.45))
    total_marked = money.marked in {"all", "totals", "total"}
    sub_marked = money.marked in {"all", "totals"}
    if show_subtotal:
        label = rng.choice(_SUBTOTAL_LABELS)
        lines.append(PrintLine(label, money.show(subtotal, sub_marked), indent=totals_indent))
    if tax is not None:
        lines.append(PrintLine(tax_label, money.show(tax, sub_marked), indent=totals_indent))
    if tip is not None:
        lines.append(
            PrintLine(rng.choice(_TIP_LABELS), money.show(tip, sub_marked), indent=totals_indent)
        )
    total_label = rng.choice(_TOTAL_LABELS)
    if money.marked == "label":
        total_label = rng.choice(("TOTAL", "Total", "AMOUNT DUE", "Total Due")) + f" {currency}"
    lines.append(
        PrintLine(
            total_label,
            money.show(total, total_marked),
            indent=totals_indent,
            bold=rng.random() < 0.5,
            size=rng.choice((1.0, 1.0, 1.15)),
        )
    )

    pay = rng.random()
    if pay < 0.3 and total > 0:
        step = Decimal(1000) if currency == "JPY" else Decimal(rng.choice((5, 10, 20, 50)))
        cash = (total / step).to_integral_value(rounding="ROUND_CEILING") * step
        if cash == total:
            cash += step
        lines.append(PrintLine("CASH", money.show(cash, False), indent=totals_indent))
        lines.append(PrintLine("CHANGE", money.show(cash - total, False), indent=totals_indent))
    elif pay < 0.65:
        card = rng.choice(("VISA", "MASTERCARD", "AMEX", "DEBIT"))
        lines.append(
            PrintLine(f"{card} **** {rng.randrange(1000, 9999)}", money.show(total, False))
        )
        if rng.random() < 0.5:
            lines.append(PrintLine(f"AUTH CODE {rng.randrange(100000, 999999)}"))
    lines.append(rule)
    if rng.random() < 0.4:
        lines.append(PrintLine(f"Items: {len(truth_items)}"))
    if rng.random() < 0.08:
        exchange = _format_date(rng, day + timedelta(days=30), month_first=currency == "USD")
        lines.append(PrintLine(f"Exchange by {exchange}"))
    footer = rng.choice(("THANK YOU", "Thank you!", "Please come again", "THANK YOU FOR SHOPPING"))
    lines.append(PrintLine(footer, align="center"))
    if rng.random() < 0.3:
        lines.append(PrintLine(f"www.{merchant.lower().replace(' ', '')[:14]}.com", align="center"))

    return SyntheticReceipt(
        index=index,
        merchant=merchant,
        date=day,
        total=total,
        subtotal=subtotal if show_subtotal else None,
        tax=tax,
        tip=tip,
        currency=currency,
        items=tuple(truth_items),
        lines=tuple(lines),
        layout=layout,
        font=family,
        font_size=font_size,
        width=width,
        render_seed=rng.getrandbits(63),
    )


def make_receipts(seed: int, count: int) -> list[SyntheticReceipt]:
    """``count`` receipts, the same for the same seed."""
    rng = random.Random(seed)
    return [_make_one(random.Random(rng.getrandbits(64)), i) for i in range(count)]


# ---- drawing --------------------------------------------------------------------------------


@cache
def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_DIR / name), size)


def _line_font(
    receipt: SyntheticReceipt, line: PrintLine, room: float
) -> tuple[ImageFont.FreeTypeFont, int]:
    """The line's font, made smaller if the line would not fit on the paper (never cut)."""
    regular, bold = FONT_FAMILIES[receipt.font]
    name = bold if line.bold and bold is not None else regular
    stroke = 1 if line.bold and bold is None else 0
    size = round(receipt.font_size * line.size)
    while size > 10:
        font = _font(name, size)
        gap = font.size if line.right else 0
        needed = line.indent * room + font.getlength(line.left) + gap + font.getlength(line.right)
        if needed <= room:
            break
        size -= 1
    return _font(name, size), stroke


def _draw(receipt: SyntheticReceipt) -> Image.Image:
    margin = round(receipt.width * 0.06)
    room = receipt.width - 2 * margin
    spacing = 1.45
    heights = [round(receipt.font_size * line.size * spacing) for line in receipt.lines]
    height = sum(heights) + 2 * margin
    img = Image.new("L", (receipt.width, height), 255)
    draw = ImageDraw.Draw(img)
    y = margin
    for line, step in zip(receipt.lines, heights, strict=True):
        font, stroke = _line_font(receipt, line, room)
        right_w = font.getlength(line.right) if line.right else 0.0
        x0 = margin + line.indent * room
        left = line.left
        left_w = font.getlength(left)
        if line.align == "center":
            x = margin + (room - left_w) / 2
        elif line.align == "right":
            x = margin + room - left_w
        else:
            x = x0
        if left:
            draw.text((x, y), left, font=font, fill=0, stroke_width=stroke, stroke_fill=0)
        if line.right:
            draw.text(
                (margin + room - right_w, y),
                line.right,
                font=font,
                fill=0,
                stroke_width=stroke,
                stroke_fill=0,
            )
        if line.leader and line.right:
            gap_start = x + left_w + font.size * 0.5
            gap_end = margin + room - right_w - font.size * 0.5
            dot_w = font.getlength(line.leader + " ")
            if gap_end - gap_start > 3 * dot_w:
                dots = (line.leader + " ") * int((gap_end - gap_start) / dot_w)
                draw.text((gap_start, y), dots, font=font, fill=0)
        y += step
    return img


def _degrade(img: Image.Image, rng: random.Random) -> Image.Image:
    angle = rng.uniform(-5.0, 5.0)
    out = img.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    out = out.filter(ImageFilter.GaussianBlur(rng.uniform(0.8, 1.2)))
    pixels = np.array(out, dtype=np.uint8)
    noise = np.random.default_rng(rng.getrandbits(64))
    count = int(pixels.size * 0.004)
    ys = noise.integers(0, pixels.shape[0] - 1, count)
    xs = noise.integers(0, pixels.shape[1] - 1, count)
    values = noise.choice(np.array([0, 255], dtype=np.uint8), count)
    pixels[ys, xs] = values
    big = noise.random(count) < 0.3  # some dots are 2x2
    pixels[ys[big] + 1, xs[big]] = values[big]
    pixels[ys[big], xs[big] + 1] = values[big]
    pixels[ys[big] + 1, xs[big] + 1] = values[big]
    out = Image.fromarray(pixels, mode="L")
    size = (round(out.width * 0.6), round(out.height * 0.6))
    return out.resize(size, Image.Resampling.BICUBIC)


def render(receipt: SyntheticReceipt, degraded: bool) -> bytes:
    """The receipt as image file bytes: a clean PNG, or a degraded JPEG (quality 40)."""
    img = _draw(receipt)
    buffer = io.BytesIO()
    if degraded:
        _degrade(img, random.Random(receipt.render_seed)).convert("RGB").save(
            buffer, format="JPEG", quality=40
        )
    else:
        img.save(buffer, format="PNG")
    return buffer.getvalue()
