"""Web Push: one encrypted message to one browser subscription (RFC 8030), signed with our VAPID
key (RFC 8292) and encrypted for the subscriber with aes128gcm (RFC 8291).

pywebpush's ``WebPusher.encode`` does the encryption and py-vapid signs the token; the request
itself goes out on the caller's aiohttp session, so nothing blocks the event loop and the answer
is read as a :mod:`delivery_result` the caller's delivery record acts on. The VAPID key
itself is :mod:`bus.vapid`'s.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from typing import Any, Literal, cast

import aiohttp
from pywebpush import WebPusher  # type: ignore[import-untyped]

from actors.notifications.delivery_result import (
    DeliveryResult,
    PermanentFailure,
    Sent,
    TemporaryFailure,
    classify_status,
)
from bus.push_subscription import WebPushSubscription, check_endpoint
from bus.settings import Settings
from bus.vapid import VapidKey

MAX_PAYLOAD_BYTES = 3993  # RFC 8291 section 4: 4096-byte body less header, tag and padding
Urgency = Literal["very-low", "low", "normal", "high"]
_TOPIC = re.compile(r"^[A-Za-z0-9_-]{1,32}$")  # RFC 8030 section 5.4


def topic_for(delivery_key: str) -> str:
    """The ``Topic`` of a delivery: the same key always gives the same topic, so a push sent
    again replaces the undelivered first one on services that keep topics."""
    digest = hashlib.sha256(delivery_key.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()[:32]


def encrypt_payload(subscription: WebPushSubscription, payload: bytes) -> bytes:
    """``payload`` as an aes128gcm body only ``subscription``'s browser can read."""
    info: dict[str, Any] = {
        "endpoint": subscription.endpoint,
        "keys": {"p256dh": subscription.keys.p256dh, "auth": subscription.keys.auth},
    }
    encoded = WebPusher(info).encode(payload, content_encoding="aes128gcm")
    return cast(bytes, encoded["body"])


def push_headers(
    subscription: WebPushSubscription,
    *,
    ttl_s: int,
    urgency: Urgency,
    topic: str | None,
    settings: Settings,
    vapid: VapidKey,
) -> dict[str, str]:
    """The RFC 8030 and RFC 8292 headers of one push (without the body's)."""
    if ttl_s < 0:
        raise ValueError("ttl_s must not be negative")
    headers = {
        "TTL": str(ttl_s),
        "Urgency": urgency,
        "Authorization": vapid.authorization(subscription.origin, settings.vapid_subject),
    }
    if topic is not None:
        if not _TOPIC.match(topic):
            raise ValueError("a topic is 1 to 32 base64url characters (see topic_for)")
        headers["Topic"] = topic
    return headers


async def send_web_push(
    subscription: WebPushSubscription,
    payload: bytes,
    *,
    ttl_s: int,
    urgency: Urgency,
    topic: str | None,
    settings: Settings,
    vapid: VapidKey,
    session: aiohttp.ClientSession,
) -> DeliveryResult:
    """Send ``payload`` (empty: a push without data) to ``subscription``: 201/202 sent, 404/410
    expired, 429/5xx or no answer temporary (with Retry-After when given), other answers
    permanent. Raises ValueError only for a caller's mistake (negative TTL, malformed topic)."""
    try:
        check_endpoint(subscription.endpoint, allow_http_loopback=settings.push_allow_http_loopback)
    except ValueError as error:
        return PermanentFailure(reason=f"endpoint refused: {error}")
    if len(payload) > MAX_PAYLOAD_BYTES:
        return PermanentFailure(
            reason=f"payload of {len(payload)} bytes is over {MAX_PAYLOAD_BYTES}"
        )
    headers = push_headers(
        subscription, ttl_s=ttl_s, urgency=urgency, topic=topic, settings=settings, vapid=vapid
    )
    body = b""
    if payload:
        body = encrypt_payload(subscription, payload)
        headers["Content-Encoding"] = "aes128gcm"
        headers["Content-Type"] = "application/octet-stream"
    timeout = aiohttp.ClientTimeout(total=settings.push_timeout_s)
    try:
        async with session.post(
            subscription.endpoint,
            data=body,
            headers=headers,
            timeout=timeout,
            allow_redirects=False,
        ) as response:
            text = (await response.read())[:300].decode(errors="replace")
            return _read_answer(response.status, response.headers, text)
    except (aiohttp.ClientError, TimeoutError) as error:
        return TemporaryFailure(
            reason=f"no answer from the push service: {type(error).__name__} {error}"
        )


def _read_answer(status: int, headers: Mapping[str, str], text: str) -> DeliveryResult:
    result = classify_status(
        status,
        accepted=(201, 202),
        expired=(404, 410),
        retry_after=headers.get("Retry-After"),
        reason=f"push service answered {status}: {text}".strip(),
    )
    if isinstance(result, Sent):
        return Sent(status=status, message_id=headers.get("Location"))
    return result
