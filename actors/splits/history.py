"""Balances at any past moment, folded from a group's event log (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from actors.splits.balances import Tally
from actors.splits.bills import parts_of

Change = tuple[Mapping[str, Any] | None, Mapping[str, Any] | None]
"""An entry event's (state before, state after), as its data carries them."""


def _counts(state: Mapping[str, Any] | None) -> bool:
    return state is not None and not state.get("deleted", False) and "balance_shares" in state


def replay(changes: Iterable[Change], start: Tally | None = None) -> Tally:
    """The tally after applying, in order, every entry change to ``start`` (a snapshot; empty if
    none): each takes its state before out (when it counted) and puts its state after in
    (unless it is a tombstone)."""
    tally = start.copy() if start is not None else Tally()
    for before, after in changes:
        if before is not None and _counts(before):
            tally.add(before["balance_currency"], parts_of(before["balance_shares"]), sign=-1)
        if after is not None and _counts(after):
            tally.add(after["balance_currency"], parts_of(after["balance_shares"]))
    return tally
