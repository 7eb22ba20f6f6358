"""Pure rules of a group's ledger entries: their value in the group's currency and how their
shares are stored.

An entry in the group's own currency counts as it is. One in another currency is converted at
its date's rate (the money rules of ``bus.fx``): the converted total is ``amount * rate``
rounded half-even, and each member's shares are re-allocated on that total by the original
shares (``shares.rescale``), so they still add up exactly. Without a rate the entry counts in
its own currency — a balance line of its own — until a rate arrives.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from actors.splits.shares import Part, rescale
from bus.fx import MissingRate, RateBook


def shares_data(parts: Iterable[Part]) -> list[dict[str, str]]:
    """Parts as stored and shown: ``{user_id, paid_share, owed_share}`` with decimal strings."""
    return [
        {"user_id": p.user_id, "paid_share": str(p.paid), "owed_share": str(p.owed)} for p in parts
    ]


def parts_of(shares: Iterable[Mapping[str, Any]]) -> list[Part]:
    """Stored shares back to parts."""
    return [
        Part(s["user_id"], Decimal(str(s["paid_share"])), Decimal(str(s["owed_share"])))
        for s in shares
    ]


def involved(parts: Iterable[Part]) -> list[str]:
    """Members an entry touches (a non-zero paid or owed share)."""
    return sorted({p.user_id for p in parts if p.paid or p.owed})


def group_value(
    book: RateBook,
    parts: Sequence[Part],
    amount: Decimal,
    currency: str,
    group_currency: str,
    on: date,
) -> dict[str, Any]:
    """The stored fields of an entry's value in the group's currency and its balance shares."""
    if currency == group_currency:
        return {
            "group_currency": group_currency,
            "group_amount": amount,
            "rate": Decimal(1),
            "rate_date": on.isoformat(),
            "rate_source": "same currency",
            "rate_status": "ok",
            "balance_currency": currency,
            "balance_shares": shares_data(parts),
        }
    try:
        quote = book.quote(currency, group_currency, on)
    except MissingRate:
        return {
            "group_currency": group_currency,
            "group_amount": None,
            "rate": None,
            "rate_date": None,
            "rate_source": None,
            "rate_status": "missing",
            "balance_currency": currency,
            "balance_shares": shares_data(parts),
        }
    converted = quote.convert(amount)
    return {
        "group_currency": group_currency,
        "group_amount": converted,
        "rate": quote.rate,
        "rate_date": quote.rate_date.isoformat(),
        "rate_source": quote.source,
        "rate_status": "stale" if quote.stale else "ok",
        "balance_currency": group_currency,
        "balance_shares": shares_data(rescale(parts, converted, group_currency)),
    }
