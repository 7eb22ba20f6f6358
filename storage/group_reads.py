"""Read queries of shared groups, always for a caller who is a member (else nothing is found).

Membership is read from the group itself on every request, so a removed member loses access
at once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from beanie import SortDirection

from bus.entities import Debt, GroupBalances, GroupEntry, MemberNet
from bus.ids import group_scope
from storage.documents import EventRecord
from storage.groups import GroupBalanceDoc, GroupBalanceSnapshotDoc, GroupDoc, GroupEntryDoc
from storage.keyset import keyset_page
from storage.queries import decode_cursor, encode_cursor
from storage.views import entry_entity

ENTRY_EVENTS = (
    "group_expense.created",
    "group_expense.updated",
    "group_expense.deleted",
    "group_expense.converted",
    "settlement.created",
    "settlement.deleted",
    "settlement.converted",
    "write_off.created",
)
"""Event types that change a group's balances."""

STATS_MAX_ENTRIES = 50_000
ASC, DESC = SortDirection.ASCENDING, SortDirection.DESCENDING


async def group_for(user_id: str, group_id: str) -> GroupDoc | None:
    """The group if ``user_id`` is a member of it now."""
    doc = await GroupDoc.get(group_id)
    return doc if doc is not None and user_id in doc.member_ids else None


async def groups_of(user_id: str, include_archived: bool) -> list[GroupDoc]:
    query: dict[str, Any] = {"member_ids": user_id}
    if not include_archived:
        query["archived"] = False
    return await GroupDoc.find(query).sort("created_at").to_list()


async def group_ids_of(user_id: str) -> list[str]:
    """Every group ``user_id`` belongs to (what their sockets follow)."""
    cursor = GroupDoc.get_pymongo_collection().find({"member_ids": user_id}, {"_id": 1})
    return [row["_id"] async for row in cursor]


def balances_entity(group: GroupDoc, doc: GroupBalanceDoc | None) -> GroupBalances:
    """The stored running balances, as the API shows them. With ``simplify_debts`` off, the
    plan is the pairwise debts themselves (everyone pays whom the bills say)."""
    nets: Mapping[str, Mapping[str, str]] = doc.tally.get("nets", {}) if doc else {}
    members = [
        MemberNet(user_id=user, currency=currency, net=Decimal(net))
        for currency, by_user in sorted(nets.items())
        for user, net in sorted(by_user.items())
    ]
    simplify = bool(group.settings.get("simplify_debts", True))
    debts = _debts(doc.tally.get("pairs", {}) if doc else {})
    return GroupBalances(
        group_id=group.id,
        currency=group.currency,
        members=members,
        debts=debts,
        plan=[Debt.model_validate(d) for d in (doc.plan if doc else [])] if simplify else debts,
        simplify_debts=simplify,
        version=doc.version if doc else 0,
        updated_at=doc.updated_at if doc else None,
    )


def _debts(pairs: Mapping[str, Mapping[str, str]]) -> list[Debt]:
    """The stored netted pairs (``"a|b": amount``, what a owes b; negative: b owes a) as debts
    from the debtor to the creditor, ordered by currency, debtor, creditor."""
    debts = []
    for currency, by_pair in pairs.items():
        for key, text in by_pair.items():
            a, _, b = key.partition("|")
            amount = Decimal(text)
            debtor, creditor = (a, b) if amount > 0 else (b, a)
            debts.append(
                Debt(from_user=debtor, to_user=creditor, amount=abs(amount), currency=currency)
            )
    return sorted(debts, key=lambda d: (d.currency, d.from_user, d.to_user))


async def balances_of(group: GroupDoc) -> GroupBalances:
    return balances_entity(group, await GroupBalanceDoc.get(group.id))


async def list_entries(
    group_id: str, kind: str, limit: int, cursor: str | None
) -> tuple[list[GroupEntry], str | None]:
    """A group's expenses or settlements, newest first (by date, then id)."""
    query: dict[str, Any] = {"group_id": group_id, "kind": kind, "deleted": False}
    after = None
    if cursor:  # an empty cursor is the first page, as on every list
        day, ident = decode_cursor(cursor)
        after = (day, ident)
    docs = await keyset_page(GroupEntryDoc, query, "date", after, limit + 1)
    more = len(docs) > limit
    docs = docs[:limit]
    next_cursor = encode_cursor([docs[-1].date, docs[-1].id]) if more and docs else None
    return [entry_entity(d) for d in docs], next_cursor


async def get_entry(group_id: str, entry_id: str, kind: str) -> GroupEntry | None:
    doc = await GroupEntryDoc.get(entry_id)
    if doc is None or doc.group_id != group_id or doc.kind != kind or doc.deleted:
        return None
    return entry_entity(doc)


async def explain(
    group_id: str, user_id: str, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """The entries that make up one member's balance, oldest first: each with that member's
    paid and owed share and its effect (paid - owed) in the balance currency."""
    query: dict[str, Any] = {"group_id": group_id, "involved": user_id, "deleted": False}
    if cursor:
        day, ident = decode_cursor(cursor)
        query["$or"] = [{"date": {"$gt": day}}, {"date": day, "_id": {"$gt": ident}}]
    # Page on (date, id) read alone, then fetch just the page: SecantusDB plans this query
    # as a collection scan (it does not use the multikey index), and sorting whole entries
    # there took seconds on a group of 10,000 (MongoDB reads the keys from the index).
    keys = [
        (row["date"], row["_id"])
        async for row in GroupEntryDoc.get_pymongo_collection().find(query, {"date": 1})
    ]
    page = sorted(keys)[: limit + 1]
    by_id = {
        raw["_id"]: GroupEntryDoc.model_validate(raw)
        async for raw in GroupEntryDoc.get_pymongo_collection().find(
            {"_id": {"$in": [ident for _, ident in page]}}
        )
    }
    docs = [by_id[ident] for _, ident in page if ident in by_id]
    more = len(docs) > limit
    docs = docs[:limit]
    items = []
    for doc in docs:
        share = next(s for s in doc.balance_shares if s["user_id"] == user_id)
        paid, owed = Decimal(share["paid_share"]), Decimal(share["owed_share"])
        items.append(
            {
                "id": doc.id,
                "kind": doc.kind,
                "date": doc.date,
                "description": doc.description or doc.note or doc.reason or "",
                "amount": str(doc.amount) if doc.amount is not None else None,
                "currency": doc.currency,
                "balance_currency": doc.balance_currency,
                "paid_share": str(paid),
                "owed_share": str(owed),
                "effect": str(paid - owed),
            }
        )
    next_cursor = encode_cursor([docs[-1].date, docs[-1].id]) if more and docs else None
    return items, next_cursor


async def stats(group_id: str, date_from: str | None, date_to: str | None) -> dict[str, Any]:
    """Spending of a group's expenses (not settlements) per member, category and month, in each
    balance currency: what each member paid and what their share was."""
    query: dict[str, Any] = {"group_id": group_id, "kind": "expense", "deleted": False}
    if date_from or date_to:
        query["date"] = {
            **({"$gte": date_from} if date_from else {}),
            **({"$lte": date_to} if date_to else {}),
        }
    projection = {"date": 1, "category": 1, "balance_currency": 1, "balance_shares": 1}
    rows = GroupEntryDoc.get_pymongo_collection().find(query, projection)
    members: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 2)
    categories: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    months: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    count = 0
    async for row in rows:
        count += 1
        if count > STATS_MAX_ENTRIES:
            raise TooManyEntries(STATS_MAX_ENTRIES)
        currency = row["balance_currency"]
        total = Decimal(0)
        for share in row["balance_shares"]:
            paid, owed = Decimal(share["paid_share"]), Decimal(share["owed_share"])
            members[(share["user_id"], currency)][0] += paid
            members[(share["user_id"], currency)][1] += owed
            total += owed
        categories[(row.get("category") or "", currency)] += total
        months[(row["date"][:7], currency)] += total
        totals[currency] += total
    return {
        "expenses": min(count, STATS_MAX_ENTRIES),
        "totals": [{"currency": c, "amount": str(a)} for c, a in sorted(totals.items())],
        "members": [
            {"user_id": u, "currency": c, "paid": str(v[0]), "share": str(v[1])}
            for (u, c), v in sorted(members.items())
        ],
        "categories": [
            {"category": k or None, "currency": c, "amount": str(a)}
            for (k, c), a in sorted(categories.items())
        ],
        "months": [
            {"month": m, "currency": c, "amount": str(a)} for (m, c), a in sorted(months.items())
        ],
    }


class TooManyEntries(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit} entries; narrow the dates")


async def activity(
    group_id: str, limit: int, before: int | None
) -> tuple[list[dict[str, Any]], int | None]:
    """The group's events, newest first; ``before``: a `seq` to continue below."""
    query: dict[str, Any] = {"scope": group_scope(group_id)}
    if before is not None:
        query["seq"] = {"$lt": before}
    docs = await EventRecord.find(query).sort([("seq", DESC)]).limit(limit + 1).to_list()
    more = len(docs) > limit
    docs = docs[:limit]
    items = [d.to_event().model_dump(mode="json") for d in docs]
    return items, (docs[-1].seq if more and docs else None)


async def snapshots_around(
    group_id: str, at: datetime
) -> tuple[GroupBalanceSnapshotDoc | None, GroupBalanceSnapshotDoc | None]:
    """The group's last balance snapshot taken at or before ``at``, and the first after it."""
    before = (
        await GroupBalanceSnapshotDoc.find({"group_id": group_id, "at": {"$lte": at}})
        .sort([("at", DESC)])
        .limit(1)
        .to_list()
    )
    after = (
        await GroupBalanceSnapshotDoc.find({"group_id": group_id, "at": {"$gt": at}})
        .sort([("at", ASC)])
        .limit(1)
        .to_list()
    )
    return (before[0] if before else None), (after[0] if after else None)


async def entry_changes(
    group_id: str,
    until: datetime,
    after: GroupBalanceSnapshotDoc | None = None,
    upto: GroupBalanceSnapshotDoc | None = None,
) -> list[tuple[dict[str, Any] | None, dict[str, Any] | None]]:
    """The balance-moving events of a group up to ``until``, in order, as (before, after):
    those after the event of the snapshot ``after`` and up to that of ``upto`` (a later one).
    The range is by `seq` alone, which the event log's index serves; times are compared here."""
    seqs: dict[str, int] = {}
    if after is not None:
        seqs["$gt"] = after.seq
    if upto is not None:
        seqs["$lte"] = upto.seq
    query: dict[str, Any] = {"scope": group_scope(group_id)}
    if seqs:
        query["seq"] = seqs
    projection = {"seq": 1, "type": 1, "occurred_at": 1, "data.entity": 1, "data.before": 1}
    cursor = EventRecord.get_pymongo_collection().find(query, projection).sort("seq", 1)
    return [
        (row["data"].get("before"), row["data"].get("entity"))
        async for row in cursor
        if row["type"] in ENTRY_EVENTS and row["occurred_at"] <= until
    ]
