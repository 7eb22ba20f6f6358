"""An item whose event gives its kind's own mail template every field is mailed with that
template: rendered here from the drafts the real triggers make, with the item's title as the
subject (the mail and the inbox say the same), and nothing the template reads left missing."""

from __future__ import annotations

from typing import Any

import pytest

from actors.notifications.drafts import Draft
from actors.notifications.mail import render_mail, template_fields
from actors.notifications.triggers import TRIGGERS
from bus.ids import group_scope, user_scope
from tests.support.events import event_of

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
}  # fmt: skip


def _draft(kind: str) -> Draft:
    event_type, scope, data, _ = CASES[kind]
    [draft] = TRIGGERS[event_type](event_of(event_type, scope, data))
    assert draft.kind == kind
    return draft


@pytest.mark.parametrize("kind", sorted(CASES))
def test_the_items_own_template_says_what_happened_under_its_title(kind: str) -> None:
    draft = _draft(kind)
    item = {"name": "Ada", "title": draft.title, "body": draft.body, "link": "https://x.test/a"}
    assert template_fields(kind) - {"reason"} <= set(draft.mail) | set(item)
    message = render_mail(
        kind,
        {**draft.mail, **item},
        to="ada@example.com",
        sender="ledgerbus <no-reply@ledgerbus.localhost>",
        message_id="m-1@ledgerbus.localhost",
        unsubscribe_url=None,
    )
    assert message["Subject"] == draft.title
    part = message.get_body(("plain",))
    assert part is not None
    assert CASES[kind][3] in part.get_content()


def test_a_removal_names_who_removed_you() -> None:
    data = {"entity": GROUP, "user_id": "bob", "how": "removed", "by": "ada"}
    event = event_of("group.member_removed", user_scope("bob"), data)
    [draft] = TRIGGERS["group.member_removed"](event)
    assert draft.mail == {"actor": "Ada", "change": "removed", "member": "you", "group": "Flat 3B"}


def test_kinds_whose_events_lack_names_are_mailed_as_the_inbox_says_them() -> None:
    bill = {"id": "e1", "group_id": "g1", "created_by": "ada", "amount": "30.00",
            "currency": "EUR", "description": "dinner",
            "shares": [{"user_id": "ada"}, {"user_id": "bob"}]}  # fmt: skip
    event = event_of("group_expense.created", group_scope("g1"), {"entity": bill})
    [draft] = TRIGGERS["group_expense.created"](event)
    assert draft.mail == {}  # the generic template: title and sentence
