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

The pieces: amounts in minor units and :func:`allocate` in :mod:`actors.splits.units`, the
checks in :mod:`actors.splits.split_inputs`, the split methods in
:mod:`actors.splits.split_methods`; this module puts both sides of a bill together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from actors.splits.split_inputs import (
    SplitError,
    check_amount,
    check_unique,
    checked_units,
    must_total,
)
from actors.splits.split_methods import SplitMethod, owed_shares
from actors.splits.units import allocate, from_units


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


def paid_shares(
    amount: Decimal, currency: str, paid_by: Sequence[tuple[str, Decimal]]
) -> dict[str, Decimal]:
    """What each payer put in: each amount positive and in minor units, no payer listed twice,
    adding up to exactly ``amount``. Ascending user id order."""
    units = check_amount(amount, currency)
    if not paid_by:
        raise SplitError("at least one payer is needed", "paid_by")
    check_unique([user_id for user_id, _ in paid_by], "paid_by", ".user_id")
    paid: dict[str, int] = {}
    for index, (user_id, value) in enumerate(paid_by):
        field = f"paid_by.{index}.amount"
        paid[user_id] = checked_units(value, currency, field)
        if paid[user_id] == 0:
            raise SplitError(f"a payer's amount must be greater than 0; got {value}", field)
    must_total("payers", sum(paid.values()), units, currency, "paid_by")
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
