"""Who is behind a socket: the access token checked on connect and again on ``auth.refresh``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bus.limits import device_id_or_none
from bus.settings import Settings
from bus.tokens import AccessClaims, InvalidToken, verify_access_token
from storage.accounts import session_ended


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
        raise Unauthorized('no credentials: send an object {"token": "<access token>"}')
    token = auth.get("token")
    if not isinstance(token, str) or not token:
        raise Unauthorized('no access token: send an object {"token": "<access token>"}')
    return token


def device_from(auth: object, default: str) -> str:
    """The ``device_id`` a client named in its connect ``auth``, else ``default`` (the sid)."""
    named = device_id_or_none(auth.get("device_id") if isinstance(auth, dict) else None)
    return named if named is not None else default


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
    ended = await session_ended(claims.session_id, claims.user_id)
    if ended is not None:
        raise Unauthorized(f"the token's {ended}")
    return claims
