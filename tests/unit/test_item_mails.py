"""An item whose event gives its kind's own mail template every field is mailed with that
template: rendered here from the drafts the real triggers make, with the item's title as the
subject (the mail and the inbox say the same), and nothing the template reads left missing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from actors.notifications.drafts import Draft
from actors.notifications.inbox import make_items
from actors.notifications.mail import render_mail, template_fields
from actors.notifications.triggers import TRIGGERS
from bus.envelopes import Event
from bus.ids import group_scope, user_scope
from storage.deliveries import DeliveryDoc
from storage.groups import GroupBalanceDoc
from storage.notification_preferences import PreferencesDoc
from storage.notifications import NotificationDoc
from tests.support import budget_docs as docs
from tests.support.events import event_of
from tests.support.fake_work import NOW, MemoryWork

pytestmark = pytest.mark.usefixtures("documents")

GROUP = {
    "id": "g1",
    "name": "Flat 3B",
    "members": [{"user_id": "ada", "name": "Ada"}, {"user_id": "bob", "name": "Bob"}],
}
ALERT = {
    "budget_id": "b1",
    "name": "Food",
    "group_id": None,
    "period_start": "2026-12-01",
    "period_end": "2026-12-31",
    "threshold": 100,
    "spent": "120.00",
    "available": "100.00",
    "percent_used": "120",
    "currency": "EUR",
}
RULE = {
    "id": "r1",
    "template": {"amount": "9.99", "currency": "EUR", "description": "streaming"},
    "every": 2,
    "unit": "week",
    "last_occurrence": "2026-12-01",
}
CASES: dict[str, tuple[str, str, dict[str, Any], str]] = {
    # kind: (event type, scope, data, words its mail says)
    "budget_exceeded": (
        "budget.exceeded",
        user_scope("ada"),
        {"entity": ALERT},
        "You have spent 120.00 EUR on Food for 2026-12-01 to 2026-12-31: 20.00 EUR over",
    ),
    "budget_threshold": (
        "budget.threshold_crossed",
        user_scope("ada"),
        {"entity": {**ALERT, "threshold": 80, "spent": "80.00", "percent_used": "80"}},
        "You have spent 80.00 EUR of 100.00 EUR on Food for 2026-12-01 to 2026-12-31\n(80%)",
    ),
    "goal_achieved": (
        "goal.achieved",
        user_scope("ada"),
        {"entity": {"id": "g", "name": "Bike", "target_amount": "700.00", "saved": "700.00",
                    "currency": "EUR"}},
        "You have saved 700.00 EUR towards Bike and reached your target of\n700.00 EUR",
    ),
    "receipt_read": (
        "receipt.scanned",
        user_scope("ada"),
        {"entity": {"id": "r", "fields": {"merchant": "Cafe", "total": "12.30",
                                          "currency": "EUR"}}},
        "We read your receipt from Cafe: 12.30 EUR",
    ),
    "recurring_made": (
        "recurring.advanced",
        user_scope("ada"),
        {"entity": {**RULE, "made": 4}, "before": {**RULE, "made": 3}},
        "streaming (9.99 EUR) was added for 2026-12-01, as it repeats\nevery 2 weeks",
    ),
    "group_membership": (
        "group.member_added",
        user_scope("bob"),
        {"entity": GROUP, "user_id": "bob", "how": "added", "by": "ada"},
        "Ada added you to Flat 3B.",
    ),
    "invite_accepted": (
        "group.member_added",
        group_scope("g1"),
        {"entity": GROUP, "user_id": "bob", "how": "invite", "by": "ada"},
        "Bob accepted your invitation and joined Flat 3B.",
    ),
    "security": (
        "user.security",
        user_scope("ada"),
        {"entity": {"id": "s1", "what": "new_device_sign_in", "device": "ada:iPad",
                    "at": "2026-12-07T06:30:00+00:00"}},
        "Device: ada:iPad\nTime: 7 Dec 2026, 06:30 UTC",
    ),
}  # fmt: skip


def test_a_security_mail_without_a_device_says_when_in_utc() -> None:
    notice = {"id": "s2", "what": "password_changed", "at": "2026-12-07T07:30:00+01:00"}
    event = event_of("user.security", user_scope("ada"), {"entity": notice})
    [draft] = TRIGGERS["user.security"](event)
    assert draft.mail == {"device": "", "time": "7 Dec 2026, 06:30 UTC"}


def _draft(kind: str) -> Draft:
    event_type, scope, data, _ = CASES[kind]
    [draft] = TRIGGERS[event_type](event_of(event_type, scope, data))
    assert draft.kind == kind
    return draft


def _rendered(template: str, context: dict[str, Any]) -> tuple[str, str]:
    """A mail's subject and plain text, as the courier renders them."""
    message = render_mail(
        template,
        context,
        to="ada@example.com",
        sender="ledgerbus <no-reply@ledgerbus.localhost>",
        message_id="m-1@ledgerbus.localhost",
        unsubscribe_url=None,
    )
    part = message.get_body(("plain",))
    assert part is not None
    return str(message["Subject"]), part.get_content()


@pytest.mark.parametrize("kind", sorted(CASES))
def test_the_items_own_template_says_what_happened_under_its_title(kind: str) -> None:
    draft = _draft(kind)
    item = {"name": "Ada", "title": draft.title, "body": draft.body, "link": "https://x.test/a"}
    assert template_fields(kind) - {"reason"} <= set(draft.mail) | set(item)
    subject, text = _rendered(kind, {**draft.mail, **item})
    assert subject == draft.title
    assert CASES[kind][3] in text


def test_a_removal_names_who_removed_you() -> None:
    data = {"entity": GROUP, "user_id": "bob", "how": "removed", "by": "ada"}
    event = event_of("group.member_removed", user_scope("bob"), data)
    [draft] = TRIGGERS["group.member_removed"](event)
    assert draft.mail == {"actor": "Ada", "change": "removed", "member": "you", "group": "Flat 3B"}


def _mails(work: MemoryWork) -> dict[str, str]:
    """Each recipient's mail as the courier renders it from the delivery the item was made with:
    its plain text on one line."""
    items = {i.id: i for i in work.staged_of(NotificationDoc)}
    said = {}
    for delivery in work.staged_of(DeliveryDoc):
        item = items[delivery.notification_id]
        context = {"name": "X", "title": item.title, "body": item.body, "link": "https://x.test/a"}
        template = delivery.details.get("template") or item.kind
        subject, text = _rendered(template, {**delivery.details, **context})
        assert subject == item.title
        said[delivery.recipient_id] = " ".join(text.split())
    return said


def _bill(flat: Flat, by: str, verb: str, device: str | None = None) -> Event:
    shares = [{"user_id": u, "paid_share": "0.00", "owed_share": "10.00"} for u in flat.people]
    bill = {"id": "e1", "group_id": flat.group, "created_by": by, "amount": "30.00",
            "currency": "EUR", "description": "dinner", "shares": shares}  # fmt: skip
    event = event_of(f"group_expense.{verb}", group_scope(flat.group), {"entity": bill})
    return event.model_copy(update={"device_id": device})


@dataclass
class Flat:
    work: MemoryWork
    people: list[str]  # Ada, Bob and Cy
    group: str  # Flat 3B


@pytest.fixture
def flat() -> Flat:
    ada, bob, cy = docs.user("Ada"), docs.user("Bob"), docs.user("Cy")
    group = docs.group(ada, (bob, "member"), (cy, "member"), name="Flat 3B")
    return Flat(MemoryWork(ada, bob, cy, group), [ada.id, bob.id, cy.id], group.id)


async def test_a_bill_is_mailed_naming_who_added_it_the_group_and_each_ones_share(
    flat: Flat,
) -> None:
    ada, bob, cy = flat.people
    await make_items(_bill(flat, ada, "created"), flat.work)
    mails = _mails(flat.work)
    assert set(mails) == {bob, cy}
    assert "Ada added dinner (30.00 EUR) to Flat 3B. Your share: 10.00 EUR." in mails[bob]


async def test_a_change_names_the_member_whose_device_made_it_and_is_not_told_to_them(
    flat: Flat,
) -> None:
    ada, bob, cy = flat.people
    await make_items(_bill(flat, ada, "updated", device=f"{bob}:phone"), flat.work)
    mails = _mails(flat.work)
    assert set(mails) == {ada, cy}
    assert "Bob changed dinner in Flat 3B: it is now 30.00 EUR." in mails[ada]


async def test_a_deletion_from_no_known_device_is_told_to_everyone_by_a_member(
    flat: Flat,
) -> None:
    ada, bob, cy = flat.people
    await make_items(_bill(flat, ada, "deleted"), flat.work)
    mails = _mails(flat.work)
    assert set(mails) == {ada, bob, cy}
    assert "A member deleted dinner (30.00 EUR) from Flat 3B." in mails[cy]


async def test_a_payment_is_mailed_to_its_other_party_with_you_for_them(flat: Flat) -> None:
    ada, bob, _ = flat.people
    payment = {"id": "s1", "group_id": flat.group, "created_by": ada, "from_user": bob,
               "to_user": ada, "amount": "20.00", "currency": "EUR"}  # fmt: skip
    event = event_of("settlement.created", group_scope(flat.group), {"entity": payment})
    await make_items(event, flat.work)
    mails = _mails(flat.work)
    assert set(mails) == {bob}
    assert "Ada recorded a payment of 20.00 EUR from you to Ada in Flat 3B." in mails[bob]


async def test_a_reminder_names_who_sent_it_and_a_person_gone_is_a_former_member(
    flat: Flat,
) -> None:
    ada, bob, _ = flat.people
    for sender in (ada, "someone-erased"):
        nudge = {"group_id": flat.group, "group_name": "Flat 3B", "from_user": sender,
                 "to_user": bob, "owes": [{"amount": "12.00", "currency": "EUR"}]}  # fmt: skip
        work = flat.work.next() if sender != ada else flat.work
        await make_items(
            event_of("reminder.sent", group_scope(flat.group), {"entity": nudge}), work
        )
        [said] = _mails(work).values()
        who = "Ada" if sender == ada else "A former member"
        assert f"{who} reminds you that you owe them 12.00 EUR in Flat 3B." in said
        work.commit()


async def test_a_flag_is_mailed_naming_the_expense_and_who_added_it(flat: Flat) -> None:
    ada, bob, _ = flat.people
    flag = {
        "id": "f1",
        "expense_id": "e1",
        "kind": "group_expense",
        "owner_id": ada,
        "group_id": flat.group,
        "score": 80,
        "explanations": ["12x the usual amount"],
    }
    about = {"description": "Electronics", "amount": "2400.00", "currency": "EUR"}
    for person in (ada, bob):  # the owner's copy, and an admin's
        data = {"entity": flag, "expense": about}
        await make_items(event_of("flag.raised", user_scope(person), data), flat.work)
    mails = _mails(flat.work)
    said = "Electronics (2400.00 EUR), added by {}, looks unusual: 12x the usual amount."
    assert said.format("you") in mails[ada]
    assert said.format("Ada") in mails[bob]


def test_a_flag_whose_event_does_not_say_which_expense_is_mailed_as_the_inbox_says_it() -> None:
    flag = {"id": "f1", "expense_id": "e1", "kind": "expense", "owner_id": "ada", "score": 80}
    [draft] = TRIGGERS["flag.raised"](event_of("flag.raised", user_scope("ada"), {"entity": flag}))
    assert draft.mail == {}


async def test_simplified_debts_are_mailed_with_who_pays_whom_to_all_but_who_turned_it_on(
    flat: Flat,
) -> None:
    ada, bob, cy = flat.people
    plan = [
        {"from": bob, "to": ada, "amount": "15.00", "currency": "EUR"},
        {"from": cy, "to": ada, "amount": "5.00", "currency": "EUR"},
    ]  # as splits keeps it
    balances = GroupBalanceDoc(id=flat.group, tally={}, plan=plan, version=3, updated_at=NOW)
    mailed = {"debts_simplified": {"email": True}}  # not mailed unless one asks
    wanted = {(PreferencesDoc, p): PreferencesDoc(id=p, kinds=mailed) for p in (bob, cy)}
    work = MemoryWork(store={**flat.work.stored, (GroupBalanceDoc, flat.group): balances, **wanted})
    group = {"id": flat.group, "name": "Flat 3B", "settings": {"simplify_debts": True}}
    data = {"entity": group, "before": {**group, "settings": {"simplify_debts": False}}}
    event = event_of("group.updated", group_scope(flat.group), data)
    await make_items(event.model_copy(update={"device_id": f"{ada}:phone"}), work)
    mails = _mails(work)
    assert set(mails) == {bob, cy}  # Ada turned it on
    assert "Ada simplified the debts in Flat 3B." in mails[bob]
    assert "- Bob pays Ada 15.00 EUR - Cy pays Ada 5.00 EUR" in mails[cy]


def test_a_receipt_not_read_is_mailed_with_the_receipt_templates_failed_wording() -> None:
    event = event_of(
        "receipt.failed", user_scope("ada"), {"entity": {"id": "r", "reason": "blurred"}}
    )
    [draft] = TRIGGERS["receipt.failed"](event)
    assert draft.template is not None
    item = {"name": "Ada", "title": draft.title, "body": draft.body, "link": "https://x.test/r"}
    subject, text = _rendered(draft.template, {**draft.mail, **item})
    assert subject == "Receipt not read"
    assert "We could not read the receipt you uploaded (blurred)." in " ".join(text.split())
