"""The steps the account flows' routes share: a link's record checked, a limit counted, a
password asked or set, an address checked free, a command applied for a person."""

from __future__ import annotations

from aiohttp import web
from nats.errors import Error as NatsError

from bus.account_links import LinkPurpose, signed_for, token_id_of
from bus.client import build_command
from bus.envelopes import Outcome, utcnow
from bus.payload import Payload
from http_edge.context import settings_of
from http_edge.dispatch import COMMAND_GATEWAY, device_of, refusal
from http_edge.problems import Problem
from http_edge.security import hash_password, release_attempt, reserve_attempt, verify_password
from storage.account_tokens import AccountTokenDoc, usable
from storage.accounts import Credential


def link_secret(request: web.Request) -> str:
    secret = settings_of(request).link_secret
    if secret is None:
        raise Problem(503, "unavailable", "account links are not set up on this server")
    return secret.get_secret_value()


async def checked_link(request: web.Request, token: str, *purposes: LinkPurpose) -> AccountTokenDoc:
    """The record a link's token names, if the token was signed for it (for one of
    ``purposes``) and it still works."""
    ident = token_id_of(token)
    record = await AccountTokenDoc.get(ident) if ident else None
    if (
        record is None
        or record.purpose not in purposes
        or not signed_for(link_secret(request), token, record.purpose, record.user_id, record.email)
    ):
        raise Problem(400, "invalid_link", "this link is not valid")
    if (why := usable(record, record.purpose, utcnow())) is not None:
        raise Problem(400, "invalid_link", why)
    return record


async def limited(key: str, limit: int, window_s: int, what: str) -> None:
    wait = await reserve_attempt(key, limit, window_s)
    if wait is not None:
        raise Problem(
            429,
            "too_many_attempts",
            f"too many {what} ({limit} per {window_s} s); retry after {wait} s",
            headers={"Retry-After": str(wait)},
        )


async def apply_for(request: web.Request, payload: Payload, issuer: str, key: str) -> Outcome:
    """Apply ``payload`` for ``issuer`` under a command id derived from ``key`` (the same
    request repeated is the same command) and wait for its outcome."""
    command = build_command(
        payload.COMMAND,
        payload.model_dump(mode="json", exclude_none=True),
        issuer=issuer,
        device_id=device_of(request),
        idempotency_key=key,
    )
    try:
        outcome = await request.app[COMMAND_GATEWAY].send(command)
    except (NatsError, TimeoutError) as exc:
        raise Problem(
            503,
            "unavailable",
            "the message bus is unreachable; retry",
            headers={"Retry-After": "2"},
        ) from exc
    if outcome is None:
        raise Problem(
            503,
            "unavailable",
            "the change is taking longer than usual; repeat the request to see it done",
            headers={"Retry-After": "2"},
        )
    return outcome


async def applied(request: web.Request, payload: Payload, issuer: str, key: str) -> Outcome:
    """:func:`apply_for`, accepted: a refusal is raised as its problem (403, 404, 409 ...)."""
    outcome = await apply_for(request, payload, issuer, key)
    if not outcome.accepted:
        raise refusal(outcome)
    return outcome


async def current_password(request: web.Request, user_id: str, password: str) -> None:
    """403 unless ``password`` is the account's; wrong ones count like failed sign-ins."""
    settings = settings_of(request)
    key = f"password:{user_id}"
    await limited(key, settings.login_max_per_account, settings.login_window_s, "wrong passwords")
    credential = await Credential.get(user_id)
    stored = credential.password_hash if credential is not None else None
    if not await verify_password(stored, password):
        raise Problem(403, "wrong_password", "the current password is not right")
    await release_attempt(key)


async def set_password(user_id: str, password: str) -> None:
    hashed = await hash_password(password)
    await Credential.find_one(Credential.id == user_id).update({"$set": {"password_hash": hashed}})


async def address_free(email: str, user_id: str) -> None:
    """409 when another account (or a sign-up under way) has this address."""
    other = await Credential.find_one(Credential.email_lower == email.lower())
    if other is not None and other.id != user_id:
        raise Problem(409, "email_taken", "an account with this email already exists")
