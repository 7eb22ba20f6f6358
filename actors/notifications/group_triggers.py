"""What a group's life and a recurring rule tell whom (pure, as :mod:`.triggers`).

Membership events are emitted twice, in the group's scope and in the person's own; each item is
made from one copy only (the person's own for what happened to them, the group's for the one
who invited them), so no one gets two. Nothing is told to the person who did it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from actors.notifications.drafts import Draft, caused_by, entity_of, money
from actors.notifications.mail_names import person_ref, plan_ref
from bus.envelopes import Event
from bus.ids import split_scope


def _group_link(group: Mapping[str, Any]) -> dict[str, Any]:
    return {"entity": "group", "id": str(group.get("id", ""))}


def _name_of(group: Mapping[str, Any], user_id: str) -> str:
    for member in group.get("members", []):
        if isinstance(member, Mapping) and member.get("user_id") == user_id:
            return str(member.get("name") or "Someone")
    return "Someone"


def membership(event: Event) -> list[Draft]:
    """Added to a group or removed from it (their own copy), and someone joining by your
    invite (the group's copy, for whoever made the invite)."""
    group, data = entity_of(event), event.data
    member, by, how = str(data.get("user_id", "")), data.get("by"), data.get("how")
    kind, ident = split_scope(event.scope)
    name = group.get("name", "a group")
    if event.type == "group.member_added" and how == "invite":
        if kind != "group" or not isinstance(by, str) or by == member:
            return []
        who = _name_of(group, member)
        return [
            Draft(
                kind="invite_accepted",
                title=f"{who} joined {name}",
                body=f"{who} accepted your invite to {name}.",
                link=_group_link(group),
                recipients=(by,),
                actor_id=member,
                mail={"member": who, "group": str(name)},
            )
        ]
    if kind != "user" or ident != member or by == member or how not in ("added", "removed"):
        return []  # the group's copy; or they left (or were added) by their own hand
    if how == "added":
        title, body = f"You were added to {name}", f"You are now a member of {name}."
    else:
        title, body = f"You were removed from {name}", f"You are no longer a member of {name}."
    actor = _name_of(group, by) if isinstance(by, str) else "Someone"
    mail = {"actor": actor, "change": str(how), "member": "you", "group": str(name)}
    return [
        Draft(
            kind="group_membership",
            title=title,
            body=body,
            link=_group_link(group),
            recipients=(member,),
            actor_id=by if isinstance(by, str) else None,
            mail=mail,
        )
    ]


def reminder(event: Event) -> list[Draft]:
    """A nudge to pay, for the member who owes (their own copy: there is only that one)."""
    e = entity_of(event)
    owes = [o for o in e.get("owes", []) if isinstance(o, Mapping)]
    said = ", ".join(f"{o.get('amount')} {o.get('currency')}" for o in owes) or "money"
    note = e.get("note")
    group_name = str(e.get("group_name") or "a group")
    body = f"You owe {said} in {group_name}." + (f" “{note}”" if note else "")
    by = str(e.get("from_user", "")) or None
    return [
        Draft(
            kind="payment_reminder",
            title="A reminder to settle up",
            body=body,
            link={"entity": "group", "id": str(e.get("group_id", ""))},
            recipients=(str(e.get("to_user", "")),),
            actor_id=by,
            amounts=[money(o.get("amount"), o.get("currency")) for o in owes],
            mail={"amount": said, "group": group_name, "actor": "A member"},
            names={"actor": person_ref(by)} if by else {},
        )
    ]


def _simplifies(group: Mapping[str, Any]) -> bool:
    settings = group.get("settings")
    return isinstance(settings, Mapping) and settings.get("simplify_debts") is True


def debts_simplified(event: Event) -> list[Draft]:
    """A group's debts simplified (the setting turned on): everyone in the group but whoever
    turned it on (when the event says, by their device); the mail lists who pays whom now."""
    after, before = entity_of(event), event.data.get("before")
    if not _simplifies(after) or (isinstance(before, Mapping) and _simplifies(before)):
        return []
    kind, ident = split_scope(event.scope)
    if kind != "group":
        return []
    name = after.get("name", "a group")
    by = caused_by(event)
    return [
        Draft(
            kind="debts_simplified",
            title=f"Debts simplified in {name}",
            body=f"{name} now settles up in as few payments as it can; who pays whom may change.",
            link=_group_link(after),
            group_members=ident,
            actor_id=by,
            mail={"group": str(name), "actor": "A member"},
            names={"transfers": plan_ref(ident), **({"actor": person_ref(by)} if by else {})},
        )
    ]


def recurring_made(event: Event) -> list[Draft]:
    """A recurring rule made its expense (the rule moved on having made one more)."""
    after, before = entity_of(event), event.data.get("before")
    was = before.get("made", 0) if isinstance(before, Mapping) else 0
    if not isinstance(after.get("made"), int) or after["made"] <= was:
        return []  # moved on without making one (refused), or the same event again
    kind, ident = split_scope(event.scope)
    template = after.get("template")
    t: Mapping[str, Any] = template if isinstance(template, Mapping) else {}
    amount, currency = t.get("amount", ""), t.get("currency", "")
    what = t.get("description") or "A recurring expense"
    return [
        Draft(
            kind="recurring_made",
            title=f"Recurring expense added: {what}",
            body=f"{what}, {amount} {currency}, was added for {after.get('last_occurrence')}.",
            link={"entity": "recurring", "id": str(after.get("id", ""))},
            recipients=(ident,) if kind == "user" else (),
            amounts=[money(amount, currency)],
            mail={
                "description": str(what),
                "amount": f"{amount} {currency}",
                "date": str(after.get("last_occurrence")),
                "schedule": _schedule(after),
            },
        )
    ]


def _schedule(rule: Mapping[str, Any]) -> str:
    """How a rule repeats, in words: "every month", "every 2 weeks"."""
    every, unit = rule.get("every", 1), str(rule.get("unit", "month"))
    return f"every {unit}" if every == 1 else f"every {every} {unit}s"
