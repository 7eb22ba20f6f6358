"""OAuth2 access tokens for Google APIs (FCM) from a service account: a JWT signed with the
account's key is exchanged at its token URI (RFC 7523 grant), and the token is kept until shortly
before it expires.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import jwt

from actors.notifications.delivery_result import (
    DeliveryResult,
    PermanentFailure,
    TemporaryFailure,
    is_temporary_status,
    retry_after_seconds,
)

FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ASSERTION_TTL_S = 3600  # Google's longest
REFRESH_MARGIN_S = 300.0


@dataclass(frozen=True)
class ServiceAccount:
    """The fields of a Google service-account JSON key file that a token grant needs."""

    project_id: str
    client_email: str
    private_key_id: str
    private_key: str
    token_uri: str

    @classmethod
    def from_file(cls, path: Path) -> ServiceAccount:
        """The account in ``path``; ValueError names a missing field or the wrong key type."""
        data = json.loads(path.read_text())
        if not isinstance(data, dict) or data.get("type") != "service_account":
            raise ValueError(f"{path} is not a service-account key (type service_account)")
        fields = ("project_id", "client_email", "private_key_id", "private_key", "token_uri")
        missing = [name for name in fields if not isinstance(data.get(name), str)]
        if missing:
            raise ValueError(f"{path} lacks {', '.join(missing)}")
        return cls(**{name: data[name] for name in fields})


class TokenRefused(Exception):
    """No access token could be had; ``result`` is what the push that needed it came to."""

    def __init__(self, result: DeliveryResult) -> None:
        super().__init__(getattr(result, "reason", "token refused"))
        self.result = result


class AccessTokens:
    """One account's access token for one scope, fetched when first needed or nearly expired,
    shared by concurrent sends (one grant at a time)."""

    def __init__(
        self,
        account: ServiceAccount,
        session: aiohttp.ClientSession,
        *,
        token_url: str | None = None,
        scope: str = FCM_SCOPE,
        timeout_s: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._account = account
        self._session = session
        self._token_url = token_url or account.token_uri
        self._scope = scope
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._clock = clock
        self._lock = asyncio.Lock()
        self._token: str | None = None
        self._expires_at = 0.0

    def assertion(self) -> str:
        """The signed JWT (RS256, ``kid`` the key's id) exchanged for an access token."""
        now = int(self._clock())
        claims = {
            "iss": self._account.client_email,
            "scope": self._scope,
            "aud": self._token_url,
            "iat": now,
            "exp": now + ASSERTION_TTL_S,
        }
        headers = {"kid": self._account.private_key_id}
        return jwt.encode(claims, self._account.private_key, algorithm="RS256", headers=headers)

    def forget(self) -> None:
        """Drop the kept token (the API refused it); the next send asks for a new one."""
        self._token, self._expires_at = None, 0.0

    async def get(self) -> str:
        """A valid access token; raises :class:`TokenRefused` when the grant fails."""
        async with self._lock:
            if self._token is None or self._clock() >= self._expires_at - REFRESH_MARGIN_S:
                self._token, lifetime = await self._grant()
                self._expires_at = self._clock() + lifetime
            return self._token

    async def _grant(self) -> tuple[str, float]:
        form = {"grant_type": JWT_BEARER_GRANT, "assertion": self.assertion()}
        try:
            async with self._session.post(
                self._token_url, data=form, timeout=self._timeout
            ) as response:
                status, retry_after = response.status, response.headers.get("Retry-After")
                text = (await response.read()).decode(errors="replace")
        except (aiohttp.ClientError, TimeoutError) as error:
            raise TokenRefused(
                TemporaryFailure(reason=f"token endpoint unreachable: {type(error).__name__}")
            ) from error
        reason = f"token endpoint answered {status}: {text[:300]}"
        if is_temporary_status(status):
            delay = retry_after_seconds(retry_after)
            raise TokenRefused(TemporaryFailure(reason, status=status, retry_after_s=delay))
        if status != 200:
            raise TokenRefused(PermanentFailure(reason, status=status))
        return _read_token(text, reason)


def _read_token(text: str, reason: str) -> tuple[str, float]:
    try:
        body = json.loads(text)
        token, lifetime = body["access_token"], float(body.get("expires_in", 3600))
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise TokenRefused(PermanentFailure(f"unreadable token answer: {reason}")) from error
    if not isinstance(token, str) or not token:
        raise TokenRefused(PermanentFailure(f"no access token: {reason}"))
    return token, lifetime
