"""The figures of ``ledgerbus bench notifications``, typed; their fields are the keys of its
JSON."""

from __future__ import annotations

from dataclasses import dataclass

from deploy.bench.figures import Header
from deploy.bench.notifications.options import NotificationsBenchOptions

Latency = dict[str, float] | None
"""p50, p95, p99, mean and max in milliseconds; None without samples."""


@dataclass(frozen=True)
class RateFigures:
    """Expenses sent at a fixed rate, each crossing a budget threshold: the time from the
    request to the ``notification.created`` on the owner's device and to the mail in the SMTP
    server."""

    rate_asked: float
    rate_sent: float
    samples: int
    write_errors: int
    first_error: str | None
    items_on_devices: int
    mails: int
    mails_repeated: int
    to_device_ms: Latency
    to_mail_ms: Latency
    alert_to_device_ms: Latency  # the notifications actor's own part: from the budget alert
    alert_to_mail_ms: Latency
    write_ms: Latency
    budgets_pending_after: int
    notifications_pending_after: int


@dataclass(frozen=True)
class BillFigures:
    """One bill added to the group: when every other member had it on their device and in
    their mail."""

    members_told: int
    devices: int
    mails: int
    last_device_ms: float | None
    first_mail_ms: float | None
    last_mail_ms: float | None
    mails_per_s: float | None


@dataclass(frozen=True)
class FanOutFigures:
    group: int
    bills: list[BillFigures]
    last_device_ms: Latency
    last_mail_ms: Latency
    mails_per_s: dict[str, float] | None  # min, median and max of the bills'


@dataclass(frozen=True)
class NotificationsResult:
    header: Header[NotificationsBenchOptions]
    users: int
    budgets_each: int
    setup_s: float
    rate: RateFigures
    fan_out: FanOutFigures
    memory_peak_mb: dict[str, float]
    cpu_percent: dict[str, float]
    db_commands_per_expense: dict[str, dict[str, float]]  # deploy.bench.db_load.per_unit
    log_file: str
    elapsed_s: float
