"""Mobile push: one notification to one phone through FCM HTTP v1 (Android, and iOS apps using
Firebase) or APNs (iOS directly, :mod:`.apns`), each a provider built from settings when
configured.

Both read the service's answer as a delivery result: FCM's ``UNREGISTERED`` and APNs's 410
are :class:`Expired` (remove the token); 429 and 5xx are temporary; other refusals permanent.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from actors.notifications.delivery_result import (
    DeliveryResult,
    Expired,
    Sent,
    TemporaryFailure,
    classify_status,
)
from actors.notifications.google_oauth import AccessTokens, ServiceAccount, TokenRefused
from bus.push_subscription import FcmDeviceToken
from bus.settings import Settings

COLLAPSE_KEY_MAX = 64  # apns-collapse-id's limit, kept for FCM too


@dataclass(frozen=True)
class MobileMessage:
    """What a phone shows (a title and a body) and string data for the app itself."""

    title: str
    body: str
    data: Mapping[str, str] = field(default_factory=dict)


def check_collapse_key(collapse_key: str, ttl_s: int) -> None:
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
        check_collapse_key(collapse_key, ttl_s)
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
