"""Notifications by email, exactly once per (item, channel): end to end on the stack (an
overrun mailed once, the item saying so), and the courier against SMTP servers that answer
451, 550, or nothing in time, with two couriers racing for the same delivery."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest

from actors.notifications.courier import KIND_HEADER, Courier
from actors.notifications.delivery_result import PermanentFailure, Sent, TemporaryFailure
from actors.notifications.delivery_rules import delivery_id
from bus.envelopes import utcnow
from bus.settings import Settings
from storage.deliveries import DeliveryDoc
from storage.notifications import NotificationDoc
from tests.support.budget_helpers import make_budget, spend
from tests.support.group_helpers import add_bill, equal_bill, make_group
from tests.support.helpers import Account, Stack, eventually
from tests.support.smtp_servers import Scripted, serve

pytestmark = pytest.mark.integration


async def _items(stack: Stack, who: Account) -> list[dict[str, Any]]:
    status, page = await stack.call("GET", "/v1/notifications", who)
    assert status == 200, page
    return page["items"]  # type: ignore[no-any-return]


async def test_an_overrun_is_mailed_once_and_its_item_says_sent(
    stack: Stack, mailbox: Scripted
) -> None:
    ada = await stack.signup("Ada")
    await make_budget(stack, ada, "100.00", thresholds=[80, 100])
    await spend(stack, ada, "120.00")

    async def overrun_sent() -> dict[str, Any] | None:
        for item in await _items(stack, ada):
            sent = [d for d in item["deliveries"] if d["status"] == "sent"]
            if item["kind"] == "budget_exceeded" and sent:
                return item
        return None

    item = await eventually(overrun_sent)
    [delivery] = item["deliveries"]
    assert (delivery["channel"], delivery["attempts"], delivery["last_error"]) == ("email", 1, None)
    threshold = [i for i in await _items(stack, ada) if i["kind"] == "budget_threshold"]
    assert threshold
    assert all(i["deliveries"] == [] for i in threshold)

    mails = [
        m
        for m in mailbox.messages
        if str(m["To"]) == ada.email and m[KIND_HEADER] != "welcome"
    ]
    assert len(mails) == 1
    [mail] = mails
    assert str(mail["Message-ID"]) == f"<{delivery_id(item['id'], 'email')}@ledgerbus.localhost>"
    assert str(mail["Subject"]) == item["title"]
    text = mail.get_body(("plain",))
    assert text is not None
    words = " ".join(text.get_content().split())  # as read: lines are wrapped, CRLF on the wire
    assert "Hi Ada," in words
    assert "You have spent 120.00 EUR on " in words  # its kind's own template
    assert "20.00 EUR over its limit of 100.00 EUR." in words
    assert f"/budget/{item['link']['id']}" in words


async def test_a_bill_is_mailed_naming_who_added_it_the_group_and_ones_share(
    stack: Stack, mailbox: Scripted
) -> None:
    ada, bob = await stack.signup("Ada"), await stack.signup("Bob")
    group = await make_group(stack, ada, bob, name=f"Flat {uuid.uuid4().hex[:6]}")
    await add_bill(stack, ada, group["id"], equal_bill("30.00", ada, [ada, bob]))

    def bills_to(who: Account) -> list[Any]:
        return [
            m
            for m in mailbox.messages
            if str(m["To"]) == who.email and m[KIND_HEADER] == "group_bill"
        ]

    async def bobs() -> list[Any] | None:
        return bills_to(bob) or None

    [mail] = await eventually(bobs)
    assert str(mail["Subject"]) == "Bill added: dinner"
    text = mail.get_body(("plain",))
    assert text is not None
    words = " ".join(text.get_content().split())
    assert f"Ada added dinner (30.00 EUR) to {group['name']}. Your share: 15.00 EUR." in words
    assert bills_to(ada) == []  # who added it is not told


async def test_simplified_debts_are_mailed_with_who_pays_whom(
    stack: Stack, mailbox: Scripted
) -> None:
    ada, bob, cy = await stack.signup("Ada"), await stack.signup("Bob"), await stack.signup("Cy")
    mailed = {"kinds": {"debts_simplified": {"email": True}}}
    status, _ = await stack.call("PATCH", "/v1/notifications/preferences", bob, json=mailed)
    assert status == 200
    name = f"Flat {uuid.uuid4().hex[:6]}"
    group = await make_group(stack, ada, bob, cy, name=name, settings={"simplify_debts": False})
    await add_bill(stack, ada, group["id"], equal_bill("30.00", ada, [ada, bob, cy]))
    on = {"settings": {"simplify_debts": True}}
    phone = {"X-Device-Id": "ada-phone"}
    status, _ = await stack.call("PATCH", f"/v1/groups/{group['id']}", ada, json=on, headers=phone)
    assert status == 200

    async def bobs() -> list[Any] | None:
        return [
            m
            for m in mailbox.messages
            if str(m["To"]) == bob.email and m[KIND_HEADER] == "debts_simplified"
        ] or None

    [mail] = await eventually(bobs)
    text = mail.get_body(("plain",))
    assert text is not None
    words = " ".join(text.get_content().split())
    assert f"Ada simplified the debts in {name}." in words
    assert "Who pays whom now:" in words
    assert "- Bob pays Ada 10.00 EUR" in words  # in the plan's order, which follows the ids
    assert "- Cy pays Ada 10.00 EUR" in words


# ---- the courier on its own, against servers that misbehave ---------------------------------


AHEAD = timedelta(days=1)


def _later() -> datetime:
    """The time these couriers live in: a day ahead, so that the deliveries made here are not yet
    due for the stack's own courier (sweeping on the real clock), which would race them."""
    return utcnow() + AHEAD


async def _delivery(stack: Stack) -> tuple[Account, str]:
    """A person, an item for them and its email delivery, as the inbox writes them (due on the
    couriers' clock)."""
    ada = await stack.signup("Ada")
    now = _later()
    item = NotificationDoc(
        id=str(uuid.uuid4()),
        recipient_id=ada.id,
        kind="goal_achieved",
        title="Goal reached: New bike",
        body="You saved 1200.00 EUR of 1200.00 EUR.",
        link={"entity": "goal", "id": "g1"},
        event_id=str(uuid.uuid4()),
        created_at=now,
        version=1,
    )
    await item.insert()
    ident = delivery_id(item.id, "email")
    await DeliveryDoc(
        id=ident,
        notification_id=item.id,
        recipient_id=ada.id,
        kind=item.kind,
        channel="email",
        due_at=now,
        created_at=now,
    ).insert()
    return ada, ident


def _courier(settings: Settings, port: int, **changes: Any) -> Courier:
    """A courier of its own (not started: the test calls ``deliver``) sending to ``port``."""
    return Courier(
        settings.model_copy(update={"smtp_port": port, "smtp_timeout_s": 5.0, **changes}),
        clock=_later,
    )


async def _record(ident: str) -> DeliveryDoc:
    found = await DeliveryDoc.get(ident)
    assert found is not None
    return found


async def test_a_451_is_retried_later_and_sent_once(stack: Stack, settings: Settings) -> None:
    handler = Scripted(replies=["451 4.3.0 try again later"])
    server, port = await serve(handler)
    try:
        _, ident = await _delivery(stack)
        courier = _courier(settings, port, notification_retry_base_s=30.0)
        first = await courier.deliver(ident)
        assert isinstance(first, TemporaryFailure)
        assert "451" in first.reason
        waiting = await _record(ident)
        assert (waiting.status, waiting.attempts, waiting.claimed_by) == ("retrying", 1, None)
        assert waiting.due_at > _later() + timedelta(seconds=25)  # the backoff is kept
        assert await courier.deliver(ident) is None  # not due yet: nothing sent
        assert len(handler.messages) == 1

        await DeliveryDoc.get_pymongo_collection().update_one(
            {"_id": ident}, {"$set": {"due_at": _later()}}
        )  # its time comes
        second = await courier.deliver(ident)
        assert isinstance(second, Sent)
        done = await _record(ident)
        assert (done.status, done.attempts, done.last_error) == ("sent", 2, None)
        ids = handler.message_ids()
        assert len(ids) == 2
        assert ids[0] == ids[1]
        assert await courier.deliver(ident) is None  # sent: never again
        assert len(handler.messages) == 2
    finally:
        server.close()


async def test_a_550_fails_for_good_with_its_reason(stack: Stack, settings: Settings) -> None:
    handler = Scripted(replies=["550 5.1.1 no such mailbox"])
    server, port = await serve(handler)
    try:
        _, ident = await _delivery(stack)
        courier = _courier(settings, port)
        outcome = await courier.deliver(ident)
        assert isinstance(outcome, PermanentFailure)
        failed = await _record(ident)
        assert failed.status == "failed"
        assert failed.last_error is not None
        assert "550" in failed.last_error
        await DeliveryDoc.get_pymongo_collection().update_one(
            {"_id": ident}, {"$set": {"due_at": _later()}}
        )
        assert await courier.deliver(ident) is None  # a failed delivery is not tried again
        assert len(handler.messages) == 1
    finally:
        server.close()


async def test_temporary_failures_give_up_after_the_last_attempt(
    stack: Stack, settings: Settings
) -> None:
    handler = Scripted(replies=["421 4.7.0 busy"] * 3)
    server, port = await serve(handler)
    try:
        _, ident = await _delivery(stack)
        courier = _courier(settings, port, notification_max_attempts=3)
        outcomes = []
        for _ in range(3):
            outcomes.append(await courier.deliver(ident))
            await DeliveryDoc.get_pymongo_collection().update_one(
                {"_id": ident}, {"$set": {"due_at": _later()}}
            )
        assert [type(o) for o in outcomes] == [TemporaryFailure] * 3
        gave_up = await _record(ident)
        assert gave_up.status == "failed"
        assert gave_up.attempts == 3
        assert gave_up.last_error is not None
        assert gave_up.last_error.startswith("gave up after 3 attempts: 421")
        assert await courier.deliver(ident) is None
    finally:
        server.close()


async def test_two_couriers_racing_for_one_delivery_send_it_once(
    stack: Stack, settings: Settings
) -> None:
    handler = Scripted(hold_s=[0.5])  # the first send is slow: the second courier comes meanwhile
    server, port = await serve(handler)
    try:
        _, ident = await _delivery(stack)
        one, two = _courier(settings, port), _courier(settings, port)
        outcomes = await asyncio.gather(one.deliver(ident), two.deliver(ident))
        assert sorted(type(o).__name__ for o in outcomes) == ["NoneType", "Sent"]
        assert len(handler.messages) == 1
        assert (await _record(ident)).status == "sent"
    finally:
        server.close()


async def test_a_claim_left_by_a_dead_sender_lapses_and_the_mail_goes_again_under_its_id(
    stack: Stack, settings: Settings
) -> None:
    handler = Scripted()
    server, port = await serve(handler)
    try:
        _, ident = await _delivery(stack)
        deliveries = DeliveryDoc.get_pymongo_collection()

        async def held_until(until: datetime) -> None:  # by a sender now gone
            await deliveries.update_one(
                {"_id": ident}, {"$set": {"claimed_by": "gone", "claimed_until": until}}
            )

        courier = _courier(settings, port)
        await held_until(_later() + timedelta(minutes=5))
        assert await courier.deliver(ident) is None  # still held
        assert handler.messages == []
        await held_until(_later() - timedelta(seconds=1))  # its lease has run out
        assert isinstance(await courier.deliver(ident), Sent)
        assert (await _record(ident)).claimed_by is None
        assert handler.message_ids() == [
            f"<{ident}@ledgerbus.localhost>"
        ]  # the key the provider dedups on
    finally:
        server.close()
