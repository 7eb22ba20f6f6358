"""Web Push: one encrypted message to one browser subscription (RFC 8030), signed with our VAPID
key (RFC 8292) and encrypted for the subscriber with aes128gcm (RFC 8291).

pywebpush's ``WebPusher.encode`` does the encryption and py-vapid signs the token; the request
itself goes out on the caller's aiohttp session, so nothing blocks the event loop and the answer
is read as a :mod:`push_result` the caller's delivery record acts on.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

import aiohttp
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02  # type: ignore[import-untyped]
from pywebpush import WebPusher  # type: ignore[import-untyped]

from actors.notifications.delivery_result import (
    DeliveryResult,
    PermanentFailure,
    Sent,
    TemporaryFailure,
    classify_status,
)
from actors.notifications.push_subscription import WebPushSubscription, check_endpoint
from bus.settings import Settings
from deploy.embedded import write_private

VAPID_FILE_NAME = "vapid_private.pem"
VAPID_TOKEN_TTL_S = 12 * 3600  # RFC 8292: at most 24 hours
MAX_PAYLOAD_BYTES = 3993  # RFC 8291 section 4: 4096-byte body less header, tag and padding
Urgency = Literal["very-low", "low", "normal", "high"]
_TOPIC = re.compile(r"^[A-Za-z0-9_-]{1,32}$")  # RFC 8030 section 5.4


@dataclass(frozen=True)
class VapidKey:
    """The application server's P-256 key pair: browsers subscribe with its public half
    (``applicationServerKey``) and push services check each push's token against it."""

    private_key: ec.EllipticCurvePrivateKey

    @property
    def public_key_b64url(self) -> str:
        """The public key, uncompressed and unpadded base64url: what clients subscribe with."""
        raw = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    def authorization(self, audience: str, subject: str, *, now: float | None = None) -> str:
        """The ``Authorization: vapid t=<jwt>, k=<key>`` value for a push to ``audience``."""
        issued = time.time() if now is None else now
        claims = {"aud": audience, "exp": int(issued) + VAPID_TOKEN_TTL_S, "sub": subject}
        headers = cast(dict[str, str], Vapid02(self.private_key).sign(claims))
        return headers["Authorization"]


def vapid_key_path(settings: Settings) -> Path:
    """Where the VAPID key lives: the configured file, or one in the data dir."""
    return settings.vapid_private_key_file or settings.data_dir / VAPID_FILE_NAME


def load_vapid_key(settings: Settings) -> VapidKey:
    """The VAPID key from settings' file; with no file configured, the data dir's, made (0600)
    by the first process that needs it. A configured file that is missing is an error: a new
    key would silently break every existing subscription."""
    path = vapid_key_path(settings)
    if not path.exists():
        if settings.vapid_private_key_file is not None:
            raise FileNotFoundError(f"VAPID key file {path} does not exist")
        create_once(path, _new_key_pem())
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise ValueError(f"{path} is not a P-256 private key")
    return VapidKey(key)


def _new_key_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def create_once(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` unless it exists: staged whole and private, then linked into
    place, which fails when another process linked its own first (theirs is kept)."""
    staged = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    write_private(staged, text)
    try:
        with contextlib.suppress(FileExistsError):
            os.link(staged, path)
    finally:
        staged.unlink(missing_ok=True)


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
