"""Reminders: a nudge to a group member who owes, with what they owe and whom to pay."""

from __future__ import annotations

from actors.changes import new_entity_id
from actors.kernel import Decision, reject
from actors.splits.books import tally_of
from actors.splits.departures import nets_of
from actors.splits.group_access import member_group
from actors.work import Work
from bus.envelopes import Command
from bus.groups import Remind
from bus.ids import user_scope


async def remind(command: Command, p: Remind, work: Work) -> Decision:
    """A nudge to a member who owes, in that member's own scope (their devices only)."""
    group, refused = await member_group(work, command, p.group_id)
    if group is None:
        return refused or reject("not_found", "no such group")
    if p.user_id not in group.member_ids:
        return reject("not_member", "not a member", user_id="not a member of this group")
    _, tally = await tally_of(work, group.id)
    owes = {c: -n for c, n in nets_of(tally, p.user_id).items() if n < 0}
    if not owes:
        return reject("nothing_owed", "this member owes nothing", user_id="owes nothing")
    transfers = [t for t in tally.plan() if t.from_user == p.user_id]
    reminder = {
        "id": new_entity_id("reminder", command.command_id, None),
        "group_id": group.id,
        "group_name": group.name,
        "from_user": command.actor.user_id,
        "to_user": p.user_id,
        "note": p.note,
        "owes": [{"currency": c, "amount": str(a)} for c, a in sorted(owes.items())],
        "pay": [
            {"to": t.to_user, "amount": str(t.amount), "currency": t.currency} for t in transfers
        ],
        "sent_at": work.now.isoformat(),
    }
    work.emit(user_scope(p.user_id), "reminder.sent", {"entity": reminder, "version": None})
    return Decision(True, reminder, None)
