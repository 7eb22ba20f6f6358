"""Preferences per kind and channel, on the stack: sensible defaults, a change heard by every
device and obeyed by the next item, security mail kept on, bad changes refused; and the one-click
unsubscribe link of a real mail, POSTed as a mail client would, without signing in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest

from actors.notifications.courier import KIND_HEADER, Courier
from actors.notifications.delivery_rules import delivery_id
from bus.settings import Settings
from storage.deliveries import DeliveryDoc
from tests.support.budget_helpers import make_budget, spend
from tests.support.helpers import Account, Stack, eventually
from tests.support.smtp_servers import Scripted
from tests.support.sockets import open_device

pytestmark = pytest.mark.integration

PATH = "/v1/notifications/preferences"


async def _prefs(stack: Stack, who: Account) -> dict[str, Any]:
    status, prefs = await stack.call("GET", PATH, who)
    assert status == 200, prefs
    return prefs  # type: ignore[no-any-return]


async def _kind_of_items(stack: Stack, who: Account, kind: str) -> list[dict[str, Any]]:
    status, page = await stack.call("GET", "/v1/notifications", who)
    assert status == 200, page
    return [i for i in page["items"] if i["kind"] == kind]


def _mails_to(mailbox: Scripted, who: Account) -> list[EmailMessage]:
    """The notification mails ``who`` was sent (not the welcome every account gets)."""
    return [
        m for m in mailbox.messages if str(m["To"]) == who.email and m[KIND_HEADER] != "welcome"
    ]


async def test_the_defaults_mail_what_matters_and_push_everything(stack: Stack) -> None:
    ada = await stack.signup("Ada")
    prefs = await _prefs(stack, ada)
    assert prefs["version"] == 0
    kinds = prefs["kinds"]
    assert kinds["budget_exceeded"] == {"email": True, "push": True, "digest": "off"}
    assert kinds["group_bill"] == {"email": True, "push": True, "digest": "off"}
    assert kinds["budget_threshold"] == {"email": False, "push": True, "digest": "off"}
    assert kinds["receipt_read"] == {"email": False, "push": True, "digest": "off"}
    assert kinds["security"] == {"email": True, "push": True, "digest": "off"}


async def test_a_change_reaches_every_device_and_the_next_item_obeys_it(
    stack: Stack, mailbox: Scripted
) -> None:
    ada = await stack.signup("Ada")
    laptop = await open_device(stack.base_url, ada.access_token)
    try:
        change = {
            "kinds": {"budget_exceeded": {"email": False}, "budget_threshold": {"email": True}}
        }
        status, prefs = await stack.call("PATCH", PATH, ada, json=change)
        assert status == 200, prefs
        assert prefs["version"] == 1
        assert prefs["kinds"]["budget_exceeded"] == {"email": False, "push": True, "digest": "off"}
        assert prefs["kinds"]["budget_threshold"] == {"email": True, "push": True, "digest": "off"}
        heard = await laptop.wait_for("notification_preferences.updated")
        assert heard[0]["data"]["entity"] == prefs
        assert await _prefs(stack, ada) == prefs

        await make_budget(stack, ada, "100.00", thresholds=[80, 100])
        await spend(stack, ada, "120.00")

        async def threshold_mailed() -> bool:
            items = await _kind_of_items(stack, ada, "budget_threshold")
            return bool(items) and items[0]["deliveries"][0]["status"] == "sent"

        await eventually(threshold_mailed)
        [overrun] = await _kind_of_items(stack, ada, "budget_exceeded")
        assert overrun["deliveries"] == []  # the inbox has it; no mail was made for it
        subjects = [str(m["Subject"]) for m in _mails_to(mailbox, ada)]
        assert len(subjects) == 1
        assert "80%" in subjects[0]
    finally:
        await laptop.close()


@pytest.mark.parametrize(
    ("change", "word"),
    [
        ({"kinds": {"security": {"email": False}}}, "cannot be turned off"),
        ({"kinds": {"weather": {"email": False}}}, "weather"),
        ({"kinds": {"group_bill": {"sms": True}}}, "sms"),
        ({"kinds": {"group_bill": {"email": "no"}}}, "email"),
        ({"kinds": {}}, "kinds"),
        ({}, "kinds"),
        ({"quiet_hours": {"start": "25:00", "end": "07:00"}}, "start"),
        ({"quiet_hours": {"start": "22:00"}}, "end"),
        ({"quiet_hours": "22:00-07:00"}, "quiet_hours"),
    ],
)
async def test_a_bad_change_is_422_and_changes_nothing(
    stack: Stack, change: dict[str, Any], word: str
) -> None:
    ada = await stack.signup("Ada")
    status, problem = await stack.call("PATCH", PATH, ada, json=change)
    assert status == 422, problem
    assert word in str(problem)
    assert (await _prefs(stack, ada))["version"] == 0


async def test_the_one_click_link_of_a_mail_stops_that_kind_without_signing_in(
    stack: Stack, mailbox: Scripted
) -> None:
    ada, bob = await stack.signup("Ada"), await stack.signup("Bob")
    await make_budget(stack, ada, "100.00", thresholds=[100])
    await spend(stack, ada, "120.00")

    async def mailed() -> EmailMessage | None:
        mails = _mails_to(mailbox, ada)
        return mails[0] if mails else None

    mail = await eventually(mailed)
    assert str(mail["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
    url = str(mail["List-Unsubscribe"]).strip("<>")
    link = urlsplit(url)
    assert f"{link.scheme}://{link.netloc}" == stack.base_url
    path = f"{link.path}?{link.query}"
    params = {k: v[0] for k, v in parse_qs(link.query).items()}
    assert (params["user"], params["kind"]) == (ada.id, "budget_exceeded")

    status, page = await stack.call("GET", path)  # a link scanner's fetch changes nothing
    assert status == 200
    assert '<form method="post"' in page
    assert (await _prefs(stack, ada))["version"] == 0

    forged = [
        {**params, "token": params["token"][:-2] + "xx"},
        {**params, "user": bob.id},
        {**params, "kind": "group_bill"},
        {**params, "kind": "security"},
    ]
    for query in forged:
        status, problem = await stack.call("POST", "/v1/notifications/unsubscribe", params=query)
        assert status == 404, (query, problem)

    status, prefs = await stack.call(
        "POST",
        path,
        data="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 200, prefs
    assert prefs["kinds"]["budget_exceeded"] == {"email": False, "push": True, "digest": "off"}
    assert (await _prefs(stack, ada))["kinds"]["budget_exceeded"]["email"] is False
    assert (await _prefs(stack, bob))["version"] == 0


async def test_quiet_hours_hold_the_mail_and_it_goes_when_they_end(
    stack: Stack, mailbox: Scripted, settings: Settings
) -> None:
    ada = await stack.signup("Ada", tz="Europe/Paris")
    local = datetime.now(ZoneInfo("Europe/Paris"))
    quiet = {
        "start": (local - timedelta(hours=1)).strftime("%H:%M"),
        "end": (local + timedelta(hours=1)).strftime("%H:%M"),
    }
    status, prefs = await stack.call("PATCH", PATH, ada, json={"quiet_hours": quiet})
    assert status == 200, prefs
    assert prefs["quiet_hours"] == quiet

    await make_budget(stack, ada, "100.00", thresholds=[100])
    await spend(stack, ada, "120.00")

    async def overrun() -> dict[str, Any] | None:  # in the inbox at once
        items = await _kind_of_items(stack, ada, "budget_exceeded")
        return items[0] if items else None

    item = await eventually(overrun)
    [held] = item["deliveries"]
    assert (held["status"], held["attempts"]) == ("pending", 0)
    due = datetime.fromisoformat(held["due_at"])
    assert timedelta(minutes=55) < due - datetime.now(UTC) <= timedelta(hours=1, minutes=1)
    ident = delivery_id(item["id"], "email")
    courier = Courier(settings)  # a sender asked to send it now finds it not due
    assert await courier.deliver(ident) is None
    assert _mails_to(mailbox, ada) == []

    await DeliveryDoc.get_pymongo_collection().update_one(  # the quiet hours end
        {"_id": ident}, {"$set": {"due_at": datetime.now(UTC)}}
    )

    async def sent() -> bool:  # the stack's sweep sends it
        return bool(_mails_to(mailbox, ada))

    await eventually(sent)
    [mail] = _mails_to(mailbox, ada)
    assert str(mail["Subject"]) == item["title"]

    status, prefs = await stack.call("PATCH", PATH, ada, json={"quiet_hours": None})
    assert (status, prefs["quiet_hours"]) == (200, None)
