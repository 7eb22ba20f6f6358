"""Amounts of a shared bill as whole minor units, and an amount divided exactly by weights.

:func:`allocate` uses the largest-remainder method in integer minor units, so the parts always
add up to exactly the total: no cent is created or lost by rounding.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction

from bus.money import MoneyError, check_precision, minor_units


def to_units(amount: Decimal, currency: str) -> int:
    """``amount`` as a whole number of ``currency``'s minor units (12.34 USD -> 1234).

    Raises MoneyError if the amount is not finite or has more decimals than the currency.
    """
    if not amount.is_finite():
        raise MoneyError(f"amount must be finite; got {amount}")
    exact = check_precision(amount, currency)
    return int(exact.scaleb(minor_units(currency)))


def from_units(units: int, currency: str) -> Decimal:
    """``units`` minor units of ``currency`` as an amount with exactly its decimals."""
    digits = minor_units(currency)
    return Decimal(units).scaleb(-digits).quantize(Decimal(1).scaleb(-digits))


def format_units(units: int, currency: str) -> str:
    """A plain decimal string with the currency's decimals (``95.00``, ``1000``, ``3.334``)."""
    return format(from_units(units, currency), "f")


def allocate(total: Decimal, weights: Mapping[str, Decimal], currency: str) -> dict[str, Decimal]:
    """Split ``total`` among the keys of ``weights`` in proportion to the weights, exactly.

    ``total`` must be non-negative and fit ``currency``'s minor units; the weights must be
    non-negative with a positive sum. Largest-remainder method in integer minor units: each key
    gets ``floor(units * w / W)``, then the leftover units go one each to the keys with the
    largest fractional remainder, ties by ascending key. The results add up to exactly
    ``total``; keys of weight 0 get 0. The result lists the keys in ascending order.
    """
    units = to_units(total, currency)
    if units < 0:
        raise ValueError(f"cannot allocate a negative total ({total})")
    exact: dict[str, Fraction] = {}
    for key, weight in weights.items():
        if not weight.is_finite() or weight < 0:
            raise ValueError(f"weight of {key!r} must be a non-negative number; got {weight}")
        exact[key] = Fraction(weight)
    whole = sum(exact.values(), Fraction(0))
    if whole <= 0:
        raise ValueError("cannot allocate by weights that add up to zero")
    floors: dict[str, int] = {}
    remainders: dict[str, Fraction] = {}
    for key, ratio in exact.items():
        share = units * ratio / whole
        floors[key] = share.numerator // share.denominator
        remainders[key] = share - floors[key]
    leftover = units - sum(floors.values())
    for key in sorted(exact, key=lambda k: (-remainders[k], k))[:leftover]:
        floors[key] += 1
    return {key: from_units(floors[key], currency) for key in sorted(floors)}
