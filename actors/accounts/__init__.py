"""The accounts actor: profiles, sessions ended, and the account links (:mod:`.links`).
Secrets never reach it (DESIGN.md): passwords stay with the edge, links are signed there."""

from __future__ import annotations

from actors.accounts.erasure import delete_account
from actors.accounts.links import (
    link_data,
    new_token,
    note_new_device,
    password_changed,
    request_email_change,
    request_password_reset,
    request_verification,
    verify_email,
)
from actors.accounts.sessions import end_other_sessions
from actors.changes import change_data, next_version, stale
from actors.erasure import USER_DELETED
from actors.handling import handlers, on
from actors.kernel import ActorDefinition, Decision, accept, reject
from actors.reads import caller, ref
from actors.work import Work
from bus.account_commands import (
    DeleteAccount,
    EndOtherSessions,
    NoteNewDevice,
    PasswordChanged,
    RegisterUser,
    RequestEmailChange,
    RequestPasswordReset,
    RequestVerification,
    RevokeSession,
    UpdateProfile,
    VerifyEmail,
)
from bus.envelopes import Command
from bus.ids import derived_id, user_scope
from storage.account_tokens import AccountTokenDoc
from storage.accounts import Credential, SessionDoc, UserDoc
from storage.views import session_entity, user_entity


async def register(command: Command, p: RegisterUser, work: Work) -> Decision:
    """Create the profile and activate the credential the edge stored for it; the event names
    the link that confirms the address (the welcome mail carries it)."""
    if await work.get(UserDoc, p.user_id) is not None:
        return reject("conflict", "this account already exists")
    credential = await work.get(Credential, p.user_id)
    if credential is None or credential.email_lower != p.email.lower():
        return reject("validation", "no pending sign-up for this account")
    user = UserDoc(
        id=p.user_id,
        email=p.email,
        email_lower=p.email.lower(),
        name=p.name,
        home_currency=p.home_currency,
        timezone=p.timezone,
        version=1,
        created_at=work.now,
        updated_at=work.now,
    )
    work.put(user)
    work.put(credential.model_copy(update={"status": "active"}))
    entity = user_entity(user)
    link = new_token(work, "verify_email", user, command.command_id)
    data = {**change_data(entity), "verification": link_data(link)}
    work.emit(user_scope(user.id), "user.registered", data)
    return accept(entity)


async def update_profile(command: Command, p: UpdateProfile, work: Work) -> Decision:
    user_id = command.actor.user_id or ""
    user = await work.get(UserDoc, user_id)
    if user is None:
        return reject("not_found", "no such account")
    if (conflict := stale(command, user_entity(user))) is not None:
        return conflict
    changes = p.model_dump(exclude_unset=True, exclude_none=True)
    updated = next_version(user, work.now, **changes)
    work.put(updated)
    entity = user_entity(updated)
    work.emit(user_scope(user_id), "user.updated", change_data(entity, user_entity(user)))
    return accept(entity)


async def revoke_session(command: Command, p: RevokeSession, work: Work) -> Decision:
    """Revoke a sign-in session; its devices' sockets close when they see `session.revoked`."""
    session = await work.get(SessionDoc, p.session_id)
    if session is None or session.user_id != command.actor.user_id:
        return reject("not_found", "no such session")
    if session.revoked:
        return accept(session_entity(session))
    revoked = session.model_copy(
        update={"revoked": True, "revoked_reason": p.reason, "version": session.version + 1}
    )
    work.put(revoked)
    entity = session_entity(revoked)
    work.emit(user_scope(session.user_id), "session.revoked", change_data(entity))
    if p.reason == "refresh_reuse":  # a copied token: the person must hear of it
        notice = {
            "id": derived_id("security", command.command_id),
            "what": "refresh_token_reuse",
            "sessions_ended": 1,
            "at": work.now.isoformat(),
        }
        work.emit(user_scope(session.user_id), "user.security", {"entity": notice})
    return accept(entity)


ACCOUNTS = ActorDefinition(
    name="accounts",
    handlers=handlers(
        on(RegisterUser, register, reads=(ref(UserDoc, "user_id"), ref(Credential, "user_id"))),
        on(UpdateProfile, update_profile, reads=(caller(),)),
        on(RevokeSession, revoke_session, reads=(ref(SessionDoc, "session_id"),)),
        on(RequestVerification, request_verification, reads=(caller(),)),
        on(VerifyEmail, verify_email, reads=(ref(AccountTokenDoc, "token_id"),)),
        on(RequestEmailChange, request_email_change, reads=(caller(),)),
        on(NoteNewDevice, note_new_device, reads=(ref(SessionDoc, "session_id"),)),
        on(RequestPasswordReset, request_password_reset, reads=(ref(UserDoc, "user_id"),)),
        on(PasswordChanged, password_changed, reads=(caller(),)),
        on(DeleteAccount, delete_account, reads=(caller(),)),
        on(EndOtherSessions, end_other_sessions, reads=(ref(SessionDoc, "keep_session_id"),)),
    ),
    emits=(
        "user.registered",
        "user.updated",
        "session.revoked",
        "user.verification_requested",
        "user.password_reset_requested",
        "user.email_change_requested",
        "user.security",
        USER_DELETED,
    ),
)
