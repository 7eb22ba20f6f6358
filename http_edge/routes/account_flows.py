"""The account flows of links: confirming an address (or a new one), a forgotten password.

The edge checks what only it may see (a link's signature, a password) and keeps the password
hash; the accounts actor applies the rest once (a link used, sessions ended, a security notice),
and the notifications actor mails the links. A reset request is answered alike whether the
address has an account or not.
"""

from __future__ import annotations

import structlog
from aiohttp import web
from nats.errors import Error as NatsError

from bus.account_commands import (
    PasswordChanged,
    RequestPasswordReset,
    RequestVerification,
    VerifyEmail,
)
from bus.client import build_command
from bus.entities import User
from http_edge.account_steps import (
    address_free,
    applied,
    apply_for,
    checked_link,
    limited,
    set_password,
)
from http_edge.api import Api
from http_edge.context import principal_of, settings_of
from http_edge.dispatch import COMMAND_GATEWAY, outcome_response, send_as_caller
from http_edge.inputs import body
from http_edge.problems import Problem
from http_edge.schemas import (
    ForgotPasswordRequest,
    MailRequested,
    ResetPasswordRequest,
    VerifyEmailRequest,
)
from http_edge.security import client_address
from storage.accounts import Credential

ROUTES = Api()
log = structlog.get_logger(__name__)

ASKED = "if an account has this address, a mail with a link to reset its password is on its way"


@ROUTES.route(
    "POST",
    "/v1/auth/verify-email",
    "Confirm an email address with the link mailed to it",
    "auth",
    body=VerifyEmailRequest,
    response=User,
    auth=False,
    errors=(400, 409, 503),
    description="The token is the `token` query parameter of the link: the welcome mail's or "
    "a newer one (it works once, for 7 days, for the address it was sent to), or one mailed "
    "to a new address (POST /v1/me/email: it works once, for 24 hours, and moves the account "
    "there; 409 `email_taken` if another account took the address meanwhile). Any other "
    "token is 400 `invalid_link`. No sign-in is needed: the link may be opened on any device.",
)
async def verify_email(request: web.Request) -> web.StreamResponse:
    req = await body(request, VerifyEmailRequest)
    record = await checked_link(request, req.token, "verify_email", "change_email")
    if record.purpose == "change_email":
        await address_free(record.email, record.user_id)
    outcome = await apply_for(request, VerifyEmail(token_id=record.id), record.user_id, record.id)
    if outcome.accepted and record.purpose == "change_email":
        # Sign-in follows the account to its new address (the profile has moved already).
        await Credential.find_one(Credential.id == record.user_id).update(
            {"$set": {"email_lower": record.email.lower()}}
        )
        log.info("email_changed", user_id=record.user_id)
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
    await limited(
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
    await limited(
        f"forgot-from:{address}", settings.account_mail_max_per_address, window, "reset requests"
    )
    email_lower = req.email.lower()
    # Counted per address asked about, whether it has an account or not: a 429 tells nothing.
    await limited(
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
    await limited(
        f"reset:{client_address(request, settings)}",
        settings.account_mail_max_per_address,
        settings.account_mail_window_s,
        "reset attempts",
    )
    record = await checked_link(request, req.token, "reset_password")
    await set_password(record.user_id, req.password)
    payload = PasswordChanged(how="reset", token_id=record.id)
    await applied(request, payload, record.user_id, f"reset:{record.id}")
    log.info("password_reset", user_id=record.user_id)
    return web.Response(status=204)
