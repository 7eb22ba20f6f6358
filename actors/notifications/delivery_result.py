"""What one delivery attempt came to, for every channel (mail, Web Push, FCM, APNs) alike.

The courier keeps the delivery record: it marks a :class:`Sent` delivery done, retries a
:class:`TemporaryFailure` with backoff (no sooner than ``retry_after_s`` when the service gave
one), gives up on a :class:`PermanentFailure` with its reason, and removes the subscription or
device token of an :class:`Expired` one.
"""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Sent:
    """The provider accepted the message (it is now the provider's to deliver); ``status`` is its
    answer (an HTTP status, or 250 for SMTP), ``message_id`` its id of the message if it gave one
    (or the mail's Message-ID)."""

    status: int
    message_id: str | None = None


@dataclass(frozen=True)
class Expired:
    """The subscription or device token is gone for good: remove it, do not retry."""

    status: int
    reason: str


@dataclass(frozen=True)
class TemporaryFailure:
    """Worth trying again later: the service was busy, failing or unreachable."""

    reason: str
    status: int | None = None
    retry_after_s: float | None = None


@dataclass(frozen=True)
class PermanentFailure:
    """The same request would fail again (bad request, rejected credentials, too large)."""

    reason: str
    status: int | None = None


DeliveryResult = Sent | Expired | TemporaryFailure | PermanentFailure


def retry_after_seconds(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header, given as seconds or as an HTTP date;
    ``None`` when absent or unreadable, and never negative."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def is_temporary_status(status: int) -> bool:
    """Statuses that say "try later": too many requests, or the service failing."""
    return status == 429 or status >= 500


def classify_status(
    status: int,
    *,
    accepted: tuple[int, ...],
    expired: tuple[int, ...],
    retry_after: str | None,
    reason: str,
) -> DeliveryResult:
    """A push service's answer by status alone: ``accepted`` is sent, ``expired`` (Web Push:
    404 and 410) expired, 429 and 5xx temporary, anything else permanent. FCM and APNs, whose
    error bodies say more, read those first and fall back to this."""
    if status in accepted:
        return Sent(status=status)
    if status in expired:
        return Expired(status=status, reason=reason)
    if is_temporary_status(status):
        return TemporaryFailure(
            reason=reason, status=status, retry_after_s=retry_after_seconds(retry_after)
        )
    return PermanentFailure(reason=reason, status=status)


MailParts = tuple[str, dict[str, Any], str, str | None]
"""A mail to render: its template, context, address and one-click unsubscribe link (if any)."""
