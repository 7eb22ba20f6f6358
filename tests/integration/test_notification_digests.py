"""Digests on the stack: a kind gathered daily is not mailed item by item; once the day has
ended in the person's timezone, two notifications processes looking at once write its digest
once, and it is mailed once, listing the day's items."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from actors.notifications.courier import KIND_HEADER, Courier
from actors.notifications.delivery_result import Sent
from actors.notifications.digests import DigestClock
from bus.settings import Settings
from storage.deliveries import DeliveryDoc
from tests.support.budget_helpers import make_budget, spend
from tests.support.helpers import Stack, eventually
from tests.support.smtp_servers import Scripted

pytestmark = pytest.mark.integration


PARIS = ZoneInfo("Europe/Paris")


def _day_after(made_at: str) -> datetime:
    """Noon in Paris of the day after the one an item was made in there (that day has ended,
    whatever the hour in UTC when the test runs)."""
    day = datetime.fromisoformat(made_at).astimezone(PARIS).date()
    return datetime.combine(day + timedelta(days=1), time(12), PARIS).astimezone(UTC)


async def test_a_daily_digest_is_written_once_by_two_processes_and_mailed_once(
    stack: Stack, settings: Settings, mailbox: Scripted
) -> None:
    ada = await stack.signup("Ada", tz="Europe/Paris")
    change = {"kinds": {"budget_exceeded": {"digest": "daily"}}}
    status, prefs = await stack.call("PATCH", "/v1/notifications/preferences", ada, json=change)
    assert status == 200, prefs
    assert prefs["kinds"]["budget_exceeded"] == {"email": True, "push": True, "digest": "daily"}
    await make_budget(stack, ada, "100.00", thresholds=[100])
    await spend(stack, ada, "120.00")

    async def overrun() -> dict[str, Any] | None:
        status, page = await stack.call("GET", "/v1/notifications", ada)
        assert status == 200, page
        found = [i for i in page["items"] if i["kind"] == "budget_exceeded"]
        return found[0] if found else None

    item = await eventually(overrun)
    assert item["deliveries"] == []  # its mail waits for the digest

    later = _day_after(item["created_at"])
    woken: list[str] = []
    one, two = (DigestClock(settings, woken.append, clock=lambda: later) for _ in range(2))
    made = await asyncio.gather(one.tick(), two.tick())
    assert sorted(made) == [0, 1]  # Ada's day (nobody else in this stack gathers a digest)
    [ident] = woken
    digest = await DeliveryDoc.get(ident)
    assert digest is not None
    assert (digest.recipient_id, digest.kind, digest.status) == (ada.id, "digest", "pending")
    assert digest.details["period"] == "daily"
    assert await one.tick() == 0  # the period's digest is written: nothing more

    courier = Courier(settings, clock=lambda: later)
    assert isinstance(await courier.deliver(digest.id), Sent)
    assert await courier.deliver(digest.id) is None
    mails = [
        m for m in mailbox.messages if str(m["To"]) == ada.email and m[KIND_HEADER] != "welcome"
    ]
    [mail] = mails
    assert (mail[KIND_HEADER], str(mail["Subject"])) == (
        "digest",
        "Your day on ledgerbus: 1 update",
    )
    text = mail.get_body(("plain",))
    assert text is not None
    assert item["title"] in text.get_content()
    assert "in the last day" in text.get_content()
