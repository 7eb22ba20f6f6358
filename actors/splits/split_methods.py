"""What each participant owes of a shared bill, by each split method (equal, exact, percent,
shares, adjustment); the amounts always add up to exactly the bill.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Literal, get_args

from actors.splits.split_inputs import (
    SplitError,
    check_amount,
    check_unique,
    checked_percent,
    checked_units,
    checked_weight,
    format_plain,
    gap,
    listed_shares,
    must_total,
)
from actors.splits.units import allocate, format_units, from_units, to_units

SplitMethod = Literal["equal", "exact", "percent", "shares", "adjustment"]
SPLIT_METHODS: tuple[SplitMethod, ...] = get_args(SplitMethod)

_HUNDRED = Decimal(100)


def _equal(amount: Decimal, currency: str, members: Sequence[str] | None) -> dict[str, Decimal]:
    if members is None:
        raise SplitError("an equal split needs the members", "split.members")
    if not members:
        raise SplitError("at least one member is needed", "split.members")
    check_unique(members, "split.members")
    return allocate(amount, dict.fromkeys(members, Decimal(1)), currency)


def _exact(units: int, currency: str, shares: Sequence[tuple[str, Decimal]]) -> dict[str, Decimal]:
    values = {
        user_id: checked_units(value, currency, f"split.shares.{index}.value")
        for index, (user_id, value) in enumerate(shares)
    }
    must_total("exact shares", sum(values.values()), units, currency, "split.shares")
    return {user_id: from_units(values[user_id], currency) for user_id in sorted(values)}


def _by_percent(
    amount: Decimal, currency: str, shares: Sequence[tuple[str, Decimal]]
) -> dict[str, Decimal]:
    percents = {
        user_id: checked_percent(value, f"split.shares.{index}.value")
        for index, (user_id, value) in enumerate(shares)
    }
    total = sum(percents.values(), Decimal(0))
    if total != _HUNDRED:
        raise SplitError(
            gap(
                "percentages",
                format_plain(total),
                format_plain(abs(_HUNDRED - total)),
                total < _HUNDRED,
                "100",
            ),
            "split.shares",
        )
    return allocate(amount, percents, currency)


def _by_shares(
    amount: Decimal, currency: str, shares: Sequence[tuple[str, Decimal]]
) -> dict[str, Decimal]:
    weights = {
        user_id: checked_weight(value, f"split.shares.{index}.value")
        for index, (user_id, value) in enumerate(shares)
    }
    if not any(weight > 0 for weight in weights.values()):
        raise SplitError("shares add up to 0; at least one must be greater than 0", "split.shares")
    return allocate(amount, weights, currency)


def _by_adjustment(
    units: int, currency: str, shares: Sequence[tuple[str, Decimal]]
) -> dict[str, Decimal]:
    adjustments = {
        user_id: checked_units(value, currency, f"split.shares.{index}.value", signed=True)
        for index, (user_id, value) in enumerate(shares)
    }
    adjusted = sum(adjustments.values())
    if adjusted > units:
        raise SplitError(
            gap(
                "adjustments",
                format_units(adjusted, currency),
                format_units(adjusted - units, currency),
                False,
                f"the amount {format_units(units, currency)}",
            ),
            "split.shares",
        )
    rest = from_units(units - adjusted, currency)
    equal = allocate(rest, dict.fromkeys(adjustments, Decimal(1)), currency)
    owed: dict[str, Decimal] = {}
    for index, (user_id, _) in enumerate(shares):
        part = to_units(equal[user_id], currency)
        if part + adjustments[user_id] < 0:
            raise SplitError(
                f"{user_id} would owe {format_units(part + adjustments[user_id], currency)}: "
                f"the adjustment {format_units(adjustments[user_id], currency)} takes "
                f"{format_units(-(part + adjustments[user_id]), currency)} more than "
                f"their equal part {format_units(part, currency)}",
                f"split.shares.{index}.value",
            )
        owed[user_id] = from_units(part + adjustments[user_id], currency)
    return {user_id: owed[user_id] for user_id in sorted(owed)}


def owed_shares(
    amount: Decimal,
    currency: str,
    method: SplitMethod,
    members: Sequence[str] | None,
    shares: Sequence[tuple[str, Decimal]] | None,
) -> dict[str, Decimal]:
    """What each participant owes of ``amount``, by ``method``.

    ``equal`` takes ``members`` (``shares`` is not used); every other method takes ``shares``,
    pairs of user id and value (``members`` is not used): an amount for ``exact``, a percentage
    for ``percent``, a weight for ``shares``, a signed amount for ``adjustment``. Every listed
    participant is in the result (possibly with 0), in ascending user id order, in the
    currency's minor units, and the values add up to exactly ``amount``.
    """
    units = check_amount(amount, currency)
    if method == "equal":
        return _equal(amount, currency, members)
    if method not in SPLIT_METHODS:
        raise SplitError(
            f"unknown split method {method!r} (one of {', '.join(SPLIT_METHODS)})",
            "split.method",
        )
    listed = listed_shares(shares, method)
    if method == "exact":
        return _exact(units, currency, listed)
    if method == "percent":
        return _by_percent(amount, currency, listed)
    if method == "shares":
        return _by_shares(amount, currency, listed)
    return _by_adjustment(units, currency, listed)
