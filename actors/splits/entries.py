"""Handlers of a group's ledger: group expenses and settlements (create, update, delete), and
converting entries that waited for a rate.

Every change moves the group's balances in the same transaction (``books.move_balances``), so
the balances never disagree with the entries, and the sum of the nets stays exactly zero.
Payers and participants must be members when they are put on a bill; a bill that keeps a
former member (one who left with a write-off) can still be edited without re-adding them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from actors.changes import new_entity_id, next_version, stale
from actors.kernel import Decision, accept, reject, runtime_of
from actors.splits.balances import bill_debts
from actors.splits.bills import group_value, involved, parts_of, shares_data
from actors.splits.books import record_entry
from actors.splits.group_access import ADMINS, local_day, member_group
from actors.splits.runtime import SplitsRuntime
from actors.splits.shares import Part, parts, settlement_parts
from actors.splits.split_inputs import SplitError
from actors.work import Work
from bus.conversions import RatesChanged
from bus.envelopes import Command, Event
from bus.groups import (
    CreateGroupExpense,
    CreateSettlement,
    DeleteGroupExpense,
    DeleteSettlement,
    GroupEntryRef,
    Split,
    UpdateGroupExpense,
)
from bus.money import MoneyError, check_precision
from storage.groups import GroupDoc, GroupEntryDoc
from storage.rates import awaiting_rates
from storage.views import entry_entity

MAX_SHARE_SETTLEMENTS = 10  # read per share: one is enough to refuse, unless the batch deleted it
FILL_PER_EVENT = 1000  # entries given a group value per `rates.updated`, in one transaction


def _split_data(split: Split) -> dict[str, Any]:
    return split.model_dump(mode="json", exclude_none=True)


def _bill_parts(
    amount: Decimal, currency: str, paid_by: Sequence[dict[str, Any]], split: dict[str, Any]
) -> list[Part]:
    shares = split.get("shares")
    return parts(
        amount,
        currency,
        [(p["user_id"], Decimal(str(p["amount"]))) for p in paid_by],
        split["method"],
        split.get("members"),
        [(s["user_id"], Decimal(str(s["value"]))) for s in shares] if shares else None,
    )


def _strangers(
    group: GroupDoc, paid_by: Sequence[dict[str, Any]], split: dict[str, Any], known: set[str]
) -> dict[str, str]:
    """Field errors for payers or participants who are not members (``known``: people the
    bill already had, who may have left since)."""
    allowed = set(group.member_ids) | known
    errors: dict[str, str] = {}
    for n, payer in enumerate(paid_by):
        if payer["user_id"] not in allowed:
            errors[f"paid_by.{n}.user_id"] = "not a member of this group"
    for n, member in enumerate(split.get("members") or []):
        if member not in allowed:
            errors[f"split.members.{n}"] = "not a member of this group"
    for n, share in enumerate(split.get("shares") or []):
        if share["user_id"] not in allowed:
            errors[f"split.shares.{n}.user_id"] = "not a member of this group"
    return errors


def _valued(
    work: Work, group: GroupDoc, bill: list[Part], amount: Decimal, currency: str, on: date
) -> dict[str, Any]:
    book = runtime_of(work, SplitsRuntime).reader.book
    fields = group_value(book, bill, amount, currency, group.currency, on)
    fields["involved"] = involved(parts_of(fields["balance_shares"]))
    return fields


async def _writable_group(
    work: Work, command: Command, group_id: str
) -> tuple[GroupDoc | None, Decision | None]:
    group, refused = await member_group(work, command, group_id)
    if group is not None and group.archived:
        return None, reject("group_archived", "the group is archived")
    return group, refused


async def _entry(work: Work, group: GroupDoc, entry_id: str, kind: str) -> GroupEntryDoc | None:
    entry = await work.get(GroupEntryDoc, entry_id)
    if entry is None or entry.group_id != group.id or entry.kind != kind or entry.deleted:
        return None
    return entry


def _former_moved(group: GroupDoc, before: GroupEntryDoc, after: GroupEntryDoc) -> Decision | None:
    """A refusal if the change moves the balance of someone who has left the group: their
    balance was settled or written off when they left, and no one could settle it again."""

    def effects(entry: GroupEntryDoc) -> dict[str, tuple[str, Decimal, Decimal]]:
        if entry.deleted:
            return {}
        return {
            p.user_id: (entry.balance_currency, p.paid, p.owed)
            for p in parts_of(entry.balance_shares)
            if p.paid or p.owed
        }

    old, new = effects(before), effects(after)
    for user in sorted(set(old) | set(new)):
        if user not in group.member_ids and old.get(user) != new.get(user):
            message = f"{user} has left the group: their share of this bill cannot change"
            return reject("member_left", message)
    return None


def _taken(existing: GroupEntryDoc | None, group: GroupDoc) -> Decision | None:
    if existing is None:
        return None
    if existing.group_id != group.id:
        return reject("validation", "this id is already taken", id="choose another UUID")
    return reject("conflict", "an entry with this id exists", entry_entity(existing))


# ---- group expenses --------------------------------------------------------------------------


async def create_group_expense(command: Command, p: CreateGroupExpense, work: Work) -> Decision:
    group, refused = await _writable_group(work, command, p.group_id)
    if group is None or command.actor.user_id is None:
        return refused or reject("not_found", "no such group")
    entry_id = new_entity_id("group_expense", command.command_id, p.id)
    if (taken := _taken(await work.get(GroupEntryDoc, entry_id), group)) is not None:
        return taken
    paid_by = [x.model_dump(mode="json") for x in p.paid_by]
    if p.split is None:
        method = group.settings.get("default_split", "equal")
        if method != "equal":
            message = f"this group's default split is {method}: send `split` with its shares"
            return reject("split_required", message, split=message)
        split = {"method": "equal", "members": list(group.member_ids)}
    else:
        split = _split_data(p.split)
    if errors := _strangers(group, paid_by, split, set()):
        return reject("not_member", "payers and participants must be members", fields=errors)
    try:
        bill = _bill_parts(p.amount, p.currency, paid_by, split)
    except SplitError as exc:
        return reject("validation", exc.message, fields={exc.field: exc.message})
    doc = GroupEntryDoc(
        id=entry_id,
        group_id=group.id,
        scope=group.scope,
        kind="expense",
        date=p.date.isoformat(),
        amount=p.amount,
        currency=p.currency,
        description=p.description,
        category=p.category,
        notes=p.notes,
        paid_by=paid_by,
        split=split,
        created_by=command.actor.user_id,
        version=1,
        created_at=work.now,
        updated_at=work.now,
        **_entry_values(work, group, bill, p.amount, p.currency, p.date),
    )
    return accept(await record_entry(work, group.id, "group_expense.created", doc))


def _entry_values(
    work: Work, group: GroupDoc, bill: list[Part], amount: Decimal, currency: str, on: date
) -> dict[str, Any]:
    return {
        "shares": shares_data(bill),
        **_valued(work, group, bill, amount, currency, on),
    }


async def update_group_expense(command: Command, p: UpdateGroupExpense, work: Work) -> Decision:
    group, refused = await _writable_group(work, command, p.group_id)
    if group is None:
        return refused or reject("not_found", "no such group")
    doc = await _entry(work, group, p.id, "expense")
    if doc is None:
        return reject("not_found", "no such expense")
    if (conflict := stale(command, entry_entity(doc))) is not None:
        return conflict
    changes: dict[str, Any] = {}
    for name in p.model_fields_set - {"id", "group_id", "paid_by", "split"}:
        value = getattr(p, name)
        changes[name] = value.isoformat() if isinstance(value, date) else value
    if p.paid_by is not None:
        changes["paid_by"] = [x.model_dump(mode="json") for x in p.paid_by]
    if p.split is not None:
        changes["split"] = _split_data(p.split)
    amount = changes.get("amount", doc.amount)
    currency = changes.get("currency", doc.currency)
    paid_by = changes.get("paid_by", doc.paid_by)
    split = changes.get("split", doc.split)
    assert amount is not None
    assert currency is not None
    try:
        amount = check_precision(amount, currency)
    except MoneyError as exc:
        return reject("validation", str(exc), amount=str(exc))
    known = set(doc.involved) | {x["user_id"] for x in doc.paid_by}
    if errors := _strangers(group, paid_by, split, known):
        return reject("not_member", "payers and participants must be members", fields=errors)
    try:
        bill = _bill_parts(amount, currency, paid_by, split)
    except SplitError as exc:
        return reject("validation", exc.message, fields={exc.field: exc.message})
    on = date.fromisoformat(changes.get("date", doc.date))
    changes.update(_entry_values(work, group, bill, amount, currency, on))
    changes["amount"] = amount
    updated = next_version(doc, work.now, **changes)
    if (refused := _former_moved(group, doc, updated)) is not None:
        return refused
    return accept(await record_entry(work, group.id, "group_expense.updated", updated, doc))


async def _delete_entry(
    command: Command, p: GroupEntryRef, work: Work, kind: str, event: str
) -> Decision:
    group, refused = await _writable_group(work, command, p.group_id)
    if group is None:
        return refused or reject("not_found", "no such group")
    doc = await _entry(work, group, p.id, kind)
    if doc is None:
        return reject("not_found", f"no such {kind}")
    if (conflict := stale(command, entry_entity(doc))) is not None:
        return conflict
    gone = next_version(doc, work.now, deleted=True)
    if (refused := _former_moved(group, doc, gone)) is not None:
        return refused
    return accept(await record_entry(work, group.id, event, gone, doc))


async def delete_group_expense(command: Command, p: DeleteGroupExpense, work: Work) -> Decision:
    return await _delete_entry(command, p, work, "expense", "group_expense.deleted")


# ---- settlements -----------------------------------------------------------------------------


async def _share_owed(
    work: Work, group: GroupDoc, p: CreateSettlement
) -> tuple[str, Decimal, str] | Decision:
    """What ``from_user`` owes on the bill ``expense_id`` (to whom, how much, in what)."""
    assert p.expense_id is not None
    bill = await _entry(work, group, p.expense_id, "expense")
    if bill is None:
        return reject("not_found", "no such expense", expense_id="no such expense in this group")
    debts = [
        (to, amount)
        for debtor, to, amount in bill_debts(parts_of(bill.balance_shares), bill.balance_currency)
        if debtor == p.from_user and (p.to_user is None or to == p.to_user)
    ]
    if not debts:
        message = "this member owes nothing on that expense"
        return reject("nothing_owed", message, from_user=message)
    if len(debts) > 1:
        message = "this bill has several payers: say which one this pays (to_user)"
        return reject("validation", message, to_user=message)
    [(to_user, amount)] = debts
    paid = await _settlements_of_share(work, group.id, p.expense_id, p.from_user, to_user)
    if paid:
        message = f"this share is already marked as paid (settlement {paid[0]})"
        return reject("already_paid", message, expense_id=message)
    return to_user, amount, bill.balance_currency


async def _settlements_of_share(
    work: Work, group_id: str, expense_id: str, from_user: str, to_user: str
) -> list[str]:
    """The live settlements paying this share, stored or staged by earlier commands of the same
    batch (the unit of work's query sees those too), each as the batch last left it."""
    query = {
        "group_id": group_id,
        "kind": "settlement",
        "expense_id": expense_id,
        "from_user": from_user,
        "to_user": to_user,
        "deleted": False,
    }
    return await work.find_ids(GroupEntryDoc, query, MAX_SHARE_SETTLEMENTS)


async def create_settlement(command: Command, p: CreateSettlement, work: Work) -> Decision:
    group, refused = await _writable_group(work, command, p.group_id)
    if group is None or command.actor.user_id is None:
        return refused or reject("not_found", "no such group")
    entry_id = new_entity_id("settlement", command.command_id, p.id)
    if (taken := _taken(await work.get(GroupEntryDoc, entry_id), group)) is not None:
        return taken
    to_user, amount, currency = p.to_user, p.amount, p.currency
    if p.expense_id is not None:
        owed = await _share_owed(work, group, p)
        if isinstance(owed, Decision):
            return owed
        to_user = to_user or owed[0]
        if amount is None:
            amount, currency = owed[1], owed[2]
        currency = currency or owed[2]
    assert to_user is not None
    assert amount is not None
    assert currency is not None
    me = command.actor.user_id
    if me not in (p.from_user, to_user) and group.role_of(me) not in ADMINS:
        return reject("forbidden", "only the two members involved, or an admin, record a payment")
    try:
        amount = check_precision(amount, currency)
    except MoneyError as exc:
        return reject("validation", str(exc), amount=str(exc))
    errors = {
        name: "not a member of this group"
        for name, user in (("from_user", p.from_user), ("to_user", to_user))
        if user not in group.member_ids
    }
    if errors:
        return reject("not_member", "both sides of a settlement must be members", fields=errors)
    if to_user == p.from_user:
        return reject("validation", "a member cannot pay themselves", to_user="same as from_user")
    on = p.date or local_day(work.now, group.timezone)
    payment = settlement_parts(p.from_user, to_user, amount)
    doc = GroupEntryDoc(
        id=entry_id,
        group_id=group.id,
        scope=group.scope,
        kind="settlement",
        date=on.isoformat(),
        amount=amount,
        currency=currency,
        from_user=p.from_user,
        to_user=to_user,
        note=p.note,
        expense_id=p.expense_id,
        created_by=command.actor.user_id,
        version=1,
        created_at=work.now,
        updated_at=work.now,
        **_valued(work, group, payment, amount, currency, on),
    )
    return accept(await record_entry(work, group.id, "settlement.created", doc))


async def delete_settlement(command: Command, p: DeleteSettlement, work: Work) -> Decision:
    return await _delete_entry(command, p, work, "settlement", "settlement.deleted")


# ---- entries that waited for a rate ----------------------------------------------------------


async def fill_group_values(event: Event, work: Work) -> None:
    """New rates arrived: entries still counted in their own currency get their value in the
    group's currency, and move to the group currency's balance line (``<kind>.converted``)."""
    change = RatesChanged.model_validate(event.data["entity"])
    if not change.currencies or not change.days:
        return
    max_age = runtime_of(work, SplitsRuntime).reader.book.max_age_days
    query = awaiting_rates(change.days, change.currencies, max_age, "group_currency")
    ids = await work.find_ids(GroupEntryDoc, query, FILL_PER_EVENT, sort="date")
    for entry_id in ids:
        doc = await work.get(GroupEntryDoc, entry_id)
        if doc is None or doc.amount is None or doc.currency is None:
            continue
        group = await work.get(GroupDoc, doc.group_id)
        if group is None:
            continue
        bill = parts_of(doc.shares) if doc.kind == "expense" else parts_of(doc.balance_shares)
        fields = _valued(work, group, bill, doc.amount, doc.currency, date.fromisoformat(doc.date))
        if fields["rate_status"] == "missing":
            continue
        converted = next_version(doc, work.now, **fields)
        kind = "group_expense" if doc.kind == "expense" else doc.kind
        await record_entry(work, group.id, f"{kind}.converted", converted, doc)
