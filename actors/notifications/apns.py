"""APNs: one notification to one iPhone, as Apple's provider API takes it — HTTP/2 over TLS
only (``httpx`` with ``h2``; Apple refuses HTTP/1.1), a provider token (ES256 with the team's
key, renewed every 50 minutes), the ``apns-*`` headers and a JSON payload of at most 4 KiB.

One client per process keeps one HTTP/2 connection open, as Apple asks, and sends every push
over it as its own stream. The answer is read as a delivery result: 200 sent (with its
``apns-id``), 410 expired (remove the token), an expired provider token temporary (the next
send makes another), 429 and 5xx temporary, other refusals permanent.
"""

from __future__ import annotations

import json
import ssl
import time
from collections.abc import Callable
from typing import Any, Literal

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from actors.notifications.delivery_result import (
    DeliveryResult,
    PermanentFailure,
    Sent,
    TemporaryFailure,
    classify_status,
)
from actors.notifications.mobile_push import MobileMessage, check_collapse_key
from bus.push_subscription import ApnsDeviceToken
from bus.settings import Settings

APNS_MAX_PAYLOAD_BYTES = 4096
APNS_TOKEN_REFRESH_S = 50 * 60  # Apple: younger than an hour, renewed at most every 20 minutes
PushType = Literal["alert", "background"]


def apns_client(settings: Settings) -> httpx.AsyncClient:
    """An HTTP/2-only client (ALPN ``h2``) trusting the system's CAs and, when set,
    ``apns_ca_file`` (a gateway's, or a test server's)."""
    trust = ssl.create_default_context()
    if settings.apns_ca_file is not None:
        trust.load_verify_locations(cafile=str(settings.apns_ca_file))
    return httpx.AsyncClient(
        http1=False, http2=True, verify=trust, timeout=settings.push_timeout_s
    )


class ApnsSender:
    """Sends to APNs as one team and app."""

    def __init__(
        self,
        *,
        team_id: str,
        key_id: str,
        signing_key: ec.EllipticCurvePrivateKey,
        topic: str,
        settings: Settings,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._team_id, self._key_id, self._key, self._topic = team_id, key_id, signing_key, topic
        self._base_url = settings.apns_base_url.rstrip("/")
        self._client = apns_client(settings)
        self._clock = clock
        self._token: tuple[str, float] | None = None

    @classmethod
    def from_settings(
        cls, settings: Settings, *, clock: Callable[[], float] = time.time
    ) -> ApnsSender | None:
        """The sender settings configure, or None unless team, key id, key file and topic are
        all set."""
        team, key_id, path, topic = (
            settings.apns_team_id,
            settings.apns_key_id,
            settings.apns_key_file,
            settings.apns_topic,
        )
        if team is None or key_id is None or path is None or topic is None:
            return None
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError(f"{path} is not an APNs (P-256) signing key")
        return cls(
            team_id=team, key_id=key_id, signing_key=key, topic=topic, settings=settings, clock=clock
        )

    async def close(self) -> None:
        await self._client.aclose()

    def provider_token(self) -> str:
        """The kept provider token, or a new one when it is 50 minutes old."""
        now = self._clock()
        if self._token is None or now - self._token[1] >= APNS_TOKEN_REFRESH_S:
            claims = {"iss": self._team_id, "iat": int(now)}
            token = jwt.encode(claims, self._key, algorithm="ES256", headers={"kid": self._key_id})
            self._token = (token, now)
        return self._token[0]

    def request_headers(
        self, *, collapse_id: str, ttl_s: int, push_type: PushType
    ) -> dict[str, str]:
        """APNs's headers: provider token, topic, push type and priority, expiry (0: now or
        never) and collapse id."""
        expiration = int(self._clock()) + ttl_s if ttl_s > 0 else 0
        return {
            "authorization": f"bearer {self.provider_token()}",
            "apns-topic": self._topic,
            "apns-push-type": push_type,
            "apns-priority": "10" if push_type == "alert" else "5",
            "apns-expiration": str(expiration),
            "apns-collapse-id": collapse_id,
        }

    async def send(
        self,
        token: ApnsDeviceToken,
        message: MobileMessage,
        *,
        collapse_id: str,
        ttl_s: int,
        push_type: PushType = "alert",
    ) -> DeliveryResult:
        """Send one notification (``background``: data only, no alert)."""
        check_collapse_key(collapse_id, ttl_s)
        payload = apns_payload(message, push_type)
        if len(payload) > APNS_MAX_PAYLOAD_BYTES:
            return PermanentFailure(reason=f"payload of {len(payload)} bytes is over 4096")
        headers = self.request_headers(collapse_id=collapse_id, ttl_s=ttl_s, push_type=push_type)
        headers["content-type"] = "application/json"
        url = f"{self._base_url}/3/device/{token.token}"
        try:
            response = await self._client.post(url, content=payload, headers=headers)
        except httpx.HTTPError as error:
            return TemporaryFailure(reason=f"APNs unreachable: {type(error).__name__} {error}")
        status, answer = response.status_code, response.headers
        result = read_apns_answer(status, response.text, answer.get("retry-after"))
        if isinstance(result, Sent):
            return Sent(status=status, message_id=answer.get("apns-id"))
        if status == 403:  # the provider token refused: the next send makes another
            self._token = None
        return result


def apns_payload(message: MobileMessage, push_type: PushType) -> bytes:
    """The JSON body: ``aps`` (an alert, or content-available for background) beside the
    app's data keys."""
    if "aps" in message.data:
        raise ValueError("'aps' is APNs's own key, not a data key")
    aps: dict[str, Any] = (
        {"alert": {"title": message.title, "body": message.body}}
        if push_type == "alert"
        else {"content-available": 1}
    )
    return json.dumps({"aps": aps, **message.data}, separators=(",", ":")).encode()


def read_apns_answer(status: int, text: str, retry_after: str | None) -> DeliveryResult:
    """An APNs answer as a result: 200 sent, 410 (Unregistered, ExpiredToken) expired, an
    expired provider token temporary (a new one is made), then by status."""
    try:
        code = str(json.loads(text).get("reason", "")) if text else ""
    except (ValueError, AttributeError):
        code = ""
    reason = f"APNs answered {status} {code}".strip()
    if status == 403 and code == "ExpiredProviderToken":
        return TemporaryFailure(reason=reason, status=status)
    return classify_status(
        status, accepted=(200,), expired=(410,), retry_after=retry_after, reason=reason
    )
