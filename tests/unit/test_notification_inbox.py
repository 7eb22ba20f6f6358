"""The inbox on the in-memory work: the items an event makes and for whom, nothing made twice
for an event delivered again, and reading and archiving only one's own items."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from actors.kernel import FollowsCommits
from actors.notifications.account_mail import asked_by, queue_account_mail
from actors.notifications.courier import Courier
from actors.notifications.delivery_rules import delivery_id
from actors.notifications.inbox import archive_notification, make_items, read_notifications
from actors.notifications.runtime import NotificationsRuntime
from actors.notifications.triggers import TRIGGERS
from bus.envelopes import Event
from bus.ids import group_scope, inbox_scope, user_scope
from bus.notifications import ArchiveNotification, ReadNotifications
from bus.settings import Settings
from storage.deliveries import DeliveryDoc
from storage.notifications import NotificationDoc
from storage.push_devices import PushDeviceDoc
from tests.support import budget_docs as docs
from tests.support.expense_docs import user_doc
from tests.support.fake_work import NOW, MemoryWork, command, decide

pytestmark = pytest.mark.usefixtures("documents")


def _event(event_type: str, scope: str, entity: dict[str, Any]) -> Event:
    return Event(
        event_id=docs.new_id(),
        type=event_type,
        command_id=docs.new_id(),
        scope=scope,
        seq=1,
        occurred_at=NOW,
        data={"entity": entity, "version": 1},
    )


def _alert(scope: str, kind: str = "budget.exceeded") -> Event:
    entity = {
        "budget_id": docs.new_id(),
        "name": "Food",
        "group_id": None,
        "period_start": "2026-11-01",
        "period_end": "2026-11-30",
        "threshold": 100,
        "spent": "512.40",
        "available": "-12.40",
        "percent_used": "102.5",
        "currency": "EUR",
    }
    return _event(kind, scope, entity)


def _bill(group_id: str, by: str, sharers: list[str], verb: str = "created") -> Event:
    shares = [{"user_id": u, "paid_share": "0.00", "owed_share": "10.00"} for u in sharers]
    entity = {
        "id": docs.new_id(),
        "group_id": group_id,
        "created_by": by,
        "amount": "30.00",
        "currency": "EUR",
        "description": "Groceries",
        "shares": shares,
    }
    return _event(f"group_expense.{verb}", group_scope(group_id), entity)


def _items(work: MemoryWork) -> list[NotificationDoc]:
    return work.staged_of(NotificationDoc)


async def test_a_budget_overrun_makes_one_item_for_its_owner_and_tells_their_devices() -> None:
    ada = docs.user("ada")
    work = MemoryWork(ada)
    await make_items(_alert(user_scope(ada.id)), work)
    [item] = _items(work)
    assert (item.recipient_id, item.kind, item.read_at) == (ada.id, "budget_exceeded", None)
    assert item.title == "Food is over budget"
    assert "512.40 EUR" in item.body
    assert item.amounts == [{"amount": "512.40", "currency": "EUR"}]
    assert item.link["entity"] == "budget"
    [told] = work.events
    assert (told.scope, told.type) == (inbox_scope(ada.id), "notification.created")
    assert told.data["entity"]["id"] == item.id


async def test_a_group_budget_alert_reaches_every_member() -> None:
    ada, bob = docs.user("ada"), docs.user("bob")
    flat = docs.group(ada, (bob, "member"))
    work = MemoryWork(ada, bob, flat)
    alert = _alert(group_scope(flat.id), "budget.threshold_crossed")
    alert.data["entity"]["threshold"] = 80
    await make_items(alert, work)
    assert sorted(i.recipient_id for i in _items(work)) == sorted([ada.id, bob.id])
    assert {i.kind for i in _items(work)} == {"budget_threshold"}


async def test_a_bill_reaches_those_who_share_in_it_but_not_who_added_it() -> None:
    ada, bob, cy = docs.new_id(), docs.new_id(), docs.new_id()
    group_id = docs.new_id()
    work = MemoryWork()
    await make_items(_bill(group_id, ada, [ada, bob, cy]), work)
    assert sorted(i.recipient_id for i in _items(work)) == sorted([bob, cy])
    assert {i.actor_id for i in _items(work)} == {ada}
    assert {i.title for i in _items(work)} == {"Bill added: Groceries"}


async def test_an_event_delivered_again_makes_nothing_new() -> None:
    ada = docs.user("ada")
    event = _alert(user_scope(ada.id))
    first = MemoryWork(ada)
    await make_items(event, first)
    first.commit()
    again = first.next()
    await make_items(event, again)
    assert _items(again) == []
    assert again.events == []


async def test_an_event_nobody_follows_makes_nothing() -> None:
    work = MemoryWork()
    await make_items(_event("expense.created", user_scope(docs.new_id()), {"id": "x"}), work)
    assert _items(work) == []
    assert "expense.created" not in TRIGGERS


async def test_reading_marks_ones_own_items_and_tells_every_device_once() -> None:
    ada = docs.user("ada")
    work = MemoryWork(ada)
    for _ in range(3):
        await make_items(_alert(user_scope(ada.id)), work)
    ids = [i.id for i in _items(work)]
    work.commit()
    marking = work.next()
    sent = command("notification.read", ada.id, {"ids": ids[:2]})
    decision = await decide(read_notifications, sent, ReadNotifications(ids=ids[:2]), marking)
    assert decision.accepted
    assert decision.entity is not None
    assert decision.entity["ids"] == ids[:2]
    [told] = [e for e in marking.committed if e.type == "notification.read"]
    assert (told.type, told.scope) == ("notification.read", inbox_scope(ada.id))
    rest = marking.next()
    sent = command("notification.read", ada.id, {"all": True})
    decision = await decide(read_notifications, sent, ReadNotifications(all=True), rest)
    assert decision.entity is not None
    assert decision.entity["ids"] == ids[2:]
    assert all(rest.one(NotificationDoc, i).read_at == NOW for i in ids)


async def test_nobody_reads_or_archives_someone_elses_item() -> None:
    ada, eve = docs.user("ada"), docs.user("eve")
    work = MemoryWork(ada, eve)
    await make_items(_alert(user_scope(ada.id)), work)
    [item] = _items(work)
    work.commit()
    trying = work.next()
    sent = command("notification.read", eve.id, {"ids": [item.id]})
    refused = await decide(read_notifications, sent, ReadNotifications(ids=[item.id]), trying)
    assert (refused.accepted, refused.code) == (False, "not_found")
    sent = command("notification.archive", eve.id, {"id": item.id})
    refused = await decide(archive_notification, sent, ArchiveNotification(id=item.id), trying)
    assert (refused.accepted, refused.code) == (False, "not_found")
    assert trying.one(NotificationDoc, item.id).read_at is None


def test_read_takes_ids_or_all_never_both_or_neither() -> None:
    with pytest.raises(ValueError, match="either ids"):
        ReadNotifications(ids=[docs.new_id()], all=True)
    with pytest.raises(ValueError, match="either ids"):
        ReadNotifications()
    with pytest.raises(ValueError, match="at most 100"):
        ReadNotifications(ids=[docs.new_id() for _ in range(101)])


async def test_going_over_says_so_once_not_also_as_reaching_100_percent() -> None:
    ada = docs.user("ada")
    work = MemoryWork(ada)
    at_80 = _alert(user_scope(ada.id), "budget.threshold_crossed")
    at_80.data["entity"]["threshold"] = 80
    at_100 = _alert(user_scope(ada.id), "budget.threshold_crossed")
    for event in (at_80, at_100, _alert(user_scope(ada.id))):
        await make_items(event, work)
    assert sorted(i.kind for i in _items(work)) == ["budget_exceeded", "budget_threshold"]
    assert {i.title for i in _items(work)} == {"Food: 80% used", "Food is over budget"}


async def test_a_security_notice_is_an_item_mailed_even_in_quiet_hours() -> None:
    person = docs.new_id()
    notice = {"id": docs.new_id(), "what": "password_changed", "sessions_ended": 1, "at": "x"}
    event = _event("user.security", user_scope(person), notice)
    work = MemoryWork()
    await make_items(event, work)
    [item] = work.staged_of(NotificationDoc)
    assert (item.recipient_id, item.kind, item.title) == (
        person,
        "security",
        "Your password was changed",
    )
    [mail] = work.staged_of(DeliveryDoc)
    assert (mail.channel, mail.due_at) == ("email", NOW)  # by default, and never held


async def test_an_account_mail_is_one_delivery_with_no_item_written_once() -> None:
    person = docs.new_id()
    link = {"id": docs.new_id(), "purpose": "reset_password", "email": "ada@example.com"}
    event = _event("user.password_reset_requested", user_scope(person), link)
    work = MemoryWork()
    await queue_account_mail(event, work)
    await queue_account_mail(event, work)  # the event delivered again
    [mail] = work.staged_of(DeliveryDoc)
    assert (mail.kind, mail.notification_id, mail.target, mail.recipient_id) == (
        "reset_password",
        link["id"],
        "ada@example.com",
        person,
    )
    assert work.staged_of(NotificationDoc) == []


class _Rates:
    """A rate book of one rate: 1 EUR = 0.9375 CHF, on any day."""

    def convert(self, amount: Decimal, frm: str, to: str, on: date) -> Decimal | None:
        return amount * Decimal("0.9375") if (frm, to) == ("EUR", "CHF") else None


async def test_an_amount_is_also_shown_in_the_recipients_own_currency() -> None:
    ada = user_doc("ada", home_currency="EUR")
    bo = user_doc("bo", home_currency="CHF")
    cy = user_doc("cy", home_currency="JPY")  # no rate known: the amount as the event gave it
    work = MemoryWork(ada, bo, cy, runtime=_Rates())
    await make_items(_bill(docs.new_id(), ada.id, [ada.id, bo.id, cy.id]), work)
    items = {i.recipient_id: i for i in _items(work)}
    assert items[bo.id].amounts == [
        {
            "amount": "30.00",
            "currency": "EUR",
            "display_amount": "28.12",  # 28.125, half-even
            "display_currency": "CHF",
        }
    ]
    assert items[bo.id].body.endswith("(about 28.12 CHF)")
    assert items[cy.id].amounts == [{"amount": "30.00", "currency": "EUR"}]
    assert "about" not in items[cy.id].body


def test_an_account_event_names_the_mails_it_asks_for_so_the_courier_is_woken_for_them() -> None:
    person = docs.new_id()
    link = {"id": docs.new_id(), "purpose": "verify_email", "email": "ada@example.com"}
    registered = _event("user.registered", user_scope(person), {"id": person})
    registered.data["verification"] = link
    [welcome] = asked_by(registered)
    assert (welcome.kind, welcome.about, welcome.to) == ("welcome", link["id"], "ada@example.com")
    moved = {
        "id": docs.new_id(),
        "what": "email_changed",
        "old_email": "ada@old.example",
        "new_email": "ada@new.example",
        "at": NOW.isoformat(),
    }
    [told] = asked_by(_event("user.security", user_scope(person), moved))
    assert (told.kind, told.to, told.details["new_email"]) == (
        "email_changed_old_address",
        "ada@old.example",
        "ada@new.example",
    )
    changed = {**moved, "what": "password_changed"}
    assert asked_by(_event("user.security", user_scope(person), changed)) == []
    assert asked_by(_alert(user_scope(person))) == []


def test_the_runtime_sends_a_committed_account_mail_at_once(tmp_path: Path) -> None:
    runtime = NotificationsRuntime(Settings(data_dir=tmp_path))
    woken: list[str] = []
    runtime.courier.send_soon = woken.append  # type: ignore[method-assign,assignment]
    person = docs.new_id()
    link = {"id": docs.new_id(), "purpose": "reset_password", "email": "ada@example.com"}
    asked = _event("user.password_reset_requested", user_scope(person), link)
    assert isinstance(runtime, FollowsCommits)
    runtime.committed([asked, _alert(user_scope(person))])
    assert woken == [delivery_id(link["id"], "email", "reset_password")]


async def test_the_courier_is_woken_for_every_delivery_an_item_has_from_its_event_alone(
    tmp_path: Path,
) -> None:
    ada = docs.user("ada")
    phone = PushDeviceDoc(
        id=docs.new_id(), user_id=ada.id, provider="fcm", token="t-1", created_at=NOW
    )
    work = MemoryWork(ada, phone)
    await make_items(_alert(user_scope(ada.id)), work)
    written = {d.id for d in work.staged_of(DeliveryDoc)}
    [told] = work.commit()
    assert len(written) == 2  # the mail and the phone's push
    courier = Courier(Settings(data_dir=tmp_path))
    woken: list[str] = []
    courier._start = woken.append  # type: ignore[method-assign]
    message = SimpleNamespace(data=told.to_record().to_event().model_dump_json().encode())
    await courier._woken(message)  # type: ignore[arg-type]
    assert sorted(woken) == sorted(written)  # no query: the ids derive from what the event says
