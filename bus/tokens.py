"""Access tokens: short-lived HS256 JWTs. The edge issues them; edge and realtime verify them."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

import jwt

ALGORITHM = "HS256"  # pinned: tokens with any other `alg` (including "none") are refused


class InvalidToken(Exception):
    """A token that is missing, malformed, tampered, expired or of the wrong kind."""


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: str
    session_id: str
    expires_at: float


def issue_access_token(
    user_id: str, session_id: str, *, secret: str, issuer: str, ttl_s: int, now: float | None = None
) -> tuple[str, int]:
    """A signed access token for ``user_id`` in session ``session_id``, and its lifetime."""
    issued = int(now if now is not None else time.time())
    claims = {
        "sub": user_id,
        "sid": session_id,
        "iss": issuer,
        "iat": issued,
        "exp": issued + ttl_s,
        "typ": "access",
        "jti": secrets.token_hex(8),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM), ttl_s


def verify_access_token(token: str, *, secret: str, issuer: str) -> AccessClaims:
    """Check signature, algorithm, issuer, ``exp``/``iat``/``sub``; return the claims."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=issuer,
            options={"require": ["exp", "iat", "sub", "sid", "iss"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc
    if claims.get("typ") != "access":
        raise InvalidToken("not an access token")
    return AccessClaims(str(claims["sub"]), str(claims["sid"]), float(claims["exp"]))
