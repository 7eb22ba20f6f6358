"""The signed-in person's credentials: changing the password, moving the account to a new
email address, and deleting the account. Each asks the current password."""

from __future__ import annotations

from aiohttp import web

from bus.account_commands import DeleteAccount, PasswordChanged, RequestEmailChange
from bus.entities import User
from bus.envelopes import utcnow
from http_edge.account_steps import (
    address_free,
    applied,
    current_password,
    limited,
    set_password,
)
from http_edge.api import Api
from http_edge.context import principal_of, session_gate_of, settings_of
from http_edge.dispatch import send_as_caller
from http_edge.inputs import body
from http_edge.schemas import ChangeEmailRequest, ChangePasswordRequest, DeleteAccountRequest

ROUTES = Api()


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
    principal = principal_of(request)
    await current_password(request, principal.user_id, req.current_password)
    changed_at = utcnow()
    await set_password(principal.user_id, req.new_password)
    payload = PasswordChanged(how="change", keep_session_id=principal.session_id)
    key = f"password:{principal.session_id}:{changed_at.isoformat()}"
    await applied(request, payload, principal.user_id, key)
    return web.Response(status=204)


@ROUTES.route(
    "POST",
    "/v1/me/email",
    "Move the account to a new email address (the current password is asked)",
    "auth",
    body=ChangeEmailRequest,
    response=User,
    errors=(403, 409, 422, 429, 503),
    description="A link is mailed to the new address (`pending_email` until it is used: POST "
    "/v1/auth/verify-email); the account keeps its address until then, and the old address is "
    "told once it moves. 403 `wrong_password` (counted like failed sign-ins), 409 "
    "`email_taken`, 422 when it is the account's address already; each account may be sent "
    "`account_mail_max_per_account` (3) account mails per `account_mail_window_s` (3600 s).",
)
async def change_email(request: web.Request) -> web.StreamResponse:
    req = await body(request, ChangeEmailRequest)
    settings = settings_of(request)
    principal = principal_of(request)
    await current_password(request, principal.user_id, req.current_password)
    await address_free(req.new_email, principal.user_id)
    await limited(
        f"account-mail:{principal.user_id}",
        settings.account_mail_max_per_account,
        settings.account_mail_window_s,
        "account mails",
    )
    return await send_as_caller(request, RequestEmailChange(new_email=req.new_email))


@ROUTES.route(
    "POST",
    "/v1/me/delete",
    "Delete the account (the current password is asked); every device is signed out",
    "auth",
    body=DeleteAccountRequest,
    status=204,
    errors=(403, 429, 503),
    description="204 once the account is gone: its sign-in, sessions and account links are "
    "erased (every device's sockets close), and each part of ledgerbus erases what it keeps of "
    "the person moments later: expenses, trips, categories, budgets, goals, recurring rules "
    "(stopped), receipts and their images, risk scores, notifications, preferences and push "
    'devices. In shared groups the person\'s shares stay, under the label "Former member", so '
    "every group still balances. The address can sign up again. 403 `wrong_password` (counted "
    "like failed sign-ins).",
)
async def delete_account(request: web.Request) -> web.StreamResponse:
    req = await body(request, DeleteAccountRequest)
    principal = principal_of(request)
    await current_password(request, principal.user_id, req.current_password)
    await applied(request, DeleteAccount(), principal.user_id, f"delete:{principal.user_id}")
    session_gate_of(request).forget(principal.session_id)
    return web.Response(status=204)
