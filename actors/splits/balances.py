"""Balances of a group: each member's net, who owes whom, and a plan to settle up.

Every bill or settlement is a list of :class:`~actors.splits.shares.Part` whose nets (paid
minus owed) add up to zero. From those:

- a member's **net** per currency is the sum of their nets over all bills and settlements:
  positive means the others owe them money, negative means they owe;
- the **pairwise debts** say who owes whom. Within one bill (:func:`bill_debts`) every debtor's
  debt is spread over the creditors in proportion to what each creditor is still owed, in exact
  minor units, so every creditor receives exactly its net and every debtor pays exactly its
  debt. Pairwise debts of all bills are summed and netted per pair;
- the **plan** (:func:`simplify`) is a list of transfers that settles everyone exactly, with as
  few transfers as possible: for up to ``exact_limit`` members with a non-zero net the minimum
  is found exactly (the members are partitioned into the largest number of groups that each
  add up to zero; a group of k settles in k - 1 transfers), above that a greedy plan (largest
  debtor pays largest creditor) settles everyone in at most n - 1 transfers.

Amounts are exact decimals in the currency's minor units, computed as whole numbers of minor
units; nothing here rounds. The functions are pure: no I/O, no clock, no storage.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from actors.splits.shares import Part
from actors.splits.units import allocate, format_units, from_units, to_units
from bus.money import format_amount, parse_amount

PAIR_SEPARATOR = "|"
"""Joins the two user ids of a pair in :meth:`Tally.to_data` (``"a|b"``)."""


@dataclass(frozen=True, slots=True)
class Transfer:
    """``from_user`` pays ``amount`` of ``currency`` to ``to_user``."""

    from_user: str
    to_user: str
    amount: Decimal
    currency: str


def _net_units(parts: Sequence[Part], currency: str) -> dict[str, int]:
    """Each user's net in minor units; the parts must name each user once and add up to 0."""
    nets: dict[str, int] = {}
    for part in parts:
        if part.user_id in nets:
            raise ValueError(f"user {part.user_id} appears twice among the parts")
        nets[part.user_id] = to_units(part.paid, currency) - to_units(part.owed, currency)
    total = sum(nets.values())
    if total != 0:
        raise ValueError(f"the nets of the parts add up to {format_units(total, currency)}, not 0")
    return nets


def bill_debts(parts: Sequence[Part], currency: str) -> list[tuple[str, str, Decimal]]:
    """Who owes whom within one bill: ``(debtor, creditor, amount)`` entries.

    Debtors (net < 0) are taken in ascending user id order; each one's debt is allocated
    (largest remainder, see :func:`~actors.splits.units.allocate`) over the creditors in
    proportion to what each creditor is still owed, and the last debtor takes exactly what is
    left. Every creditor receives exactly its net, every debtor pays exactly minus its net; no
    entry is zero or negative. Entries are ordered by debtor, then creditor.
    """
    nets = _net_units(parts, currency)
    capacity = {user: net for user, net in sorted(nets.items()) if net > 0}
    debtors = [(user, -net) for user, net in sorted(nets.items()) if net < 0]
    if len(capacity) == 1:  # one creditor (most bills: one payer): each debtor owes it all
        [creditor] = capacity
        return [(debtor, creditor, from_units(debt, currency)) for debtor, debt in debtors]
    debts: list[tuple[str, str, Decimal]] = []
    for index, (debtor, debt) in enumerate(debtors):
        if index == len(debtors) - 1:
            shares = dict(capacity)
        else:
            weights = {user: Decimal(left) for user, left in capacity.items() if left > 0}
            allocated = allocate(from_units(debt, currency), weights, currency)
            shares = {user: to_units(amount, currency) for user, amount in allocated.items()}
        for creditor, units in shares.items():
            if units > 0:
                capacity[creditor] -= units
                debts.append((debtor, creditor, from_units(units, currency)))
    return debts


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def _add_into(table: dict[Any, Decimal], key: Any, amount: Decimal) -> None:
    """``table[key] += amount``, deleting the entry when it becomes exactly zero."""
    total = table.get(key, Decimal(0)) + amount
    if total == 0:
        table.pop(key, None)
    else:
        table[key] = total


@dataclass(slots=True)
class Tally:
    """Running balances of one group: per currency, each member's net and the pairwise debts.

    ``nets[currency][user]`` is the member's net (positive: is owed money);
    ``pairs[currency][(a, b)]`` with ``a < b`` is what ``a`` owes ``b`` (negative: ``b`` owes
    ``a``). Zero entries and empty currencies are never kept, so two tallies of the same bills
    compare equal whatever order the bills were added or removed in.
    """

    nets: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    pairs: dict[str, dict[tuple[str, str], Decimal]] = field(default_factory=dict)

    def add(self, currency: str, parts: Sequence[Part], sign: int = 1) -> None:
        """Add (``sign=1``) or remove (``sign=-1``) one bill or settlement."""
        if sign not in (1, -1):
            raise ValueError(f"sign must be 1 or -1; got {sign}")
        debts = bill_debts(parts, currency)  # checks the parts before anything changes
        nets = self.nets.setdefault(currency, {})
        for part in parts:
            _add_into(nets, part.user_id, sign * part.net)
        pairs = self.pairs.setdefault(currency, {})
        for debtor, creditor, amount in debts:
            key = _pair(debtor, creditor)
            _add_into(pairs, key, sign * amount if key[0] == debtor else -sign * amount)
        for table in (self.nets, self.pairs):
            if not table[currency]:
                del table[currency]

    def copy(self) -> Tally:
        """An independent copy (amounts are immutable, so the tables are copied one level)."""
        return Tally(
            {c: dict(n) for c, n in self.nets.items()}, {c: dict(p) for c, p in self.pairs.items()}
        )

    def debts(self) -> list[Transfer]:
        """The netted pairwise debts, one per pair that owes something, from the debtor to the
        creditor; ordered by currency, debtor, creditor."""
        transfers = [
            Transfer(a, b, amount, currency) if amount > 0 else Transfer(b, a, -amount, currency)
            for currency, pairs in self.pairs.items()
            for (a, b), amount in pairs.items()
        ]
        return sorted(transfers, key=lambda t: (t.currency, t.from_user, t.to_user))

    def plan(self, exact_limit: int = 10) -> list[Transfer]:
        """A plan that settles everyone in every currency (:func:`simplify` per currency),
        ordered by currency."""
        return [
            transfer
            for currency in sorted(self.nets)
            for transfer in simplify(self.nets[currency], currency, exact_limit)
        ]

    def member_nets(self) -> list[tuple[str, str, Decimal]]:
        """``(user_id, currency, net)`` of every non-zero net, ordered by user, then currency."""
        return sorted(
            (user, currency, net)
            for currency, nets in self.nets.items()
            for user, net in nets.items()
        )

    def to_data(self) -> dict[str, Any]:
        """A JSON-able form: amounts as decimal strings, pairs keyed ``"a|b"``."""
        for pairs in self.pairs.values():
            for a, b in pairs:
                if PAIR_SEPARATOR in a or PAIR_SEPARATOR in b:
                    raise ValueError(f"a user id contains {PAIR_SEPARATOR!r}: {a!r}, {b!r}")
        return {
            "nets": {
                currency: {user: format_amount(net) for user, net in sorted(nets.items())}
                for currency, nets in sorted(self.nets.items())
            },
            "pairs": {
                currency: {
                    f"{a}{PAIR_SEPARATOR}{b}": format_amount(amount)
                    for (a, b), amount in sorted(pairs.items())
                }
                for currency, pairs in sorted(self.pairs.items())
            },
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Tally:
        """The tally :meth:`to_data` wrote (zero entries are dropped)."""
        tally = cls()
        for currency, nets in _mapping(data.get("nets", {}), "nets").items():
            for user, net in _mapping(nets, f"nets.{currency}").items():
                _add_into(tally.nets.setdefault(currency, {}), user, _amount(net))
        for currency, pairs in _mapping(data.get("pairs", {}), "pairs").items():
            for key, amount in _mapping(pairs, f"pairs.{currency}").items():
                a, sep, b = str(key).partition(PAIR_SEPARATOR)
                if not sep or not a or not b or not a < b:
                    raise ValueError(f"not a pair key 'a{PAIR_SEPARATOR}b' with a < b: {key!r}")
                _add_into(tally.pairs.setdefault(currency, {}), (a, b), _amount(amount))
        for table in (tally.nets, tally.pairs):
            for currency in [c for c, entries in table.items() if not entries]:
                del table[currency]
        return tally


def _amount(value: object) -> Decimal:
    """A stored amount: the decimal string :meth:`Tally.to_data` wrote (no float, no NaN)."""
    if not isinstance(value, str):
        return parse_amount(value)  # refuses what is not a decimal string, with the reason
    amount = Decimal(value)
    if not amount.is_finite():
        raise ValueError(f"not a finite amount: {value!r}")
    return amount


def _mapping(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{where} must be a mapping")
    return value


# --- simplify ----------------------------------------------------------------------------------


def _greedy(nets: Mapping[str, int]) -> list[tuple[str, str, int]]:
    """Largest debtor pays largest creditor (ties by user id) until everyone is settled; each
    transfer settles at least one of the two, so k members take at most k - 1 transfers."""
    left = {user: net for user, net in nets.items() if net != 0}
    transfers: list[tuple[str, str, int]] = []
    while left:
        debtor = min(left, key=lambda user: (left[user], user))
        creditor = min(left, key=lambda user: (-left[user], user))
        amount = min(-left[debtor], left[creditor])
        transfers.append((debtor, creditor, amount))
        for user, change in ((debtor, amount), (creditor, -amount)):
            left[user] += change
            if left[user] == 0:
                del left[user]
    return transfers


def _zero_sum_groups(users: Sequence[str], nets: Mapping[str, int]) -> list[list[str]]:
    """The largest number of disjoint groups, each adding up to zero, that partition ``users``
    (whose nets add up to zero). Bitmask dynamic programming over subsets: ``best[mask]`` is the
    most complete zero-sum groups among the members in ``mask``, built by removing one member
    at a time; O(2^n * n)."""
    count = len(users)
    full = (1 << count) - 1
    sums = [0] * (full + 1)
    for mask in range(1, full + 1):
        low = mask & -mask
        sums[mask] = sums[mask ^ low] + nets[users[low.bit_length() - 1]]
    best = [0] * (full + 1)
    for mask in range(1, full + 1):
        most = max(best[mask ^ (1 << i)] for i in range(count) if mask >> i & 1)
        best[mask] = most + (1 if sums[mask] == 0 else 0)
    # Walk back from the full set: the zero-sum masks on the way are nested, and the
    # differences between consecutive ones are the groups.
    groups: list[list[str]] = []
    mask, closed = full, full
    while mask:
        gain = 1 if sums[mask] == 0 else 0
        if gain and mask != closed:
            groups.append([users[i] for i in range(count) if (closed ^ mask) >> i & 1])
            closed = mask
        step = next(
            i for i in range(count) if mask >> i & 1 and best[mask ^ (1 << i)] == best[mask] - gain
        )
        mask ^= 1 << step
    groups.append([users[i] for i in range(count) if closed >> i & 1])
    return groups


def simplify(nets: Mapping[str, Decimal], currency: str, exact_limit: int = 10) -> list[Transfer]:
    """Transfers that leave every net at exactly zero: a debtor (net < 0) pays a creditor.

    The nets must fit ``currency``'s minor units and add up to exactly zero (ValueError
    otherwise); members with net zero are left out. With at most ``exact_limit`` non-zero
    members the plan has the fewest transfers possible (members minus the largest number of
    zero-sum groups); above it, the greedy plan has at most n - 1. Every amount is positive;
    transfers are ordered by payer, then payee.
    """
    units = {user: to_units(net, currency) for user, net in nets.items()}
    total = sum(units.values())
    if total != 0:
        raise ValueError(f"nets add up to {format_units(total, currency)}, not 0")
    users = sorted(user for user, net in units.items() if net != 0)
    groups = _zero_sum_groups(users, units) if 0 < len(users) <= exact_limit else [users]
    transfers = _flatten(_greedy({user: units[user] for user in group}) for group in groups)
    return sorted(
        (
            Transfer(debtor, creditor, from_units(amount, currency), currency)
            for debtor, creditor, amount in transfers
        ),
        key=lambda t: (t.from_user, t.to_user),
    )


def _flatten(lists: Iterable[list[tuple[str, str, int]]]) -> list[tuple[str, str, int]]:
    return [item for items in lists for item in items]
