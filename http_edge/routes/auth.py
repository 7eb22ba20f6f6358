"""Accounts: register, login, refresh, logout, and the caller's profile."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import structlog
from aiohttp import web
from nats.errors import Error as NatsError
from pymongo.errors import DuplicateKeyError

from bus.account_commands import NoteNewDevice, RegisterUser, RevokeSession, UpdateProfile
from bus.client import build_command
from bus.entities import User
from bus.envelopes import IDEMPOTENCY_MISMATCH, utcnow
from bus.ids import derived_id, new_id, scoped_command_id
from http_edge.api import Api
from http_edge.context import principal_of, resources_of, session_gate_of, settings_of
from http_edge.dispatch import COMMAND_GATEWAY, check_idempotency_key, dispatch, send_as_caller
from http_edge.inputs import body, versioned_body
from http_edge.problems import Problem
from http_edge.responses import entity_or_404
from http_edge.schemas import (
    LoginRequest,
    ProfilePatch,
    RefreshRequest,
    RegisterRequest,
    TokenResponse,
)
from http_edge.security import (
    access_token_for,
    client_address,
    hash_password,
    open_session,
    release_attempt,
    reserve_attempt,
    rotate_refresh,
    verify_password,
)
from storage.accounts import Credential, UserDoc, new_device
from storage.outcomes import processed_command
from storage.views import user_entity

ROUTES = Api()
"""The operations this module serves; the app factory installs them (``http_edge.app``)."""

log = structlog.get_logger(__name__)
ABANDONED_SIGNUP = timedelta(minutes=5)
KEY_OF_A_DELETED_ACCOUNT = (
    "this Idempotency-Key made an account that has since been deleted; sign up with a new key"
)


@ROUTES.route(
    "POST",
    "/v1/auth/register",
    "Create an account",
    "auth",
    body=RegisterRequest,
    response=User,
    status=201,
    auth=False,
    errors=(409, 429),
    command=True,
    description="409 `email_taken` when the address has an account. With an `Idempotency-Key` "
    "a retry is the same sign-up; a key whose account has been deleted since is 409 "
    "`idempotency_key_used` (sign up with a new key).",
)
async def register(request: web.Request) -> web.StreamResponse:
    """Written out: the edge stores the credential (an argon2 hash) before the command and
    answers with tokens, so no secret ever rides the bus."""
    req = await body(request, RegisterRequest)
    settings = settings_of(request)
    email_lower = req.email.lower()
    key = request.headers.get("Idempotency-Key")
    check_idempotency_key(key)
    address_key = f"register:{client_address(request, settings)}"
    # Every sign-up costs an argon2id hash, so every one counts.
    wait = await reserve_attempt(
        address_key, settings.register_max_per_address, settings.login_window_s
    )
    if wait is not None:
        raise Problem(
            429,
            "too_many_attempts",
            f"too many sign-ups from this address ({settings.register_max_per_address} per "
            f"{settings.login_window_s} s); retry after {wait} s",
            headers={"Retry-After": str(wait)},
        )
    # A retried sign-up (same key) names the same account; without a key each is new.
    command_id = scoped_command_id(f"signup:{email_lower}", key) if key else None
    user_id = derived_id("user", command_id or new_id())
    existing = await Credential.find_one(Credential.email_lower == email_lower)
    if command_id is not None and existing is None and await _erased(command_id, user_id):
        raise Problem(409, "idempotency_key_used", KEY_OF_A_DELETED_ACCOUNT)
    if existing is not None and existing.id != user_id:
        if existing.status == "active" or utcnow() - existing.created_at < ABANDONED_SIGNUP:
            raise Problem(409, "email_taken", "an account with this email already exists")
        await existing.delete()  # an abandoned sign-up: the edge died before the profile existed
    # The same sign-up retried must be the same request, password included.
    if (
        existing is not None
        and existing.id == user_id
        and not await verify_password(existing.password_hash, req.password)
    ):
        raise Problem(422, "idempotency_mismatch", IDEMPOTENCY_MISMATCH)
    if existing is None or existing.id != user_id:
        credential = Credential(
            id=user_id,
            email_lower=email_lower,
            password_hash=await hash_password(req.password),
            status="pending",
            created_at=utcnow(),
        )
        try:
            await credential.insert()
        except DuplicateKeyError as exc:
            raise Problem(409, "email_taken", "an account with this email already exists") from exc
    payload = RegisterUser(
        user_id=user_id,
        email=req.email,
        name=req.name,
        home_currency=req.home_currency,
        timezone=req.timezone,
    )
    return await dispatch(
        request,
        payload,
        issuer=None,
        issuer_scope=f"signup:{email_lower}",
    )


async def _erased(command_id: str, user_id: str) -> bool:
    """Whether this sign-up made its account once and the account has been deleted since (its
    stored outcome would answer with an account that no longer exists)."""
    prior = await processed_command(command_id)
    return prior is not None and prior.outcome.accepted and await UserDoc.get(user_id) is None


async def _tokens(request: web.Request, user_id: str, device_id: str | None) -> web.Response:
    settings = settings_of(request)
    user = await UserDoc.get(user_id)
    if user is None:
        raise Problem(401, "unauthorized", "wrong email or password")
    unseen = bool(device_id) and await new_device(user_id, device_id or "")
    session, refresh_token = await open_session(user_id, settings, device_id)
    if unseen and device_id:
        await _note_new_device(request, user_id, session.id, device_id)
    access, ttl = access_token_for(session, settings)
    body_out = TokenResponse(
        access_token=access, refresh_token=refresh_token, expires_in=ttl, user=user_entity(user)
    )
    return web.json_response(body_out.model_dump(mode="json"))


async def _note_new_device(
    request: web.Request, user_id: str, session_id: str, device_id: str
) -> None:
    """Ask for the security notice of a new device; the sign-in does not wait for it, nor fail
    for it (the bus unreachable is logged)."""
    command = build_command(
        NoteNewDevice.COMMAND,
        NoteNewDevice(session_id=session_id, device_id=device_id).model_dump(mode="json"),
        issuer=user_id,
        idempotency_key=f"new-device:{session_id}",
    )
    try:
        await request.app[COMMAND_GATEWAY].publish(command)
    except (NatsError, TimeoutError) as exc:
        log.warning("new_device_notice_failed", user_id=user_id, error=str(exc) or repr(exc))


@ROUTES.route(
    "POST",
    "/v1/auth/login",
    "Sign in; returns access and refresh tokens",
    "auth",
    body=LoginRequest,
    response=TokenResponse,
    auth=False,
    errors=(401, 429),
    description="A sign-in with a `device_id` the account has never signed in on (other than "
    "its very first sign-in) makes a security notice: an inbox item and a mail.",
)
async def login(request: web.Request) -> web.StreamResponse:
    req = await body(request, LoginRequest)
    settings = settings_of(request)
    email_lower = req.email.lower()
    address = client_address(request, settings)
    # Failures count per address, and per account *from that address*: a stranger elsewhere
    # cannot lock someone out by failing on purpose.
    keys = (
        (f"addr:{address}", settings.login_max_per_address),
        (f"acct:{email_lower}:{address}", settings.login_max_per_account),
        # A ceiling for one account from everywhere, against brute force spread over addresses.
        (f"acct:{email_lower}", settings.login_max_per_account_total),
    )
    reserved = []
    for key, limit in keys:
        wait = await reserve_attempt(key, limit, settings.login_window_s)
        reserved.append(key)
        if wait is not None:
            raise Problem(
                429,
                "too_many_attempts",
                "too many failed sign-in attempts; try again later",
                headers={"Retry-After": str(wait)},
            )
    credential = await Credential.find_one(Credential.email_lower == email_lower)
    valid = await verify_password(credential.password_hash if credential else None, req.password)
    if not valid or credential is None or credential.status != "active":
        log.info("login_failed")
        raise Problem(401, "unauthorized", "wrong email or password")
    await asyncio.gather(*(release_attempt(key) for key in reserved))
    return await _tokens(request, credential.id, req.device_id)


@ROUTES.route(
    "POST",
    "/v1/auth/refresh",
    "Rotate a refresh token for new tokens",
    "auth",
    body=RefreshRequest,
    response=TokenResponse,
    auth=False,
    errors=(401,),
)
async def refresh(request: web.Request) -> web.StreamResponse:
    req = await body(request, RefreshRequest)
    settings, resources = settings_of(request), resources_of(request)
    rotation = await rotate_refresh(req.refresh_token)
    if rotation.reused and rotation.session is not None:
        log.warning(
            "refresh_token_reused", user_id=rotation.session.user_id, session_id=rotation.session.id
        )
        session_gate_of(request).forget(rotation.session.id)
        # The revocation must reach the accounts actor: one id per session (a retried reuse
        # sends the same command), and if the bus cannot take it the client hears 503. Once
        # JetStream has it, it is applied even if the outcome is slower than the wait.
        command = build_command(
            "session.revoke",
            RevokeSession(session_id=rotation.session.id, reason="refresh_reuse").model_dump(
                mode="json"
            ),
            issuer=rotation.session.user_id,
            idempotency_key=f"refresh_reuse:{rotation.session.id}",
        )
        try:
            await resources.sender.send(command, settings.outcome_wait_s)
        except (NatsError, TimeoutError) as exc:
            log.error("refresh_reuse_revoke_failed", session_id=rotation.session.id, error=str(exc))
            raise Problem(
                503,
                "unavailable",
                "this refresh token was already used; retry shortly to finish revoking the session",
                headers={"Retry-After": "2"},
            ) from exc
        raise Problem(
            401, "refresh_reused", "this refresh token was already used; the session is revoked"
        )
    if rotation.session is None or rotation.refresh_token is None:
        raise Problem(401, "unauthorized", "invalid or expired refresh token")
    user = await UserDoc.get(rotation.session.user_id)
    if user is None:
        raise Problem(401, "unauthorized", "invalid or expired refresh token")
    access, ttl = access_token_for(rotation.session, settings)
    out = TokenResponse(
        access_token=access,
        refresh_token=rotation.refresh_token,
        expires_in=ttl,
        user=user_entity(user),
    )
    return web.json_response(out.model_dump(mode="json"))


@ROUTES.route(
    "POST",
    "/v1/auth/logout",
    "Sign out this device (revokes its session and closes its sockets)",
    "auth",
    status=204,
    errors=(429, 503),
)
async def logout(request: web.Request) -> web.StreamResponse:
    principal = principal_of(request)
    payload = RevokeSession(session_id=principal.session_id, reason="logout")
    session_gate_of(request).forget(principal.session_id)
    await send_as_caller(request, payload)
    return web.Response(status=204)


@ROUTES.route("GET", "/v1/me", "The signed-in user", "auth", response=User, errors=(404,))
async def me(request: web.Request) -> web.StreamResponse:
    user = await UserDoc.get(principal_of(request).user_id)
    return entity_or_404(user_entity(user) if user else None, "account")


@ROUTES.route(
    "PATCH",
    "/v1/me",
    "Change name, home currency or timezone",
    "auth",
    body=ProfilePatch,
    versioned=True,
    response=User,
    errors=(409,),
    command=True,
    headers=("If-Match",),
)
async def update_me(request: web.Request) -> web.StreamResponse:
    """Written out: the entity is the caller (no id in the path)."""
    patch, version = await versioned_body(request, UpdateProfile)  # ProfilePatch's shape
    return await send_as_caller(request, patch, version)
