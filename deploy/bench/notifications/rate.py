"""Expenses at a fixed rate, each crossing the next threshold of one of its owner's budgets (the
people take turns, then their budgets): the time from the request to the item on the owner's
device and to the mail in the SMTP server, both found by the item's title (``<budget>: <n>%
used``). The requests are sent on schedule whatever the answers take (an open loop), so a
backlog shows as growing delays, not as a slower rate."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import aiohttp

from deploy.bench.http import call, session
from deploy.bench.notifications.arrivals import Devices, Inbox, Key, MailCatcher
from deploy.bench.notifications.options import THRESHOLDS
from deploy.bench.notifications.people import CURRENCY, REQUEST_TIMEOUT_S, STEP, Person
from deploy.bench.notifications.results import RateFigures
from deploy.bench.stats import latency_summary

ARRIVAL_WAIT_S = 60.0
"""How long after the last request the benchmark waits for what has not arrived."""


@dataclass(frozen=True)
class Planned:
    person: Person
    budget: tuple[str, str, str]
    threshold: int

    @property
    def title(self) -> str:
        return f"{self.budget[1]}: {self.threshold}% used"


def plan(people: list[Person], samples: int) -> list[Planned]:
    """``samples`` crossings: each person in turn, each of their budgets in turn, thresholds in
    order."""
    out: list[Planned] = []
    budgets = len(people[0].budgets)
    for n in range(samples):
        person = people[n % len(people)]
        round_ = n // len(people)
        out.append(Planned(person, person.budgets[round_ % budgets], THRESHOLDS[round_ // budgets]))
    return out


@dataclass
class Sent:
    at: dict[int, float] = field(default_factory=dict)
    answered: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str | None = None


async def _send(http: aiohttp.ClientSession, n: int, p: Planned, sent: Sent) -> None:
    body = {
        "amount": STEP,
        "currency": CURRENCY,
        "date": p.person.today.isoformat(),
        "category_id": p.budget[2],
    }
    t0 = time.perf_counter()
    sent.at[n] = t0
    try:
        status, data = await call(http, "POST", "/v1/expenses", body)
    except (aiohttp.ClientError, TimeoutError) as exc:
        status, data = 0, f"{type(exc).__name__}: {exc}"
    if status in (201, 202):
        sent.answered.append(time.perf_counter() - t0)
    else:
        sent.errors += 1
        sent.first_error = sent.first_error or f"{status} {str(data)[:300]}"


async def at_rate(
    base_url: str,
    planned: list[Planned],
    rate: float,
    watched: tuple[Devices, MailCatcher],
    lag: Callable[[], Awaitable[tuple[int, int]]],
) -> tuple[RateFigures, float]:
    """Every planned expense sent on schedule; the figures, and the seconds the sending took.
    ``lag`` is what the budgets and the notifications actors have yet to take when the last
    answer came."""
    devices, mail = watched
    tokens = {p.person.user.id: p.person.user.token for p in planned}
    sessions = {who: session(base_url, token, REQUEST_TIMEOUT_S) for who, token in tokens.items()}
    sent = Sent()
    tasks = []
    began = time.perf_counter()
    try:
        for n, p in enumerate(planned):
            wait = began + n / rate - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            tasks.append(asyncio.create_task(_send(sessions[p.person.user.id], n, p, sent)))
        await asyncio.gather(*tasks)
        sending_s = time.perf_counter() - began
        budgets_behind, behind = await lag()
        on_device: set[Key] = {(p.person.user.id, p.title) for p in planned}
        in_mail: set[Key] = {(p.person.email, p.title) for p in planned}
        await devices.inbox.until(on_device, ARRIVAL_WAIT_S)
        await mail.inbox.until(in_mail, ARRIVAL_WAIT_S)
    finally:
        await asyncio.gather(*(s.close() for s in sessions.values()))
    to_device = [
        devices.inbox.first[(p.person.user.id, p.title)] - sent.at[n]
        for n, p in enumerate(planned)
        if (p.person.user.id, p.title) in devices.inbox.first
    ]
    to_mail = [
        mail.inbox.first[(p.person.email, p.title)] - sent.at[n]
        for n, p in enumerate(planned)
        if (p.person.email, p.title) in mail.inbox.first
    ]
    from_alert = _after(devices.alerts, devices.inbox, on_device)
    alert_to_mail = _after(devices.alerts, mail.inbox, in_mail, by_mail=planned)
    figures = RateFigures(
        rate_asked=rate,
        rate_sent=round(len(planned) / sending_s, 1) if sending_s > 0 else 0.0,
        samples=len(planned),
        write_errors=sent.errors,
        first_error=sent.first_error,
        items_on_devices=len(to_device),
        mails=len(to_mail),
        mails_repeated=mail.repeated(),
        to_device_ms=latency_summary(to_device),
        to_mail_ms=latency_summary(to_mail),
        alert_to_device_ms=latency_summary(from_alert),
        alert_to_mail_ms=latency_summary(alert_to_mail),
        write_ms=latency_summary(sent.answered),
        budgets_pending_after=budgets_behind,
        notifications_pending_after=behind,
    )
    return figures, sending_s


def _after(
    alerts: Inbox, later: Inbox, keys: set[Key], by_mail: list[Planned] | None = None
) -> list[float]:
    """Seconds from each budget alert on the device to its item (on the device, or in the
    mail: ``by_mail`` maps a mail's key back to its person)."""
    if by_mail is not None:
        pairs = [((p.person.user.id, p.title), (p.person.email, p.title)) for p in by_mail]
    else:
        pairs = [(k, k) for k in keys]
    return [
        later.first[then] - alerts.first[alert]
        for alert, then in pairs
        if alert in alerts.first and then in later.first
    ]
