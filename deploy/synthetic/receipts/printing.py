"""The lines printed on a synthetic receipt, top to bottom: the shop's header, when it was
bought, the items, the totals, how it was paid and a footer; each part drawn in one of the
many ways real receipts print it."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from deploy.synthetic.receipts.basket import Bought, Sums
from deploy.synthetic.receipts.dates import format_date, format_time
from deploy.synthetic.receipts.money_style import MoneyStyle
from deploy.synthetic.receipts.truth import Align, PrintLine, TruthItem
from deploy.synthetic.receipts.words import (
    CITIES,
    SERVERS,
    STREETS,
    SUBTOTAL_LABELS,
    TIP_LABELS,
    TOTAL_LABELS,
)


def print_lines(
    rng: random.Random,
    *,
    merchant: str,
    day: date,
    kind: str,
    layout: str,
    money: MoneyStyle,
    items: list[Bought],
    sums: Sums,
) -> tuple[list[PrintLine], list[TruthItem]]:
    """Every printed line, and the items as the receipt shows them (the ground truth)."""
    currency = money.currency
    header_align: Align = "center" if layout != "left" else "left"
    rule = PrintLine(rng.choice(("-", "=", "*", "-")) * 60, align="center")
    lines = _header(rng, merchant, money, header_align)
    lines.append(rule)
    lines += _when(rng, day, currency, kind)
    lines.append(rule)
    item_lines, truth_items = _items(rng, items, money, layout)
    lines += item_lines
    lines.append(rule)
    totals_indent = rng.choice((0.0, 0.0, 0.35, 0.45))
    lines += _totals(rng, sums, money, totals_indent)
    lines += _payment(rng, sums.total, money, totals_indent)
    lines.append(rule)
    lines += _footer(rng, len(truth_items), day, currency, merchant)
    return lines, truth_items


def _header(rng: random.Random, merchant: str, money: MoneyStyle, align: Align) -> list[PrintLine]:
    """The shop's name, often its address and phone, sometimes a title."""
    lines: list[PrintLine] = []
    if rng.random() < 0.12:
        lines.append(PrintLine(rng.choice(("Welcome to", "WELCOME TO")), align=align))
    lines.append(
        PrintLine(merchant, align=align, size=rng.uniform(1.15, 1.6), bold=rng.random() < 0.8)
    )
    if rng.random() < 0.75:
        lines += _address(rng, money.currency, align)
    if rng.random() < 0.6:
        phone = f"{rng.randrange(100, 999)}-{rng.randrange(100, 999)}-{rng.randrange(1000, 9999)}"
        lines.append(
            PrintLine(f"{rng.choice(('Tel', 'Tel:', 'Phone', 'TEL'))} {phone}", align=align)
        )
    if rng.random() < 0.25:
        lines.append(
            PrintLine(rng.choice(("RECEIPT", "SALES RECEIPT", "TAX INVOICE")), align="center")
        )
    if money.marked == "header":
        lines.append(PrintLine(f"Prices in {money.currency}", align=align))
    return lines


def _address(rng: random.Random, currency: str, align: Align) -> list[PrintLine]:
    """A street, and a city written as the currency's country writes it."""
    street = f"{rng.randrange(1, 400)} {rng.choice(STREETS)}"
    city = rng.choice(CITIES)
    if currency == "USD":
        city += f", {rng.choice(('IL', 'CA', 'NY', 'TX', 'OR'))} {rng.randrange(10000, 99999)}"
    elif rng.random() < 0.5:
        city = f"{rng.randrange(1000, 99999)} {city}"
    return [PrintLine(street, align=align), PrintLine(city, align=align)]


def _when(rng: random.Random, day: date, currency: str, kind: str) -> list[PrintLine]:
    """The date and time in one of four arrangements, maybe a reference, a table and server."""
    date_text = format_date(rng, day, month_first=currency == "USD")
    time_text = format_time(rng)
    style = rng.random()
    lines: list[PrintLine] = []
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
        lines.append(PrintLine(f"Table {rng.randrange(1, 40)}", f"Server: {rng.choice(SERVERS)}"))
    return lines


def _items(
    rng: random.Random, items: list[Bought], money: MoneyStyle, layout: str
) -> tuple[list[PrintLine], list[TruthItem]]:
    """One line per item (two in a two-line layout), its quantity written as the layout does."""
    item_marked = money.marked == "all"
    leader = rng.choice(("", "", ".")) if layout in {"left", "centered"} else ""
    lines: list[PrintLine] = []
    if layout == "table":
        lines.append(PrintLine("QTY  ITEM", "AMOUNT"))
    truth_items: list[TruthItem] = []
    for item in items:
        description, qty, amount = item.description, item.quantity, item.amount
        shown = money.show(amount, item_marked)
        if layout == "table":
            lines.append(PrintLine(f"{qty or 1:f}  {description}", shown))
        elif layout == "two_line" and qty is not None:
            lines.append(PrintLine(description))
            sign = rng.choice(("x", "@", "X"))
            lines.append(PrintLine(f"{qty:f} {sign} {money.plain(item.unit)}", shown, indent=0.06))
        elif qty is not None:
            lines.append(PrintLine(_with_quantity(rng, item, money), shown, leader=leader))
        else:
            lines.append(PrintLine(description, shown, leader=leader))
        truth_items.append(TruthItem(description, qty, amount))
    return lines, truth_items


def _with_quantity(rng: random.Random, item: Bought, money: MoneyStyle) -> str:
    """An item's text with its quantity, on one line."""
    form = rng.random()
    if form < 0.4:
        return f"{item.quantity:f} x {item.description}"
    if form < 0.7:
        return f"{item.description} {item.quantity:f} @ {money.plain(item.unit)}"
    return f"{item.description} QTY {item.quantity:f}"


def _totals(rng: random.Random, sums: Sums, money: MoneyStyle, indent: float) -> list[PrintLine]:
    """The subtotal, tax and tip lines the receipt has, then the total."""
    total_marked = money.marked in {"all", "totals", "total"}
    sub_marked = money.marked in {"all", "totals"}
    lines: list[PrintLine] = []
    if sums.show_subtotal:
        label = rng.choice(SUBTOTAL_LABELS)
        lines.append(PrintLine(label, money.show(sums.subtotal, sub_marked), indent=indent))
    if sums.tax is not None:
        lines.append(PrintLine(sums.tax_label, money.show(sums.tax, sub_marked), indent=indent))
    if sums.tip is not None:
        lines.append(
            PrintLine(rng.choice(TIP_LABELS), money.show(sums.tip, sub_marked), indent=indent)
        )
    total_label = rng.choice(TOTAL_LABELS)
    if money.marked == "label":
        total_label = (
            rng.choice(("TOTAL", "Total", "AMOUNT DUE", "Total Due")) + f" {money.currency}"
        )
    lines.append(
        PrintLine(
            total_label,
            money.show(sums.total, total_marked),
            indent=indent,
            bold=rng.random() < 0.5,
            size=rng.choice((1.0, 1.0, 1.15)),
        )
    )
    return lines


def _payment(
    rng: random.Random, total: Decimal, money: MoneyStyle, indent: float
) -> list[PrintLine]:
    """Paid in cash (with the change), by card, or not said."""
    lines: list[PrintLine] = []
    pay = rng.random()
    if pay < 0.3 and total > 0:
        step = Decimal(1000) if money.currency == "JPY" else Decimal(rng.choice((5, 10, 20, 50)))
        cash = (total / step).to_integral_value(rounding="ROUND_CEILING") * step
        if cash == total:
            cash += step
        lines.append(PrintLine("CASH", money.show(cash, False), indent=indent))
        lines.append(PrintLine("CHANGE", money.show(cash - total, False), indent=indent))
    elif pay < 0.65:
        card = rng.choice(("VISA", "MASTERCARD", "AMEX", "DEBIT"))
        lines.append(
            PrintLine(f"{card} **** {rng.randrange(1000, 9999)}", money.show(total, False))
        )
        if rng.random() < 0.5:
            lines.append(PrintLine(f"AUTH CODE {rng.randrange(100000, 999999)}"))
    return lines


def _footer(
    rng: random.Random, item_count: int, day: date, currency: str, merchant: str
) -> list[PrintLine]:
    """A count of items, an exchange date, a thank-you and a web address, each sometimes."""
    lines: list[PrintLine] = []
    if rng.random() < 0.4:
        lines.append(PrintLine(f"Items: {item_count}"))
    if rng.random() < 0.08:
        exchange = format_date(rng, day + timedelta(days=30), month_first=currency == "USD")
        lines.append(PrintLine(f"Exchange by {exchange}"))
    footer = rng.choice(("THANK YOU", "Thank you!", "Please come again", "THANK YOU FOR SHOPPING"))
    lines.append(PrintLine(footer, align="center"))
    if rng.random() < 0.3:
        lines.append(PrintLine(f"www.{merchant.lower().replace(' ', '')[:14]}.com", align="center"))
    return lines
