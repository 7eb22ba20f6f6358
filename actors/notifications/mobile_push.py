"""Mobile push: one notification to one phone through FCM HTTP v1 (Android, and iOS apps using
Firebase) or APNs (iOS directly), each a provider built from settings when configured.

Both read the service's answer as a :mod:`push_result`: FCM's ``UNREGISTERED`` and APNs's 410
are :class:`Expired` (remove the token); 429 and 5xx are temporary; other refusals permanent.

APNs in production speaks HTTP/2 only. aiohttp sends HTTP/1.1, which is enough for the local
APNs-shaped server the tests check requests against, but not for api.push.apple.com: sending
there needs an HTTP/2 client (``httpx[http2]``) behind :meth:`ApnsSender.send`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import aiohttp
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from actors.notifications.delivery_result import (
    DeliveryResult,
    Expired,
    PermanentFailure,
    Sent,
    TemporaryFailure,
    classify_status,
)
from actors.notifications.google_oauth import AccessTokens, ServiceAccount, TokenRefused
from bus.push_subscription import ApnsDeviceToken, FcmDeviceToken
from bus.settings import Settings

APNS_MAX_PAYLOAD_BYTES = 4096
APNS_TOKEN_REFRESH_S = 50 * 60  # Apple: younger than an hour, renewed at most every 20 minutes
COLLAPSE_KEY_MAX = 64  # apns-collapse-id's limit, kept for FCM too


@dataclass(frozen=True)
class MobileMessage:
    """What a phone shows (a title and a body) and string data for the app itself."""

    title: str
    body: str
    data: Mapping[str, str] = field(default_factory=dict)


def _check_collapse_key(collapse_key: str, ttl_s: int) -> None:
    if not collapse_key or len(collapse_key.encode()) > COLLAPSE_KEY_MAX:
        raise ValueError(f"a collapse key is 1 to {COLLAPSE_KEY_MAX} bytes")
    if ttl_s < 0:
        raise ValueError("ttl_s must not be negative")


class FcmSender:
    """Sends through FCM HTTP v1 as one Firebase project, with the service account's token."""

    def __init__(
        self, account: ServiceAccount, settings: Settings, session: aiohttp.ClientSession
    ) -> None:
        self._project = settings.fcm_project_id or account.project_id
        self._url = f"{settings.fcm_base_url.rstrip('/')}/v1/projects/{self._project}/messages:send"
        self._session = session
        self._timeout = aiohttp.ClientTimeout(total=settings.push_timeout_s)
        self.tokens = AccessTokens(
            account, session, token_url=settings.fcm_token_url, timeout_s=settings.push_timeout_s
        )

    @classmethod
    def from_settings(cls, settings: Settings, session: aiohttp.ClientSession) -> FcmSender | None:
        """The sender settings configure, or None without a service account."""
        if settings.fcm_service_account_file is None:
            return None
        return cls(ServiceAccount.from_file(settings.fcm_service_account_file), settings, session)

    def request_body(
        self, token: FcmDeviceToken, message: MobileMessage, *, collapse_key: str, ttl_s: int
    ) -> dict[str, Any]:
        """The ``messages:send`` JSON: the notification, the data, and per-platform delivery
        options (Android TTL and collapse key, APNs expiry and collapse id)."""
        return {
            "message": {
                "token": token.token,
                "notification": {"title": message.title, "body": message.body},
                "data": dict(message.data),
                "android": {"ttl": f"{ttl_s}s", "collapse_key": collapse_key},
                "apns": {"headers": {"apns-collapse-id": collapse_key}},
            }
        }

    async def send(
        self, token: FcmDeviceToken, message: MobileMessage, *, collapse_key: str, ttl_s: int
    ) -> DeliveryResult:
        """Send one message; see the module's docstring for how the answer is read."""
        _check_collapse_key(collapse_key, ttl_s)
        try:
            access_token = await self.tokens.get()
        except TokenRefused as refused:
            return refused.result
        body = self.request_body(token, message, collapse_key=collapse_key, ttl_s=ttl_s)
        headers = {"Authorization": f"Bearer {access_token}"}
        try:
            async with self._session.post(
                self._url, json=body, headers=headers, timeout=self._timeout
            ) as response:
                text = (await response.read()).decode(errors="replace")
                retry_after = response.headers.get("Retry-After")
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as error:
            return TemporaryFailure(reason=f"FCM unreachable: {type(error).__name__} {error}")
        if status == 401:
            self.tokens.forget()
        return read_fcm_answer(status, text, retry_after)


def _fcm_error_code(text: str) -> str:
    """FCM's ``errorCode`` (UNREGISTERED, QUOTA_EXCEEDED, ...) or else the status name."""
    try:
        error = json.loads(text)["error"]
        for detail in error.get("details", []):
            if detail.get("@type", "").endswith("google.firebase.fcm.v1.FcmError"):
                return str(detail["errorCode"])
        return str(error.get("status", ""))
    except (ValueError, TypeError, KeyError, AttributeError):
        return ""


def read_fcm_answer(status: int, text: str, retry_after: str | None) -> DeliveryResult:
    """An FCM answer as a result: 200 sent (the message name as its id), ``UNREGISTERED``
    expired, 401 (our token refused) temporary, then by status as for any push service."""
    if status == 200:
        try:
            name = json.loads(text).get("name")
        except (ValueError, AttributeError):
            name = None
        return Sent(status=status, message_id=name if isinstance(name, str) else None)
    code = _fcm_error_code(text)
    reason = f"FCM answered {status} {code}: {text[:300]}"
    if code == "UNREGISTERED":
        return Expired(status=status, reason=reason)
    if status == 401:
        return TemporaryFailure(reason=reason, status=status)
    return classify_status(status, accepted=(), expired=(), retry_after=retry_after, reason=reason)


class ApnsSender:
    """Sends to APNs as one team and app, with an ES256 provider token renewed every 50
    minutes. Speaks HTTP/1.1 (see the module's docstring: production APNs needs HTTP/2)."""

    def __init__(
        self,
        *,
        team_id: str,
        key_id: str,
        signing_key: ec.EllipticCurvePrivateKey,
        topic: str,
        settings: Settings,
        session: aiohttp.ClientSession,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._team_id, self._key_id, self._key, self._topic = team_id, key_id, signing_key, topic
        self._base_url = settings.apns_base_url.rstrip("/")
        self._session = session
        self._timeout = aiohttp.ClientTimeout(total=settings.push_timeout_s)
        self._clock = clock
        self._token: tuple[str, float] | None = None

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        session: aiohttp.ClientSession,
        *,
        clock: Callable[[], float] = time.time,
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
            team_id=team,
            key_id=key_id,
            signing_key=key,
            topic=topic,
            settings=settings,
            session=session,
            clock=clock,
        )

    def provider_token(self) -> str:
        """The kept provider token, or a new one when it is 50 minutes old."""
        now = self._clock()
        if self._token is None or now - self._token[1] >= APNS_TOKEN_REFRESH_S:
            claims = {"iss": self._team_id, "iat": int(now)}
            token = jwt.encode(claims, self._key, algorithm="ES256", headers={"kid": self._key_id})
            self._token = (token, now)
        return self._token[0]

    def request_headers(
        self, *, collapse_id: str, ttl_s: int, push_type: Literal["alert", "background"]
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
        push_type: Literal["alert", "background"] = "alert",
    ) -> DeliveryResult:
        """Send one notification (``background``: data only, no alert)."""
        _check_collapse_key(collapse_id, ttl_s)
        payload = apns_payload(message, push_type)
        if len(payload) > APNS_MAX_PAYLOAD_BYTES:
            return PermanentFailure(reason=f"payload of {len(payload)} bytes is over 4096")
        headers = self.request_headers(collapse_id=collapse_id, ttl_s=ttl_s, push_type=push_type)
        headers["content-type"] = "application/json"
        url = f"{self._base_url}/3/device/{token.token}"
        try:
            async with self._session.post(
                url, data=payload, headers=headers, timeout=self._timeout
            ) as response:
                text = (await response.read()).decode(errors="replace")
                status, answer = response.status, response.headers
        except (aiohttp.ClientError, TimeoutError) as error:
            return TemporaryFailure(reason=f"APNs unreachable: {type(error).__name__} {error}")
        result = read_apns_answer(status, text, answer.get("Retry-After"))
        if isinstance(result, Sent):
            return Sent(status=status, message_id=answer.get("apns-id"))
        if status == 403:  # the provider token refused: the next send makes another
            self._token = None
        return result


def apns_payload(message: MobileMessage, push_type: Literal["alert", "background"]) -> bytes:
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
