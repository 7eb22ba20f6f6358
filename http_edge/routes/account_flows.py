"""The account flows: confirming an address, a forgotten password, changing a password.

The edge checks what only it may see (a link's signature, a password) and keeps the password
hash; the accounts actor applies the rest once (a link used, sessions ended, a security notice),
and the notifications actor mails the links. A reset request is answered alike whether the
address has an account or not.
"""

from __future__ import annotations

from datetime import datetime

import structlog
from aiohttp import web
from nats.errors import Error as NatsError

from bus.account_commands import (
    PasswordChanged,
    RequestPasswordReset,
    RequestVerification,
    VerifyEmail,
)
from bus.account_links import LinkPurpose, signed_for, token_id_of
from bus.client import build_command
from bus.entities import User
from bus.envelopes import Outcome, utcnow
from bus.payload import Payload
from http_edge.api import Api
from http_edge.context import principal_of, settings_of
from http_edge.dispatch import COMMAND_GATEWAY, device_of, outcome_response, send_as_caller
from http_edge.inputs import body
from http_edge.problems import Problem
from http_edge.schemas import (
    ChangePasswordRequest,
    ForgotPasswordRequest,
    MailRequested,
    ResetPasswordRequest,
    VerifyEmailRequest,
)
from http_edge.security import (
    client_address,
    hash_password,
    release_attempt,
    reserve_attempt,
    verify_password,
)
from storage.account_tokens import AccountTokenDoc, usable
from storage.accounts import Credential

ROUTES = Api()
log = structlog.get_logger(__name__)

ASKED = "if an account has this address, a mail with a link to reset its password is on its way"


def _link_secret(request: web.Request) -> str:
    secret = settings_of(request).link_secret
    if secret is None:
        raise Problem(503, "unavailable", "account links are not set up on this server")
    return secret.get_secret_value()


async def _link(request: web.Request, token: str, purpose: LinkPurpose) -> AccountTokenDoc:
    """The record a link's token names, if the token was signed for it and it still works."""
    ident = token_id_of(token)
    record = await AccountTokenDoc.get(ident) if ident else None
    if record is None or not signed_for(
        _link_secret(request), token, purpose, record.user_id, record.email
    ):
        raise Problem(400, "invalid_link", "this link is not valid")
    if (why := usable(record, purpose, utcnow())) is not None:
        raise Problem(400, "invalid_link", why)
    return record


async def _limit(key: str, limit: int, window_s: int, what: str) -> None:
    wait = await reserve_attempt(key, limit, window_s)
    if wait is not None:
        raise Problem(
            429,
            "too_many_attempts",
            f"too many {what} ({limit} per {window_s} s); retry after {wait} s",
            headers={"Retry-After": str(wait)},
        )


async def _send(request: web.Request, payload: Payload, issuer: str, key: str) -> Outcome:
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


async def _set_password(user_id: str, password: str, now: datetime) -> None:
    hashed = await hash_password(password)
    await Credential.find_one(Credential.id == user_id).update(
        {"$set": {"password_hash": hashed, "password_changed_at": now}}
    )


@ROUTES.route(
    "POST",
    "/v1/auth/verify-email",
    "Confirm an email address with the link mailed to it",
    "auth",
    body=VerifyEmailRequest,
    response=User,
    auth=False,
    errors=(400, 409, 503),
    description="The token is the `token` query parameter of the link (it works once, for 7 "
    "days, and only for the address it was sent to); any other token is 400 `invalid_link`. "
    "No sign-in is needed: the link may be opened on any device.",
)
async def verify_email(request: web.Request) -> web.StreamResponse:
    req = await body(request, VerifyEmailRequest)
    record = await _link(request, req.token, "verify_email")
    outcome = await _send(request, VerifyEmail(token_id=record.id), record.user_id, record.id)
    return outcome_response(outcome, created=False)


@ROUTES.route(
    "POST",
    "/v1/me/email/verification",
    "Mail a new link to confirm the caller's address",
    "auth",
    response=User,
    errors=(409, 429, 503),
    description="409 when the address is already confirmed. Each account may be sent "
    "`account_mail_max_per_account` (3) account mails per `account_mail_window_s` (3600 s).",
)
async def request_verification(request: web.Request) -> web.StreamResponse:
    settings = settings_of(request)
    user_id = principal_of(request).user_id
    await _limit(
        f"account-mail:{user_id}",
        settings.account_mail_max_per_account,
        settings.account_mail_window_s,
        "account mails",
    )
    return await send_as_caller(request, RequestVerification())


@ROUTES.route(
    "POST",
    "/v1/auth/password/forgot",
    "Mail a link to reset a forgotten password",
    "auth",
    body=ForgotPasswordRequest,
    response=MailRequested,
    status=202,
    auth=False,
    errors=(429, 503),
    description="Answered alike whether the address has an account or not. The link works "
    "once, for 30 minutes. Limits: `account_mail_max_per_address` (10) requests from one "
    "client address and `account_mail_max_per_account` (3) requests about one email address "
    "per `account_mail_window_s` (3600 s), counted whether it has an account or not.",
)
async def forgot_password(request: web.Request) -> web.StreamResponse:
    req = await body(request, ForgotPasswordRequest)
    settings = settings_of(request)
    window = settings.account_mail_window_s
    address = client_address(request, settings)
    await _limit(
        f"forgot-from:{address}", settings.account_mail_max_per_address, window, "reset requests"
    )
    email_lower = req.email.lower()
    # Counted per address asked about, whether it has an account or not: a 429 tells nothing.
    await _limit(
        f"forgot-for:{email_lower}", settings.account_mail_max_per_account, window, "reset requests"
    )
    credential = await Credential.find_one(Credential.email_lower == email_lower)
    if credential is not None and credential.status == "active":
        command = build_command(
            RequestPasswordReset.COMMAND,
            RequestPasswordReset(user_id=credential.id).model_dump(mode="json"),
            issuer=None,
            issuer_scope=f"reset:{email_lower}",
        )
        try:
            await request.app[COMMAND_GATEWAY].publish(command)
        except (NatsError, TimeoutError) as exc:
            raise Problem(
                503, "unavailable", "the message bus is unreachable; retry shortly"
            ) from exc
    return web.json_response(MailRequested(detail=ASKED).model_dump(), status=202)


@ROUTES.route(
    "POST",
    "/v1/auth/password/reset",
    "Choose a new password with a reset link; every device is signed out",
    "auth",
    body=ResetPasswordRequest,
    status=204,
    auth=False,
    errors=(400, 429, 503),
    description="The token is the `token` query parameter of the reset link (it works once, "
    "for 30 minutes); any other token is 400 `invalid_link`. Every session of the account "
    "ends; sign in with the new password. Limit: `account_mail_max_per_address` (10) attempts "
    "from one client address per `account_mail_window_s` (3600 s).",
)
async def reset_password(request: web.Request) -> web.StreamResponse:
    req = await body(request, ResetPasswordRequest)
    settings = settings_of(request)
    await _limit(
        f"reset:{client_address(request, settings)}",
        settings.account_mail_max_per_address,
        settings.account_mail_window_s,
        "reset attempts",
    )
    record = await _link(request, req.token, "reset_password")
    await _set_password(record.user_id, req.password, utcnow())
    payload = PasswordChanged(how="reset", token_id=record.id)
    outcome = await _send(request, payload, record.user_id, f"reset:{record.id}")
    if not outcome.accepted:
        return outcome_response(outcome, created=False)
    log.info("password_reset", user_id=record.user_id)
    return web.Response(status=204)


@ROUTES.route(
    "POST",
    "/v1/me/password",
    "Change the password (the current one is asked); other devices are signed out",
    "auth",
    body=ChangePasswordRequest,
    status=204,
    errors=(403, 429, 503),
    description="403 when `current_password` is wrong. This session stays signed in; every "
    "other one ends. Failed attempts count like failed sign-ins (`login_max_per_account` per "
    "`login_window_s`).",
)
async def change_password(request: web.Request) -> web.StreamResponse:
    req = await body(request, ChangePasswordRequest)
    settings = settings_of(request)
    principal = principal_of(request)
    key = f"password:{principal.user_id}"
    await _limit(key, settings.login_max_per_account, settings.login_window_s, "wrong passwords")
    credential = await Credential.get(principal.user_id)
    stored = credential.password_hash if credential is not None else None
    if not await verify_password(stored, req.current_password):
        raise Problem(403, "wrong_password", "the current password is not right")
    await release_attempt(key)
    changed_at = utcnow()
    await _set_password(principal.user_id, req.new_password, changed_at)
    payload = PasswordChanged(how="change", keep_session_id=principal.session_id)
    key = f"password:{principal.session_id}:{changed_at.isoformat()}"
    outcome = await _send(request, payload, principal.user_id, key)
    if not outcome.accepted:
        return outcome_response(outcome, created=False)
    return web.Response(status=204)
