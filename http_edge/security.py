"""Authentication at the edge: argon2id passwords, rotating refresh tokens, login throttling.

Secrets stop here: password hashes and refresh secrets are stored by the edge and never enter
a command, an event or a log line.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import ipaddress
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from aiohttp import web
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bus.envelopes import utcnow
from bus.settings import Settings
from bus.tokens import AccessClaims, InvalidToken, issue_access_token, verify_access_token
from http_edge.problems import Problem
from storage.accounts import SessionDoc, session_ended
from storage.sessions import pop_attempt, push_attempt, swap_refresh_digest

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# argon2id takes ~64 MiB and a core for a quarter second: bound how many run at once.
_hashing = asyncio.Semaphore(2)


@functools.cache
def _dummy_hash() -> str:
    """A real hash to verify against when the account does not exist (same timing either way);
    made on the first sign-in, not when the module is imported."""
    return _hasher.hash("not-a-real-password")


async def hash_password(password: str) -> str:
    async with _hashing:
        return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(stored_hash: str | None, password: str) -> bool:
    def check() -> bool:
        try:
            return (
                _hasher.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
            )
        except (VerificationError, InvalidHashError):
            return False

    async with _hashing:
        return await asyncio.to_thread(check)


def secret_of(settings: Settings) -> str:
    if settings.jwt_secret is None:
        raise RuntimeError("LEDGERBUS_JWT_SECRET is not set")
    return settings.jwt_secret.get_secret_value()


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: str
    session_id: str


def authenticate(request: web.Request, settings: Settings) -> Principal:
    """The caller from `Authorization: Bearer <token>`, or 401."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Problem(
            401,
            "unauthorized",
            "send an access token as 'Authorization: Bearer <token>'",
            headers={"WWW-Authenticate": 'Bearer realm="ledgerbus"'},
        )
    try:
        claims: AccessClaims = verify_access_token(
            token.strip(), secret=secret_of(settings), issuer=settings.jwt_issuer
        )
    except InvalidToken as exc:
        raise Problem(
            401,
            "unauthorized",
            f"invalid access token: {exc}",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        ) from exc
    return Principal(claims.user_id, claims.session_id)


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.lru_cache(maxsize=8)
def trusted_networks(spec: str) -> tuple[Network, ...]:
    """``LEDGERBUS_TRUSTED_PROXIES`` parsed: addresses and CIDRs, comma separated (ValueError
    names a bad entry, so a typo stops the process at start instead of trusting nobody)."""
    networks = []
    for entry in filter(None, (part.strip() for part in spec.split(","))):
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as exc:
            raise ValueError(
                f"LEDGERBUS_TRUSTED_PROXIES: not an address or CIDR: {entry!r}"
            ) from exc
    return tuple(networks)


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    # An IPv4 peer on a dual-stack socket shows as ::ffff:a.b.c.d; compare it as IPv4.
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def resolve_client(peer: str | None, forwarded_for: list[str], trusted: tuple[Network, ...]) -> str:
    """The client's address: the peer, unless the peer is a trusted proxy; then the rightmost
    ``X-Forwarded-For`` entry that is not a trusted proxy (entries to its left were written by
    the client or by proxies nobody vouches for, so they are never believed).

    Every hop appends the address it received the request from, so reading right to left and
    stopping at the first untrusted hop gives the address the nearest trusted proxy saw.
    """
    peer_ip = _ip(peer) if peer else None
    if peer_ip is None or not _trusted(peer_ip, trusted):
        return str(peer_ip) if peer_ip is not None else (peer or "unknown")
    hops = [part for header in forwarded_for for part in header.split(",") if part.strip()]
    nearest = peer_ip
    for hop in reversed(hops):
        hop_ip = _ip(hop)
        if hop_ip is None:  # garbage a trusted proxy passed on: the hop that handed it over
            return str(nearest)
        if not _trusted(hop_ip, trusted):
            return str(hop_ip)
        nearest = hop_ip
    return str(nearest)  # every hop is a trusted proxy: the farthest one is the client


def _trusted(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, nets: tuple[Network, ...]
) -> bool:
    return any(address.version == net.version and address in net for net in nets)


def client_address(request: web.BaseRequest, settings: Settings) -> str:
    """The address every per-address limit counts against (see :func:`resolve_client`)."""
    return resolve_client(
        request.remote,
        request.headers.getall("X-Forwarded-For", []),
        trusted_networks(settings.trusted_proxies),
    )


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def open_session(
    user_id: str, settings: Settings, device_id: str | None
) -> tuple[SessionDoc, str]:
    """A new sign-in session and its first refresh token (`<session id>.<secret>`)."""
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    session = SessionDoc(
        id=secrets.token_hex(16),
        user_id=user_id,
        token_hash=_digest(secret),
        device_id=device_id,
        created_at=now,
        refreshed_at=now,
        expires_at=now + timedelta(seconds=settings.refresh_token_ttl_s),
    )
    await session.insert()
    return session, f"{session.id}.{secret}"


@dataclass(frozen=True, slots=True)
class Rotation:
    session: SessionDoc | None
    refresh_token: str | None
    reused: bool = False


async def rotate_refresh(token: str) -> Rotation:
    """Swap a refresh token for a new one. A rotated (old) token coming back means theft: `reused`."""
    session_id, _, secret = token.partition(".")
    if not session_id or not secret or len(token) > 200:
        return Rotation(None, None)
    session = await SessionDoc.get(session_id)
    if session is None or session.revoked or session.expires_at <= utcnow():
        return Rotation(None, None)
    digest = _digest(secret)
    if digest in session.rotated_hashes:
        return Rotation(session, None, reused=True)
    if not secrets.compare_digest(digest, session.token_hash):
        return Rotation(None, None)
    new_secret = secrets.token_urlsafe(32)
    updated = await swap_refresh_digest(session_id, digest, _digest(new_secret))
    if updated is None:  # rotated concurrently by another request with the same token
        return Rotation(session, None, reused=True)
    return Rotation(updated, f"{session_id}.{new_secret}")


def access_token_for(session: SessionDoc, settings: Settings) -> tuple[str, int]:
    return issue_access_token(
        session.user_id,
        session.id,
        secret=secret_of(settings),
        issuer=settings.jwt_issuer,
        ttl_s=settings.access_token_ttl_s,
    )


async def reserve_attempt(key: str, limit: int, window_s: int) -> int | None:
    """Count an attempt under ``key`` atomically; the seconds to wait if that exceeds ``limit``.

    A sliding window: each key keeps the times of its latest ``limit + 1`` attempts, pushed in one
    atomic update, so concurrent attempts cannot all slip under the limit, and there is no window
    boundary at which twice the limit gets through. A successful attempt gives its count back with
    :func:`release_attempt`.
    """
    now = utcnow().timestamp()
    attempts = await push_attempt(key, now, limit + 1)
    recent = [t for t in attempts if t > now - window_s]
    if len(recent) <= limit:
        return None
    return max(1, int(min(recent) + window_s - now) + 1)


async def release_attempt(key: str) -> None:
    """Give back an attempt that succeeded (only failures count against a limit)."""
    await pop_attempt(key)


class SessionGate:
    """Refuses access tokens of revoked or expired sessions, with a short cache per session.

    A session revoked on another node is refused here within ``ttl_s``; one revoked by this
    node (logout, refresh reuse) at once.
    """

    def __init__(self, ttl_s: float = 5.0, max_entries: int = 50_000) -> None:
        self._ttl_s = ttl_s
        self._max = max_entries
        self._live: dict[str, float] = {}

    def forget(self, session_id: str) -> None:
        self._live.pop(session_id, None)

    async def check(self, principal: Principal) -> None:
        now = time.monotonic()
        if self._live.get(principal.session_id, 0.0) > now:
            return
        if await session_ended(principal.session_id, principal.user_id) is not None:
            self.forget(principal.session_id)
            raise Problem(
                401,
                "unauthorized",
                "this session has ended; sign in again",
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        if len(self._live) >= self._max:
            self._live.clear()
        self._live[principal.session_id] = now + self._ttl_s
