"""A group's running balances, changed in the same transaction as the entry that moves them."""

from __future__ import annotations

from collections.abc import Sequence

from actors.splits.balances import Tally, Transfer
from actors.splits.bills import parts_of
from storage.groups import GroupBalanceDoc, GroupEntryDoc
from storage.unit_of_work import CommandWork


def counts(entry: GroupEntryDoc | None) -> bool:
    return entry is not None and not entry.deleted


def debt_data(transfers: Sequence[Transfer]) -> list[dict[str, str]]:
    return [
        {"from": t.from_user, "to": t.to_user, "amount": str(t.amount), "currency": t.currency}
        for t in transfers
    ]


def empty_balances(group_id: str, work: CommandWork) -> GroupBalanceDoc:
    return GroupBalanceDoc(id=group_id, tally=Tally().to_data(), version=0, updated_at=work.now)


async def tally_of(work: CommandWork, group_id: str) -> tuple[GroupBalanceDoc, Tally]:
    """The group's balance document as this batch sees it, and its tally."""
    doc = await work.get(GroupBalanceDoc, group_id)
    if doc is None:  # created with the group; absent only for a group made before balances
        doc = empty_balances(group_id, work)
    return doc, Tally.from_data(doc.tally)


async def move_balances(
    work: CommandWork,
    group_id: str,
    removed: GroupEntryDoc | None = None,
    added: GroupEntryDoc | None = None,
) -> Tally:
    """Take ``removed``'s effect out of the group's balances and put ``added``'s in (an edit is
    both); stage the new balances with their debts and plan. Returns the new tally."""
    doc, tally = await tally_of(work, group_id)
    if removed is not None and counts(removed):
        tally.add(removed.balance_currency, parts_of(removed.balance_shares), sign=-1)
    if added is not None and counts(added):
        tally.add(added.balance_currency, parts_of(added.balance_shares))
    work.put(
        doc.model_copy(
            update={
                "tally": tally.to_data(),
                "debts": debt_data(tally.debts()),
                "plan": debt_data(tally.plan()),
                "entries": doc.entries + counts(added) - counts(removed),
                "version": doc.version + 1,
                "updated_at": work.now,
            }
        )
    )
    return tally
