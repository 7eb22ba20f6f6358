"""Who paid and who owes what for one shared bill, exactly to the currency's minor units.

A bill of ``amount`` in ``currency`` has payers (``paid_by``: who put money in, and how much)
and participants (the split: who owes what). Both sides always add up to exactly ``amount``;
no cent is ever created or lost by rounding.

Split methods:

- ``equal``: the members owe equal parts.
- ``exact``: each participant owes the amount given; the amounts must add up to the bill.
- ``percent``: each participant owes a percentage (at most 4 decimals); they must add up to
  exactly 100.
- ``shares``: each participant owes in proportion to a weight (2 shares owe twice as much as 1).
- ``adjustment``: each participant owes an equal part of what is left after the adjustments,
  plus their own (signed) adjustment.

Whenever an amount has to be divided, :func:`allocate` uses the largest-remainder method in
integer minor units: every participant first gets the whole minor units of their exact
proportional part (rounded down); the units left over then go one each to the participants
with the largest fractional remainder, ties broken by ascending user id. So 100.00 split
equally among ``a``, ``b`` and ``c`` is 33.34, 33.33 and 33.33: the extra cent goes to ``a``,
whatever the order in which the members were listed.

Inputs that do not add up raise :class:`SplitError`, which names the offending field and says
by how much the numbers are off. The functions here are pure: no I/O, no clock, no storage.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Context, Decimal
from fractions import Fraction
from typing import Literal, get_args

from bus.money import MoneyError, check_precision, minor_units

_WIDE = Context(prec=60)  # normalising never rounds an input here

SplitMethod = Literal["equal", "exact", "percent", "shares", "adjustment"]
SPLIT_METHODS: tuple[SplitMethod, ...] = get_args(SplitMethod)

PERCENT_DIGITS = 4
"""Decimal places a percentage may have (33.3333)."""

_HUNDRED = Decimal(100)


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


@dataclass(frozen=True, slots=True)
class Part:
    """One person's side of a bill: what they paid in and what their share of it is."""

    user_id: str
    paid: Decimal
    owed: Decimal

    @property
    def net(self) -> Decimal:
        """Positive: the others owe this person money for the bill; negative: they owe."""
        return self.paid - self.owed


# --- minor units -------------------------------------------------------------------------------


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


def _format_plain(value: Decimal) -> str:
    """A decimal without trailing zeros and never in exponent form (``99.5``, ``100``)."""
    text = format(value.normalize(_WIDE), "f")
    return "0" if text in ("-0", "0") else text


def _gap(what: str, total: str, difference: str, short: bool, target: str) -> str:
    """``"<what> add up to 95.00, 5.00 short of <target>"`` (or ``over``)."""
    return f"{what} add up to {total}, {difference} {'short of' if short else 'over'} {target}"


def _must_total(what: str, total: int, units: int, currency: str, field: str) -> None:
    """SplitError saying by how much ``total`` misses the bill's ``units`` (minor units)."""
    if total != units:
        raise SplitError(
            _gap(
                what,
                format_units(total, currency),
                format_units(abs(units - total), currency),
                total < units,
                f"the amount {format_units(units, currency)}",
            ),
            field,
        )


# --- allocation --------------------------------------------------------------------------------


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


# --- input checks ------------------------------------------------------------------------------


def _check_user_id(user_id: object, field: str) -> str:
    if not isinstance(user_id, str) or not user_id:
        raise SplitError("a user id must be a non-empty string", field)
    return user_id


def _check_unique(user_ids: Sequence[str], field_of: str, suffix: str = "") -> None:
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


def _check_amount(amount: Decimal, currency: str) -> int:
    """The bill's amount in minor units; it may be zero but never negative."""
    try:
        units = to_units(amount, currency)
    except MoneyError as exc:
        raise SplitError(str(exc), "amount") from exc
    if units < 0:
        raise SplitError(f"the amount must not be negative; got {amount}", "amount")
    return units


def _value_units(value: Decimal, currency: str, field: str, signed: bool = False) -> int:
    """A listed amount in minor units: fits the currency, and non-negative unless ``signed``."""
    try:
        units = to_units(value, currency)
    except MoneyError as exc:
        raise SplitError(str(exc), field) from exc
    if units < 0 and not signed:
        raise SplitError(f"must not be negative; got {value}", field)
    return units


def _weight(value: Decimal, field: str) -> Decimal:
    """A weight or percentage: a finite, non-negative number."""
    if not value.is_finite():
        raise SplitError(f"must be a finite number; got {value}", field)
    if value < 0:
        raise SplitError(f"must not be negative; got {value}", field)
    return value


def _percent(value: Decimal, field: str) -> Decimal:
    _weight(value, field)
    exponent = value.normalize(_WIDE).as_tuple().exponent
    if isinstance(exponent, int) and -exponent > PERCENT_DIGITS:
        raise SplitError(
            f"a percentage has at most {PERCENT_DIGITS} decimal places; got {value}", field
        )
    return value


def _listed(
    shares: Sequence[tuple[str, Decimal]] | None, method: str
) -> Sequence[tuple[str, Decimal]]:
    """``shares``, checked: present, non-empty, no one listed twice."""
    if shares is None:
        raise SplitError(f"a split by {method} needs shares (user id and value)", "split.shares")
    if not shares:
        raise SplitError("at least one participant is needed", "split.shares")
    _check_unique([user_id for user_id, _ in shares], "split.shares", ".user_id")
    return shares


# --- the split methods -------------------------------------------------------------------------


def _equal(amount: Decimal, currency: str, members: Sequence[str] | None) -> dict[str, Decimal]:
    if members is None:
        raise SplitError("an equal split needs the members", "split.members")
    if not members:
        raise SplitError("at least one member is needed", "split.members")
    _check_unique(members, "split.members")
    return allocate(amount, dict.fromkeys(members, Decimal(1)), currency)


def _exact(units: int, currency: str, shares: Sequence[tuple[str, Decimal]]) -> dict[str, Decimal]:
    values = {
        user_id: _value_units(value, currency, f"split.shares.{index}.value")
        for index, (user_id, value) in enumerate(shares)
    }
    _must_total("exact shares", sum(values.values()), units, currency, "split.shares")
    return {user_id: from_units(values[user_id], currency) for user_id in sorted(values)}


def _by_percent(
    amount: Decimal, currency: str, shares: Sequence[tuple[str, Decimal]]
) -> dict[str, Decimal]:
    percents = {
        user_id: _percent(value, f"split.shares.{index}.value")
        for index, (user_id, value) in enumerate(shares)
    }
    total = sum(percents.values(), Decimal(0))
    if total != _HUNDRED:
        raise SplitError(
            _gap(
                "percentages",
                _format_plain(total),
                _format_plain(abs(_HUNDRED - total)),
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
        user_id: _weight(value, f"split.shares.{index}.value")
        for index, (user_id, value) in enumerate(shares)
    }
    if not any(weight > 0 for weight in weights.values()):
        raise SplitError("shares add up to 0; at least one must be greater than 0", "split.shares")
    return allocate(amount, weights, currency)


def _by_adjustment(
    units: int, currency: str, shares: Sequence[tuple[str, Decimal]]
) -> dict[str, Decimal]:
    adjustments = {
        user_id: _value_units(value, currency, f"split.shares.{index}.value", signed=True)
        for index, (user_id, value) in enumerate(shares)
    }
    adjusted = sum(adjustments.values())
    if adjusted > units:
        raise SplitError(
            _gap(
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
    units = _check_amount(amount, currency)
    if method == "equal":
        return _equal(amount, currency, members)
    if method not in SPLIT_METHODS:
        raise SplitError(
            f"unknown split method {method!r} (one of {', '.join(SPLIT_METHODS)})",
            "split.method",
        )
    listed = _listed(shares, method)
    if method == "exact":
        return _exact(units, currency, listed)
    if method == "percent":
        return _by_percent(amount, currency, listed)
    if method == "shares":
        return _by_shares(amount, currency, listed)
    return _by_adjustment(units, currency, listed)


def paid_shares(
    amount: Decimal, currency: str, paid_by: Sequence[tuple[str, Decimal]]
) -> dict[str, Decimal]:
    """What each payer put in: each amount positive and in minor units, no payer listed twice,
    adding up to exactly ``amount``. Ascending user id order."""
    units = _check_amount(amount, currency)
    if not paid_by:
        raise SplitError("at least one payer is needed", "paid_by")
    _check_unique([user_id for user_id, _ in paid_by], "paid_by", ".user_id")
    paid: dict[str, int] = {}
    for index, (user_id, value) in enumerate(paid_by):
        field = f"paid_by.{index}.amount"
        paid[user_id] = _value_units(value, currency, field)
        if paid[user_id] == 0:
            raise SplitError(f"a payer's amount must be greater than 0; got {value}", field)
    _must_total("payers", sum(paid.values()), units, currency, "paid_by")
    return {user_id: from_units(paid[user_id], currency) for user_id in sorted(paid)}


def parts(
    amount: Decimal,
    currency: str,
    paid_by: Sequence[tuple[str, Decimal]],
    method: SplitMethod,
    members: Sequence[str] | None,
    shares: Sequence[tuple[str, Decimal]] | None,
) -> list[Part]:
    """Everyone involved in a bill, payers and participants, in ascending user id order.

    Someone who paid but does not participate owes 0; a participant who did not pay paid 0.
    The paid amounts and the owed amounts each add up to exactly ``amount``.
    """
    paid = paid_shares(amount, currency, paid_by)
    owed = owed_shares(amount, currency, method, members, shares)
    zero = from_units(0, currency)
    return [
        Part(user_id, paid.get(user_id, zero), owed.get(user_id, zero))
        for user_id in sorted(paid.keys() | owed.keys())
    ]


def rescale(parts: Sequence[Part], total: Decimal, currency: str) -> list[Part]:
    """The same bill in another currency, whose converted total is ``total`` (already rounded
    to ``currency``): paid shares are ``total`` allocated by the original paid amounts, owed
    shares by the original owed amounts, so both sides still add up to exactly ``total``.

    Raises ValueError if a side is all zero (never so for a valid bill) or a user is listed
    twice.
    """
    user_ids = [part.user_id for part in parts]
    if len(set(user_ids)) != len(user_ids):
        raise ValueError("a user appears twice among the parts")
    paid = allocate(total, {part.user_id: part.paid for part in parts}, currency)
    owed = allocate(total, {part.user_id: part.owed for part in parts}, currency)
    return [Part(user_id, paid[user_id], owed[user_id]) for user_id in sorted(user_ids)]


def settlement_parts(payer: str, payee: str, amount: Decimal) -> list[Part]:
    """A payment of ``amount`` from ``payer`` to ``payee`` as parts: the payer paid it (their
    net rises), the payee owes it (their net falls). Ascending user id order."""
    if payer == payee:
        raise ValueError("a settlement needs two different people")
    if not amount.is_finite() or amount <= 0:
        raise ValueError(f"a settlement amount must be greater than 0; got {amount}")
    zero = amount - amount
    return sorted(
        [Part(payer, amount, zero), Part(payee, zero, amount)], key=lambda part: part.user_id
    )
