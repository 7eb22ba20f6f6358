"""A member leaving a group, or removed from it: a non-zero balance blocks it unless written
off, spread equally over the others, one entry per currency.
"""

from __future__ import annotations

from decimal import Decimal

from actors.changes import new_entity_id
from actors.kernel import Decision, accept, reject
from actors.splits.balances import Tally
from actors.splits.bills import involved, shares_data
from actors.splits.books import record_entry, tally_of
from actors.splits.group_access import local_day, membership_data, with_members
from actors.splits.shares import Part
from actors.splits.units import allocate
from actors.work import Work
from bus.envelopes import Command
from bus.ids import user_scope
from bus.money import round_to_currency
from storage.groups import GroupDoc, GroupEntryDoc
from storage.views import group_entity


def nets_of(tally: Tally, user_id: str) -> dict[str, Decimal]:
    return {
        currency: nets[user_id]
        for currency, nets in tally.nets.items()
        if nets.get(user_id, Decimal(0)) != 0
    }


def _write_off_parts(user_id: str, net: Decimal, others: list[str], currency: str) -> list[Part]:
    """Spread ``user_id``'s net over ``others`` equally, so the user's net becomes zero: what
    they were owed is forgiven, what they owed is taken on by the rest."""
    spread = allocate(abs(net), dict.fromkeys(others, Decimal(1)), currency)
    zero = round_to_currency(Decimal(0), currency)  # "0.00", as every share is written
    if net > 0:  # was owed: gives it up (owes it to themselves, paid by the others)
        return [Part(user_id, zero, net), *(Part(u, spread[u], zero) for u in others)]
    return [Part(user_id, -net, zero), *(Part(u, zero, spread[u]) for u in others)]


async def _settle_departure(
    work: Work,
    command: Command,
    group: GroupDoc,
    user_id: str,
    decision: str,
    reason: str,
) -> Decision | None:
    """A member with a non-zero balance leaves only by an explicit decision: ``block`` refuses,
    ``write_off`` records one entry per currency spreading it over the others."""
    waiting = await work.find_ids(
        GroupEntryDoc,
        {"group_id": group.id, "involved": user_id, "rate_status": "missing", "deleted": False},
        1,
    )
    if waiting:
        message = (
            "an entry of this member still waits for an exchange rate; they can leave once "
            "it is converted (or the entry is changed)"
        )
        return reject("balance_open", message, balance=message)
    _, tally = await tally_of(work, group.id)
    nets = nets_of(tally, user_id)
    if not nets:
        return None
    owed = ", ".join(f"{net:+} {currency}" for currency, net in sorted(nets.items()))
    others = [m for m in group.member_ids if m != user_id]
    if decision == "block" or not others:
        message = (
            f"the member's balance is not zero ({owed}); settle up first, "
            "or send balance=write_off to spread it over the others"
        )
        return reject("balance_open", message, balance=message)
    by = command.actor.user_id or user_id
    for currency, net in sorted(nets.items()):
        parts = _write_off_parts(user_id, net, others, currency)
        entry = GroupEntryDoc(
            id=new_entity_id("write_off", f"{command.command_id}:{currency}", None),
            group_id=group.id,
            scope=group.scope,
            kind="write_off",
            date=local_day(work.now, group.timezone).isoformat(),
            amount=abs(net),
            currency=currency,
            user_id=user_id,
            reason=reason,
            group_currency=group.currency,
            balance_currency=currency,
            balance_shares=shares_data(parts),
            involved=involved(parts),
            created_by=by,
            version=1,
            created_at=work.now,
            updated_at=work.now,
        )
        await record_entry(work, group.id, "write_off.created", entry)
    return None


async def depart(
    work: Work, command: Command, group: GroupDoc, user_id: str, decision: str, how: str
) -> Decision:
    if (
        refused := await _settle_departure(work, command, group, user_id, decision, how)
    ) is not None:
        return refused
    role = group.role_of(user_id)
    left = with_members(group, [m for m in group.members if m["user_id"] != user_id], work.now)
    work.put(left)
    event = "group.member_left" if how == "left" else "group.member_removed"
    data = membership_data(left, user_id, role, how=how, by=command.actor.user_id)
    work.emit(group.scope, event, data)
    work.emit(user_scope(user_id), event, data)
    return accept(group_entity(left))
