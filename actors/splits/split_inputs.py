"""Checks on the inputs of a shared bill, and :class:`SplitError`, which names the offending
field and says by how much the numbers are off.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Context, Decimal

from actors.splits.units import format_units, to_units
from bus.money import MoneyError

_WIDE = Context(prec=60)  # normalising never rounds an input here

PERCENT_DIGITS = 4
"""Decimal places a percentage may have (33.3333)."""


class SplitError(ValueError):
    """Inputs that do not add up.

    ``field`` is the dotted path of the offending input (``"split.shares"``, ``"paid_by"``,
    ``"split.shares.2.value"``); ``message`` says what is wrong and by how much.
    """

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


def format_plain(value: Decimal) -> str:
    """A decimal without trailing zeros and never in exponent form (``99.5``, ``100``)."""
    text = format(value.normalize(_WIDE), "f")
    return "0" if text in ("-0", "0") else text


def gap(what: str, total: str, difference: str, short: bool, target: str) -> str:
    """``"<what> add up to 95.00, 5.00 short of <target>"`` (or ``over``)."""
    return f"{what} add up to {total}, {difference} {'short of' if short else 'over'} {target}"


def must_total(what: str, total: int, units: int, currency: str, field: str) -> None:
    """SplitError saying by how much ``total`` misses the bill's ``units`` (minor units)."""
    if total != units:
        raise SplitError(
            gap(
                what,
                format_units(total, currency),
                format_units(abs(units - total), currency),
                total < units,
                f"the amount {format_units(units, currency)}",
            ),
            field,
        )


def _check_user_id(user_id: object, field: str) -> str:
    if not isinstance(user_id, str) or not user_id:
        raise SplitError("a user id must be a non-empty string", field)
    return user_id


def check_unique(user_ids: Sequence[str], field_of: str, suffix: str = "") -> None:
    """Refuse a user listed twice; the field names the second listing."""
    seen: dict[str, int] = {}
    for index, user_id in enumerate(user_ids):
        field = f"{field_of}.{index}{suffix}"
        _check_user_id(user_id, field)
        if user_id in seen:
            raise SplitError(
                f"user {user_id} is listed twice ({field_of}.{seen[user_id]} and {index})", field
            )
        seen[user_id] = index


def check_amount(amount: Decimal, currency: str) -> int:
    """The bill's amount in minor units; it may be zero but never negative."""
    try:
        units = to_units(amount, currency)
    except MoneyError as exc:
        raise SplitError(str(exc), "amount") from exc
    if units < 0:
        raise SplitError(f"the amount must not be negative; got {amount}", "amount")
    return units


def checked_units(value: Decimal, currency: str, field: str, signed: bool = False) -> int:
    """A listed amount in minor units: fits the currency, and non-negative unless ``signed``."""
    try:
        units = to_units(value, currency)
    except MoneyError as exc:
        raise SplitError(str(exc), field) from exc
    if units < 0 and not signed:
        raise SplitError(f"must not be negative; got {value}", field)
    return units


def checked_weight(value: Decimal, field: str) -> Decimal:
    """A weight or percentage: a finite, non-negative number."""
    if not value.is_finite():
        raise SplitError(f"must be a finite number; got {value}", field)
    if value < 0:
        raise SplitError(f"must not be negative; got {value}", field)
    return value


def checked_percent(value: Decimal, field: str) -> Decimal:
    checked_weight(value, field)
    exponent = value.normalize(_WIDE).as_tuple().exponent
    if isinstance(exponent, int) and -exponent > PERCENT_DIGITS:
        raise SplitError(
            f"a percentage has at most {PERCENT_DIGITS} decimal places; got {value}", field
        )
    return value


def listed_shares(
    shares: Sequence[tuple[str, Decimal]] | None, method: str
) -> Sequence[tuple[str, Decimal]]:
    """``shares``, checked: present, non-empty, no one listed twice."""
    if shares is None:
        raise SplitError(f"a split by {method} needs shares (user id and value)", "split.shares")
    if not shares:
        raise SplitError("at least one participant is needed", "split.shares")
    check_unique([user_id for user_id, _ in shares], "split.shares", ".user_id")
    return shares
