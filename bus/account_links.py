"""The links in account mails (confirm an address, reset a password): signed, single-use and
expiring.

A link carries ``<token id>.<signature>``: the id of the token's record (kept by the accounts
actor: whose it is, for which address, until when, and whether it was used) and an HMAC-SHA256
of the purpose, id, person and address under ``link_secret``. Nothing secret is stored or rides
the bus: the record and the events name only the id, and without the secret no one can make the
signature (not an analyst replaying the streams, nor a reader of the database). The mail is made
again, identical, on every retry; the edge checks the signature before it reads anything, and
the actor marks the record used once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import timedelta
from typing import Literal

LinkPurpose = Literal["verify_email", "change_email", "reset_password"]

LIFETIMES: dict[LinkPurpose, timedelta] = {
    "verify_email": timedelta(days=7),
    "change_email": timedelta(hours=24),
    "reset_password": timedelta(minutes=30),
}
"""How long each kind of link works."""

PATHS: dict[LinkPurpose, str] = {
    "verify_email": "verify-email",
    "change_email": "verify-email",  # the app posts either to /v1/auth/verify-email
    "reset_password": "reset-password",
}
"""Where each link opens in the app (under ``public_base_url``); the app posts its token."""

MAX_TOKEN_LENGTH = 128
"""The longest token a request may carry (an id of at most 64 and a 43-character signature)."""


def _signature(secret: str, purpose: str, token_id: str, user_id: str, email: str) -> str:
    message = f"{purpose}\n{token_id}\n{user_id}\n{email.lower()}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def link_token(secret: str, purpose: LinkPurpose, token_id: str, user_id: str, email: str) -> str:
    """The token a link carries for the record ``token_id``."""
    return f"{token_id}.{_signature(secret, purpose, token_id, user_id, email)}"


def token_id_of(token: str) -> str | None:
    """The record a token names, or None when it has not the shape of one."""
    ident, dot, signature = token.partition(".")
    if not dot or not ident or not signature or len(token) > MAX_TOKEN_LENGTH:
        return None
    return ident


def signed_for(secret: str, token: str, purpose: LinkPurpose, user_id: str, email: str) -> bool:
    """Whether ``token`` was made with ``secret`` for this purpose, person and address."""
    ident = token_id_of(token)
    if ident is None:
        return False
    return hmac.compare_digest(token, link_token(secret, purpose, ident, user_id, email))


def link_url(base_url: str, purpose: LinkPurpose, token: str) -> str:
    return f"{base_url.rstrip('/')}/{PATHS[purpose]}?token={token}"


def lifetime_words(purpose: LinkPurpose) -> str:
    """How long the link works, as a mail says it."""
    minutes = int(LIFETIMES[purpose].total_seconds() // 60)
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return f"{days} day{'s' if days != 1 else ''}"
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minutes"
