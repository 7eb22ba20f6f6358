"""What each event tells whom: pure functions from an event to the inbox items it makes.

Each :class:`Draft` names its kind, words, amounts (as the event gave them), link and the people
it is for: named ones, and, for a group's budget, everyone in the group (``group_members``,
looked up when it is applied). A group bill is for those who share in it, never for the person
who added it; a settlement for its other party.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from actors.notifications.drafts import Draft, caused_by, entity_of, money
from actors.notifications.group_triggers import (
    debts_simplified,
    membership,
    recurring_made,
    reminder,
)
from actors.notifications.mail_names import group_ref, person_ref
from bus.envelopes import Event
from bus.ids import split_scope
from bus.notifications import NotificationKind


def _owner(event: Event) -> tuple[str, ...]:
    kind, ident = split_scope(event.scope)
    return (ident,) if kind == "user" else ()


def _less(spent: Any, limit: Any) -> str:
    """``spent - limit`` as the amounts were written (their own places), or "?" if unreadable."""
    try:
        return format(Decimal(str(spent)) - Decimal(str(limit)), "f")
    except ArithmeticError:
        return "?"


def _over(alert: Mapping[str, Any]) -> bool:
    """A threshold of 100% or more crossed by spending past the budget."""
    try:
        return int(alert.get("threshold", 0)) >= 100 and Decimal(str(alert["percent_used"])) > 100
    except (KeyError, ValueError, ArithmeticError):
        return False


def budget_alert(event: Event) -> list[Draft]:
    """``budget.threshold_crossed`` / ``budget.exceeded``: the budget's owner, or its group."""
    e = entity_of(event)
    if event.type == "budget.threshold_crossed" and _over(e):
        return []  # crossing 100% by going over it: the overrun's own item says so
    kind, ident = split_scope(event.scope)
    name, currency, spent = e.get("name", "A budget"), e.get("currency", ""), e.get("spent", "")
    period = f"{e.get('period_start')} to {e.get('period_end')}"
    limit = e.get("available", "")
    mail = {
        "budget": str(name),
        "spent": f"{spent} {currency}",
        "limit": f"{limit} {currency}",
        "period": period,
    }
    if event.type == "budget.exceeded":
        title = f"{name} is over budget"
        body = f"{spent} {currency} spent ({e.get('percent_used')}%) for {period}."
        note: NotificationKind = "budget_exceeded"
        mail["over"] = f"{_less(spent, limit)} {currency}"
    else:
        title = f"{name}: {e.get('threshold')}% used"
        body = f"{spent} {currency} spent, {limit} {currency} left for {period}."
        note = "budget_threshold"
        mail["percent"] = str(e.get("threshold"))
    link = {"entity": "budget", "id": str(e.get("budget_id", "")), "group_id": e.get("group_id")}
    return [
        Draft(
            kind=note,
            title=title,
            body=body,
            link=link,
            recipients=(ident,) if kind == "user" else (),
            group_members=ident if kind == "group" else None,
            amounts=[money(spent, currency)],
            mail=mail,
        )
    ]


def goal_achieved(event: Event) -> list[Draft]:
    e = entity_of(event)
    amount, currency = e.get("target_amount", ""), e.get("currency", "")
    return [
        Draft(
            kind="goal_achieved",
            title=f"Goal reached: {e.get('name', 'a goal')}",
            body=f"You saved {e.get('saved', amount)} {currency} of {amount} {currency}.",
            link={"entity": "goal", "id": str(e.get("id", ""))},
            recipients=_owner(event),
            amounts=[money(amount, currency)],
            mail={
                "goal": str(e.get("name", "a goal")),
                "saved": f"{e.get('saved', amount)} {currency}",
                "target": f"{amount} {currency}",
            },
        )
    ]


_BILL_VERBS = {"created": "added", "updated": "changed", "deleted": "deleted"}


def group_bill(event: Event) -> list[Draft]:
    """A group bill added, changed or deleted: everyone with a share in it, except whoever did
    it (who added it; for a change or deletion, the person whose device sent it, when known)."""
    e = entity_of(event)
    verb = _BILL_VERBS[event.type.rsplit(".", 1)[1]]
    by = (str(e.get("created_by", "")) or None) if verb == "added" else caused_by(event)
    shares = [s for s in e.get("shares", []) if isinstance(s, Mapping) and s.get("user_id")]
    recipients = tuple(dict.fromkeys(str(s["user_id"]) for s in shares if s["user_id"] != by))
    amount, currency = e.get("amount", ""), e.get("currency", "")
    what = str(e.get("description") or "a bill")
    group = str(e.get("group_id", ""))
    names = {"group": group_ref(group), **({"actor": person_ref(by)} if by else {})}
    return [
        Draft(
            kind="group_bill",
            title=f"Bill {verb}: {what}",
            body=f"{what}, {amount} {currency}, was {verb} in your group.",
            link={"entity": "group_expense", "id": str(e.get("id", "")), "group_id": group},
            recipients=recipients,
            actor_id=by,
            amounts=[money(amount, currency)],
            mail={
                "change": verb,
                "description": what,
                "amount": f"{amount} {currency}",
                "actor": "A member",  # unless the event says who
            },
            names=names,
            shares={str(s["user_id"]): f"{s.get('owed_share', '0.00')} {currency}" for s in shares},
        )
    ]


def settlement_recorded(event: Event) -> list[Draft]:
    """A payment recorded between two members: for whichever of them did not record it."""
    e = entity_of(event)
    by = str(e.get("created_by", ""))
    payer, payee = str(e.get("from_user", "")), str(e.get("to_user", ""))
    amount, currency = e.get("amount", ""), e.get("currency", "")
    group = str(e.get("group_id", ""))
    return [
        Draft(
            kind="group_bill",
            title="Payment recorded",
            body=f"A payment of {amount} {currency} between you and another member was recorded.",
            link={"entity": "settlement", "id": str(e.get("id", "")), "group_id": group},
            recipients=tuple(p for p in (payer, payee) if p and p != by),
            actor_id=by or None,
            amounts=[money(amount, currency)],
            mail={"amount": f"{amount} {currency}", "actor": "A member"},
            names={
                "payer": person_ref(payer),
                "payee": person_ref(payee),
                "group": group_ref(group),
                **({"actor": person_ref(by)} if by else {}),
            },
            template="settlement",
        )
    ]


def expense_flagged(event: Event) -> list[Draft]:
    """A flag raised, for each person it concerns (each has a copy in their own scope): its
    mail names the expense when the event says which (``expense``) and who added it."""
    e = entity_of(event)
    why = "; ".join(str(x) for x in e.get("explanations", [])[:2]) or "it looks unusual"
    about = event.data.get("expense")
    owner = str(e.get("owner_id", ""))
    mail, names = {}, {}
    if isinstance(about, Mapping) and owner:
        amount = f"{about.get('amount', '')} {about.get('currency', '')}".strip()
        mail = {"description": str(about.get("description")), "amount": amount, "reason": why}
        names = {"actor": person_ref(owner)}
    return [
        Draft(
            kind="expense_flagged",
            title="An expense needs a look",
            body=f"Risk score {e.get('score')}: {why}.",
            link={"entity": str(e.get("kind", "expense")), "id": str(e.get("expense_id", ""))},
            recipients=_owner(event),
            mail=mail,
            names=names,
        )
    ]


def receipt_done(event: Event) -> list[Draft]:
    e = entity_of(event)
    link = {"entity": "receipt", "id": str(e.get("id", ""))}
    if event.type == "receipt.failed":
        reason = e.get("reason") or "it could not be read"
        mail = {"outcome": "failed", "reason": str(reason)}
        return [
            Draft(
                "receipt_failed",
                "Receipt not read",
                f"{reason}.",
                link,
                _owner(event),
                mail=mail,
                template="receipt_read",  # its failed branch
            )
        ]
    read = e.get("fields")
    fields: Mapping[str, Any] = read if isinstance(read, Mapping) else {}
    merchant = fields.get("merchant") or "your receipt"
    total, currency = fields.get("total"), fields.get("currency")
    said = f"{merchant}: {total} {currency}." if total and currency else f"{merchant} was read."
    amounts = [money(total, currency)] if total and currency else []
    mail = {"outcome": "read", "merchant": str(merchant), "amount": f"{total} {currency}"}
    if not amounts:  # nothing to show of it: the sentence says what was read
        mail = {}
    return [
        Draft("receipt_read", "Receipt read", said, link, _owner(event), amounts=amounts, mail=mail)
    ]


_SECURITY_WORDS = {
    "password_changed": (
        "Your password was changed",
        "The password of your account was changed; your other devices were signed out.",
    ),
    "password_reset": (
        "Your password was reset",
        "The password of your account was reset with a link sent by mail; every device was "
        "signed out.",
    ),
    "email_changed": (
        "Your email address was changed",
        "Mail about your account now comes to this address; the old one was told.",
    ),
    "other_sessions_ended": (
        "Your other devices were signed out",
        "Every device signed in to your account but the one you used was signed out.",
    ),
    "refresh_token_reuse": (
        "A device was signed out to protect your account",
        "A sign-in token of your account was used twice, which can mean it was copied; that "
        "device was signed out.",
    ),
}


def security_notice(event: Event) -> list[Draft]:
    """Something about the account itself: always an item, and always mailed."""
    e = entity_of(event)
    what = str(e.get("what", ""))
    words = _SECURITY_WORDS.get(what)
    if what == "new_device_sign_in":
        device = str(e.get("device", "a device"))[:64]
        words = (
            "New sign-in to your account",
            f"Your account was signed in to from a device it had not been used on ({device}).",
        )
    if words is None:
        return []
    title, body = words
    advice = "If this was not you, reset your password now."
    device = str(e.get("device", ""))[:64] if what == "new_device_sign_in" else ""
    return [
        Draft(
            kind="security",
            title=title,
            body=f"{body} {advice}",
            link={"entity": "account", "id": str(e.get("id", ""))},
            recipients=_owner(event),
            mail={"device": device, "time": _moment(e.get("at"), event)},
        )
    ]


def _moment(at: Any, event: Event) -> str:
    """When a notice's event happened, as a mail says it (in UTC: "7 Dec 2026, 06:30 UTC")."""
    try:
        moment = datetime.fromisoformat(str(at))
    except ValueError:
        moment = event.occurred_at
    moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return f"{moment.day} {moment:%b %Y, %H:%M} UTC"


TRIGGERS: dict[str, Callable[[Event], list[Draft]]] = {
    "budget.threshold_crossed": budget_alert,
    "budget.exceeded": budget_alert,
    "goal.achieved": goal_achieved,
    "group_expense.created": group_bill,
    "group_expense.updated": group_bill,
    "group_expense.deleted": group_bill,
    "settlement.created": settlement_recorded,
    "flag.raised": expense_flagged,
    "receipt.scanned": receipt_done,
    "receipt.failed": receipt_done,
    "user.security": security_notice,
    "group.member_added": membership,
    "group.member_removed": membership,
    "reminder.sent": reminder,
    "group.updated": debts_simplified,
    "recurring.advanced": recurring_made,
}
"""The events the actor follows, each with what it makes of one."""


def addressed(events: Sequence[Event]) -> list[tuple[Event, Draft, str]]:
    """(event, draft, person) of every item a batch of events makes for a named recipient (a
    group's members are found when the reaction runs, not here)."""
    return [
        (event, draft, person)
        for event in events
        if event.type in TRIGGERS
        for draft in TRIGGERS[event.type](event)
        for person in draft.recipients
    ]


def recipients(events: Sequence[Event]) -> list[str]:
    """The named recipients of a batch of events, each once."""
    return list(dict.fromkeys(person for _, _, person in addressed(events)))
