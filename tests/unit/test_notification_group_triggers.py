"""What a group's life and a recurring rule tell whom: added to or removed from a group (told
once, from the person's own copy of the event), someone joining by your invite, a reminder to
pay, debts simplified, and a recurring expense made; never the person who did it."""

from __future__ import annotations

from typing import Any

from actors.notifications.triggers import TRIGGERS
from bus.envelopes import Event
from bus.ids import group_scope, user_scope
from tests.support.events import event_of

GROUP = "g1"


def _group(*members: tuple[str, str], simplify: bool = False) -> dict[str, Any]:
    return {
        "id": GROUP,
        "name": "Flat 3B",
        "settings": {"simplify_debts": simplify},
        "members": [{"user_id": u, "name": n, "role": "member"} for u, n in members],
    }


def _membership(kind: str, how: str, member: str, by: str | None) -> list[Event]:
    """The event in both scopes, as the splits actor emits it."""
    group = _group(("ada", "Ada"), ("bob", "Bob"))
    data: dict[str, Any] = {"entity": group, "user_id": member, "how": how, "by": by}
    return [event_of(kind, group_scope(GROUP), data), event_of(kind, user_scope(member), data)]


def _told(events: list[Event]) -> list[tuple[str, tuple[str, ...], str | None, str]]:
    return [
        (d.kind, d.recipients, d.group_members, d.title)
        for e in events
        if e.type in TRIGGERS
        for d in TRIGGERS[e.type](e)
    ]


def test_someone_added_to_a_group_is_told_once_and_who_added_them_not_at_all() -> None:
    assert _told(_membership("group.member_added", "added", "bob", "ada")) == [
        ("group_membership", ("bob",), None, "You were added to Flat 3B")
    ]


def test_someone_removed_is_told_but_not_someone_who_left() -> None:
    assert _told(_membership("group.member_removed", "removed", "bob", "ada")) == [
        ("group_membership", ("bob",), None, "You were removed from Flat 3B")
    ]
    assert "group.member_left" not in TRIGGERS  # leaving is one's own doing
    assert _told(_membership("group.member_removed", "left", "bob", "bob")) == []


def test_whoever_made_the_invite_hears_who_joined_by_it() -> None:
    told = _told(_membership("group.member_added", "invite", "bob", "ada"))
    assert told == [("invite_accepted", ("ada",), None, "Bob joined Flat 3B")]
    assert _told(_membership("group.member_added", "invite", "ada", "ada")) == []


def test_a_reminder_is_for_the_member_who_owes_with_what_they_owe() -> None:
    entity = {
        "group_id": GROUP,
        "group_name": "Flat 3B",
        "from_user": "ada",
        "to_user": "bob",
        "note": "rent",
        "owes": [{"currency": "EUR", "amount": "15.00"}, {"currency": "USD", "amount": "2.50"}],
    }
    [draft] = TRIGGERS["reminder.sent"](
        event_of("reminder.sent", user_scope("bob"), {"entity": entity})
    )
    assert (draft.kind, draft.recipients, draft.actor_id) == ("payment_reminder", ("bob",), "ada")
    assert draft.body == "You owe 15.00 EUR, 2.50 USD in Flat 3B. “rent”"
    assert draft.amounts == [
        {"amount": "15.00", "currency": "EUR"},
        {"amount": "2.50", "currency": "USD"},
    ]


def test_debts_simplified_is_told_to_the_group_only_when_it_is_turned_on() -> None:
    def updated(before: bool, after: bool) -> list[Event]:
        data = {"entity": _group(simplify=after), "before": _group(simplify=before)}
        return [event_of("group.updated", group_scope(GROUP), data)]

    assert _told(updated(False, True)) == [
        ("debts_simplified", (), GROUP, "Debts simplified in Flat 3B")
    ]
    assert _told(updated(True, True)) == []  # a rename: nothing about debts
    assert _told(updated(True, False)) == []


def test_a_recurring_rule_that_made_its_expense_tells_its_owner() -> None:
    template = {"amount": "9.99", "currency": "EUR", "description": "streaming"}
    rule = {"id": "r1", "template": template, "made": 3, "last_occurrence": "2026-12-01"}

    def advanced(before: int, after: int) -> list[Event]:
        data = {"entity": {**rule, "made": after}, "before": {**rule, "made": before}}
        return [event_of("recurring.advanced", user_scope("ada"), data)]

    [(kind, recipients, _, title)] = _told(advanced(2, 3))
    assert (kind, recipients, title) == (
        "recurring_made",
        ("ada",),
        "Recurring expense added: streaming",
    )
    assert _told(advanced(3, 3)) == []  # moved on without making one (refused)
