"""The account flows that mail a link (confirm an address, reset a password) and what a
password change ends.

Each link is a token record (:class:`storage.account_tokens.AccountTokenDoc`) made here and
announced by an event naming its id (``user.registered`` carries the first confirmation link's,
``user.verification_requested`` and ``user.password_reset_requested`` later ones); the
notifications actor mails it. Using a link is a command this actor applies once: the record is
marked used in the same write as its effect. Passwords themselves never come here: the edge
keeps the hash and tells this actor that it changed (``user.password_changed``), which ends the
sessions the change ends and makes a security notice.
"""

from __future__ import annotations

from typing import Any

from actors.changes import change_data, next_version
from actors.kernel import Decision, accept, reject
from actors.work import Work
from bus.account_commands import (
    NoteNewDevice,
    PasswordChanged,
    RequestEmailChange,
    RequestPasswordReset,
    RequestVerification,
    VerifyEmail,
)
from bus.account_links import LIFETIMES, LinkPurpose
from bus.envelopes import Command
from bus.ids import derived_id, user_scope
from storage.account_tokens import AccountTokenDoc, usable
from storage.accounts import SessionDoc, UserDoc
from storage.views import session_entity, user_entity

MAX_SESSIONS_ENDED = 1000
"""Sessions one password change ends in one command (a person has a handful)."""


def new_token(
    work: Work, purpose: LinkPurpose, user: UserDoc, seed: str, email: str | None = None
) -> AccountTokenDoc:
    """A link's record for ``user``'s current address (or ``email``), its id derived from
    ``seed`` (the command's id: the same command applied again makes the same record)."""
    token = AccountTokenDoc(
        id=derived_id("account-link", purpose, seed),
        purpose=purpose,
        user_id=user.id,
        email=email or user.email,
        created_at=work.now,
        expires_at=work.now + LIFETIMES[purpose],
    )
    work.put(token)
    return token


def link_data(token: AccountTokenDoc) -> dict[str, Any]:
    """What an event says of a link: its record's id, kind, address and end (never a secret)."""
    return {
        "id": token.id,
        "purpose": token.purpose,
        "email": token.email,
        "expires_at": token.expires_at.isoformat(),
    }


async def request_verification(command: Command, p: RequestVerification, work: Work) -> Decision:
    user = await work.get(UserDoc, command.actor.user_id or "")
    if user is None:
        return reject("not_found", "no such account")
    if user.email_verified_at is not None:
        return reject("conflict", "this address is already confirmed", user_entity(user))
    token = new_token(work, "verify_email", user, command.command_id)
    work.emit(user_scope(user.id), "user.verification_requested", {"entity": link_data(token)})
    return accept(user_entity(user))


async def request_email_change(command: Command, p: RequestEmailChange, work: Work) -> Decision:
    """Mail a link to the new address; the account keeps its address until the link is used."""
    user = await work.get(UserDoc, command.actor.user_id or "")
    if user is None:
        return reject("not_found", "no such account")
    if p.new_email.lower() == user.email_lower:
        return reject("validation", "this is the account's address already", new_email="unchanged")
    if await _taken(work, p.new_email, user.id):
        return reject("conflict", "an account with this email already exists")
    updated = next_version(user, work.now, pending_email=p.new_email)
    work.put(updated)
    entity = user_entity(updated)
    work.emit(user_scope(user.id), "user.updated", change_data(entity, user_entity(user)))
    token = new_token(work, "change_email", user, command.command_id, p.new_email)
    work.emit(user_scope(user.id), "user.email_change_requested", {"entity": link_data(token)})
    return accept(entity)


async def _taken(work: Work, email: str, user_id: str) -> bool:
    found = await work.find_ids(UserDoc, {"email_lower": email.lower()}, 2)
    return any(ident != user_id for ident in found)


async def verify_email(command: Command, p: VerifyEmail, work: Work) -> Decision:
    """Use a link mailed to an address: it confirms the account's address, or (a change's
    link) moves the account to the address it was mailed to and tells the person."""
    token = await work.get(AccountTokenDoc, p.token_id)
    purpose = token.purpose if token is not None and token.purpose == "change_email" else None
    if (why := usable(token, purpose or "verify_email", work.now)) is not None or token is None:
        return reject("conflict", why or "this link is not valid")
    user = await work.get(UserDoc, token.user_id)
    if user is None:
        return reject("not_found", "no such account")
    if purpose is None and user.email_lower != token.email.lower():
        return reject("conflict", "this link was sent to an earlier address of the account")
    if purpose is not None and await _taken(work, token.email, user.id):
        return reject("conflict", "an account with this email already exists")
    work.put(token.model_copy(update={"used_at": work.now, "version": token.version + 1}))
    if purpose is None and user.email_verified_at is not None:
        return accept(user_entity(user))
    moved = {"email": token.email, "email_lower": token.email.lower(), "pending_email": None}
    updated = next_version(
        user, work.now, email_verified_at=work.now, **(moved if purpose is not None else {})
    )
    work.put(updated)
    entity = user_entity(updated)
    work.emit(user_scope(user.id), "user.updated", change_data(entity, user_entity(user)))
    if purpose is not None:
        notice = {
            "id": derived_id("security", command.command_id),
            "what": "email_changed",
            "old_email": user.email,
            "new_email": token.email,
            "at": work.now.isoformat(),
        }
        work.emit(user_scope(user.id), "user.security", {"entity": notice})
    return accept(entity)


async def request_password_reset(command: Command, p: RequestPasswordReset, work: Work) -> Decision:
    """Accepted whether or not the account exists: the answer must not tell."""
    user = await work.get(UserDoc, p.user_id)
    if user is None:
        return accept()
    token = new_token(work, "reset_password", user, command.command_id)
    work.emit(user_scope(user.id), "user.password_reset_requested", {"entity": link_data(token)})
    return accept()


async def password_changed(command: Command, p: PasswordChanged, work: Work) -> Decision:
    """End every session of the person but the one that made the change (after a reset: all),
    use up the reset link, and make a security notice."""
    user_id = command.actor.user_id or ""
    user = await work.get(UserDoc, user_id)
    if user is None:
        return reject("not_found", "no such account")
    if p.how == "reset":
        token = await work.get(AccountTokenDoc, p.token_id or "")
        if token is None or token.user_id != user_id:
            return reject("conflict", "this link is not valid")
        if token.used_at is None:  # used here and nowhere else; the edge checked it was usable
            work.put(token.model_copy(update={"used_at": work.now, "version": token.version + 1}))
    keep = p.keep_session_id if p.how == "change" else None
    ended = await end_sessions(work, user_id, f"password_{p.how}", keep)
    notice = {
        "id": derived_id("security", command.command_id),
        "what": "password_reset" if p.how == "reset" else "password_changed",
        "sessions_ended": ended,
        "at": work.now.isoformat(),
    }
    work.emit(user_scope(user_id), "user.security", {"entity": notice})
    return accept(user_entity(user))


async def end_sessions(work: Work, user_id: str, reason: str, keep: str | None) -> int:
    """Revoke the person's live sessions but ``keep``; each one's devices hear
    ``session.revoked`` and their sockets close. How many were ended."""
    query = {"user_id": user_id, "revoked": False}
    ended = 0
    for ident in await work.find_ids(SessionDoc, query, MAX_SESSIONS_ENDED):
        session = await work.get(SessionDoc, ident)
        if session is None or session.revoked or ident == keep:
            continue
        revoked = session.model_copy(
            update={"revoked": True, "revoked_reason": reason, "version": session.version + 1}
        )
        work.put(revoked)
        work.emit(user_scope(user_id), "session.revoked", change_data(session_entity(revoked)))
        ended += 1
    return ended


async def note_new_device(command: Command, p: NoteNewDevice, work: Work) -> Decision:
    """A security notice of a sign-in from a new device (its session must be the caller's)."""
    session = await work.get(SessionDoc, p.session_id)
    user_id = command.actor.user_id
    if session is None or session.user_id != user_id:
        return reject("not_found", "no such session")
    notice = {
        "id": derived_id("security", command.command_id),
        "what": "new_device_sign_in",
        "device": p.device_id,
        "at": work.now.isoformat(),
    }
    work.emit(user_scope(user_id), "user.security", {"entity": notice})
    return accept(session_entity(session))
