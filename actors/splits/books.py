"""A group's running balances, changed in the same transaction as the entry that moves them."""

from __future__ import annotations

from collections.abc import Sequence

from actors.changes import change_data
from actors.splits.balances import Tally, Transfer
from actors.splits.bills import parts_of
from actors.work import Work
from bus.entities import GroupEntry
from storage.groups import GroupBalanceDoc, GroupBalanceSnapshotDoc, GroupEntryDoc
from storage.views import entry_entity

SNAPSHOT_EVERY = 200
"""Versions between snapshots of a group's balances: past balances fold at most this many
events after the latest snapshot before the moment asked."""


def counts(entry: GroupEntryDoc | None) -> bool:
    return entry is not None and not entry.deleted


def debt_data(transfers: Sequence[Transfer]) -> list[dict[str, str]]:
    return [
        {"from": t.from_user, "to": t.to_user, "amount": str(t.amount), "currency": t.currency}
        for t in transfers
    ]


def empty_balances(group_id: str, work: Work) -> GroupBalanceDoc:
    return GroupBalanceDoc(id=group_id, tally=Tally().to_data(), version=0, updated_at=work.now)


async def tally_of(work: Work, group_id: str) -> tuple[GroupBalanceDoc, Tally]:
    """The group's balance document as this batch sees it, and its tally (parsed once per
    version within a batch: later commands of the batch reuse it)."""
    doc = await work.get(GroupBalanceDoc, group_id)
    if doc is None:  # created with the group; absent only for a group made before balances
        doc = empty_balances(group_id, work)
    parsed = work.memo.get(_memo_key(doc))
    return doc, parsed.copy() if parsed is not None else Tally.from_data(doc.tally)


def _memo_key(doc: GroupBalanceDoc) -> tuple[str, str, int, str | None]:
    return ("tally", doc.id, doc.version, doc.changed_by)


async def move_balances(
    work: Work,
    group_id: str,
    removed: GroupEntryDoc | None = None,
    added: GroupEntryDoc | None = None,
) -> tuple[int, GroupBalanceSnapshotDoc | None]:
    """Take ``removed``'s effect out of the group's balances and put ``added``'s in (an edit is
    both); stage the new balances with their plan, and every ``SNAPSHOT_EVERY`` versions a
    snapshot of them. Returns the balances' new version and the snapshot, if one was taken."""
    doc, tally = await tally_of(work, group_id)
    if removed is not None and counts(removed):
        tally.add(removed.balance_currency, parts_of(removed.balance_shares), sign=-1)
    if added is not None and counts(added):
        tally.add(added.balance_currency, parts_of(added.balance_shares))
    moved = doc.model_copy(
        update={
            "tally": tally.to_data(),
            "plan": debt_data(tally.plan()),
            "entries": doc.entries + counts(added) - counts(removed),
            "version": doc.version + 1,
            "changed_by": work.command_id,
            "updated_at": work.now,
        }
    )
    work.put(moved)
    work.memo[_memo_key(moved)] = tally.copy()
    snapshot = None
    if moved.version % SNAPSHOT_EVERY == 0:
        snapshot = GroupBalanceSnapshotDoc(
            id=f"{group_id}:{moved.version}",
            group_id=group_id,
            version=moved.version,
            at=work.now,
            tally=moved.tally,
        )
        work.put(snapshot)
    version: int = moved.version
    return version, snapshot


async def record_entry(
    work: Work,
    group_id: str,
    event_type: str,
    entry: GroupEntryDoc,
    before: GroupEntryDoc | None = None,
) -> GroupEntry:
    """Stage an entry's new state, move the balances, and emit its event in the group's scope
    (with ``balances_version``, the balances' version it made). A snapshot taken here records
    that event's `seq`, so past balances start from it and read only the events after it.
    Returns the entry as clients see it."""
    work.put(entry)
    version, snapshot = await move_balances(work, group_id, removed=before, added=entry)
    entity = entry_entity(entry)
    data = change_data(entity, entry_entity(before) if before is not None else None)
    event = work.emit(entry.scope, event_type, {**data, "balances_version": version})
    if snapshot is not None:
        work.when_numbered(lambda: setattr(snapshot, "seq", event.seq))
    return entity
