"""An item's amounts also in the recipient's own (home) currency, at the rate of the day the
event happened, so a person whose friends pay in euros reads what a bill is in francs. The
rates are the currency actor's, read by the notifications process's rate book; with no rate
known, the item keeps the amount as the event gave it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Protocol, runtime_checkable

from actors.work import Work
from bus.money import round_to_currency
from storage.shared import person as person_of


@runtime_checkable
class Converter(Protocol):
    def convert(self, amount: Decimal, frm: str, to: str, on: date) -> Decimal | None: ...


async def in_display(
    work: Work, person: str, amounts: list[dict[str, str]], on: date
) -> list[dict[str, str]]:
    """``amounts`` with ``display_amount`` and ``display_currency`` added where the currency is
    not the person's own and a rate is known."""
    converter = work.runtime
    profile = await person_of(work, person)
    if profile is None or not isinstance(converter, Converter):
        return amounts
    home = profile.home_currency
    shown = []
    for entry in amounts:
        out = dict(entry)
        currency = entry.get("currency", "")
        try:
            value = Decimal(entry.get("amount", ""))
        except InvalidOperation:
            value = None
        if value is not None and value.is_finite() and currency and currency != home:
            converted = converter.convert(value, currency, home, on)
            if converted is not None:
                out["display_amount"] = str(round_to_currency(converted, home))
                out["display_currency"] = home
        shown.append(out)
    return shown


def said_in_display(body: str, amounts: list[dict[str, str]]) -> str:
    """The item's sentence, with the first amount in the person's currency when it was not."""
    for entry in amounts:
        if "display_amount" in entry:
            return f"{body} (about {entry['display_amount']} {entry['display_currency']})"
    return body
