"""A bill for a whole group: one member adds a bill split equally among all ``group`` members,
and every other member gets an item on their device and a mail. For each bill: the time from
the request to the last device and to the first and last mail, and the mails per second
between those two (the courier's rate with one notifications process)."""

from __future__ import annotations

import time

from deploy.bench.groups.api import make_group
from deploy.bench.http import session
from deploy.bench.notifications.arrivals import Devices, Key, MailCatcher
from deploy.bench.notifications.people import CURRENCY, REQUEST_TIMEOUT_S, email_of, must
from deploy.bench.notifications.results import BillFigures, FanOutFigures
from deploy.bench.stats import latency_summary
from deploy.bench.users import BenchUser, sign_up_many

ARRIVAL_WAIT_S = 60.0


def _ms(seconds: float | None) -> float | None:
    return round(seconds * 1000.0, 1) if seconds is not None else None


async def fan_out(base_url: str, size: int, bills: int, mail: MailCatcher) -> FanOutFigures:
    """``size`` people in a group, every member but the payer with a device; ``bills`` bills."""
    members: list[BenchUser] = await sign_up_many(base_url, size)
    group_id = await make_group(base_url, members)
    emails = {m.id: await email_of(base_url, m) for m in members[1:]}
    devices = Devices()
    figures: list[BillFigures] = []
    try:
        for member in members[1:]:
            await devices.connect(base_url, member.id, member.token)
        async with session(base_url, members[0].token, REQUEST_TIMEOUT_S) as http:
            for n in range(bills):
                description = f"Bench dinner {n}"
                title = f"Bill added: {description}"
                on_device: set[Key] = {(m, title) for m in emails}
                in_mail: set[Key] = {(e, title) for e in emails.values()}
                body = {
                    "amount": f"{size}.00",
                    "currency": CURRENCY,
                    "description": description,
                    "date": "2026-12-01",
                    "paid_by": [{"user_id": members[0].id, "amount": f"{size}.00"}],
                }
                t0 = time.perf_counter()
                await must(http, "POST", f"/v1/groups/{group_id}/expenses", body)
                await devices.inbox.until(on_device, ARRIVAL_WAIT_S)
                await mail.inbox.until(in_mail, ARRIVAL_WAIT_S)
                figures.append(_bill(t0, on_device, in_mail, devices, mail))
    finally:
        await devices.close()
    return FanOutFigures(
        group=size,
        bills=figures,
        last_device_ms=latency_summary(
            [b.last_device_ms / 1000.0 for b in figures if b.last_device_ms is not None]
        ),
        last_mail_ms=latency_summary(
            [b.last_mail_ms / 1000.0 for b in figures if b.last_mail_ms is not None]
        ),
        mails_per_s=_rates([b.mails_per_s for b in figures]),
    )


def _bill(
    t0: float, on_device: set[Key], in_mail: set[Key], devices: Devices, mail: MailCatcher
) -> BillFigures:
    seen = [devices.inbox.first[k] - t0 for k in on_device if k in devices.inbox.first]
    mailed = sorted(mail.inbox.first[k] - t0 for k in in_mail if k in mail.inbox.first)
    spread = mailed[-1] - mailed[0] if len(mailed) > 1 else 0.0
    return BillFigures(
        members_told=len(on_device),
        devices=len(seen),
        mails=len(mailed),
        last_device_ms=_ms(max(seen)) if seen else None,
        first_mail_ms=_ms(mailed[0]) if mailed else None,
        last_mail_ms=_ms(mailed[-1]) if mailed else None,
        mails_per_s=round((len(mailed) - 1) / spread, 1) if spread > 0 else None,
    )


def _rates(values: list[float | None]) -> dict[str, float] | None:
    """The lowest, middle and highest of the bills' mail rates."""
    kept = sorted(v for v in values if v is not None)
    if not kept:
        return None
    return {"min": kept[0], "median": kept[len(kept) // 2], "max": kept[-1]}
