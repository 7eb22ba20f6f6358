"""Who is behind a socket: the access token checked on connect and again on ``auth.refresh``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bus.settings import Settings
from bus.tokens import AccessClaims, InvalidToken, verify_access_token
from storage.accounts import SessionDoc

MAX_DEVICE_ID = 128


class Unauthorized(Exception):
    """The credentials are missing, invalid or no longer valid; ``str(exc)`` says which."""


@dataclass(frozen=True, slots=True)
class SocketIdentity:
    """What a socket's session holds: the verified claims and the device it says it is."""

    user_id: str
    session_id: str
    expires_at: float
    device_id: str

    def as_session(self) -> dict[str, Any]:
        """The python-socketio session form of this identity."""
        return {
            "user_id": self.user_id,
            "session_id": self.session_id,
            "expires_at": self.expires_at,
            "device_id": self.device_id,
        }

    @classmethod
    def from_session(cls, data: dict[str, Any]) -> SocketIdentity:
        """Read back what :meth:`as_session` saved."""
        return cls(
            user_id=str(data["user_id"]),
            session_id=str(data["session_id"]),
            expires_at=float(data["expires_at"]),
            device_id=str(data["device_id"]),
        )


def token_from(auth: object) -> str:
    """The access token of a connect's ``auth`` (or an ``auth.refresh`` body)."""
    if not isinstance(auth, dict):
        raise Unauthorized("no credentials: send auth={'token': <access token>}")
    token = auth.get("token")
    if not isinstance(token, str) or not token:
        raise Unauthorized("no access token: send auth={'token': <access token>}")
    return token


_DEVICE = re.compile(r"[A-Za-z0-9._:-]+")  # printable, no spaces: safe in logs


def device_from(auth: object, default: str) -> str:
    """The ``device_id`` a client named in its connect ``auth``, else ``default`` (the sid)."""
    device = auth.get("device_id") if isinstance(auth, dict) else None
    if isinstance(device, str) and 0 < len(device) <= MAX_DEVICE_ID and _DEVICE.fullmatch(device):
        return device
    return default


async def authenticate(token: str, settings: Settings) -> AccessClaims:
    """Verify ``token`` and that its sign-in session still exists and is not revoked.

    Raises :class:`Unauthorized` with a reason a client can show; database errors propagate.
    """
    if settings.jwt_secret is None:
        raise Unauthorized("this server has no token secret configured")
    try:
        claims = verify_access_token(
            token, secret=settings.jwt_secret.get_secret_value(), issuer=settings.jwt_issuer
        )
    except InvalidToken as exc:
        raise Unauthorized(f"invalid access token: {exc}") from exc
    session = await SessionDoc.get(claims.session_id)
    if session is None or session.user_id != claims.user_id:
        raise Unauthorized("the token's sign-in session does not exist")
    if session.revoked:
        raise Unauthorized("the token's sign-in session has been revoked")
    if _as_utc(session.expires_at) <= datetime.now(UTC):
        raise Unauthorized("the token's sign-in session has expired")
    return claims


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
