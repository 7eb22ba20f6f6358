"""The accounts actor's command payloads: registering a person, their profile, ending a session."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from bus.limits import (
    Email,
    EntityId,
    Name,
    Timezone,
)
from bus.money import (
    CurrencyCode,
)
from bus.payload import (
    Payload,
)


class RegisterUser(Payload):
    COMMAND: ClassVar[str] = "user.register"
    ACTOR: ClassVar[str] = "accounts"

    user_id: EntityId
    email: Email
    name: Name
    home_currency: CurrencyCode
    timezone: Timezone


class UpdateProfile(Payload):
    COMMAND: ClassVar[str] = "user.update"
    ACTOR: ClassVar[str] = "accounts"

    name: Name | None = None
    home_currency: CurrencyCode | None = None
    timezone: Timezone | None = None


class RevokeSession(Payload):
    COMMAND: ClassVar[str] = "session.revoke"
    ACTOR: ClassVar[str] = "accounts"

    session_id: str = Field(max_length=64)
    reason: Literal["logout", "refresh_reuse", "admin"]


TokenId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]


class RequestVerification(Payload):
    """A new link to confirm the caller's address (the one mailed at sign-up may be lost)."""

    COMMAND: ClassVar[str] = "user.request_verification"
    ACTOR: ClassVar[str] = "accounts"


class VerifyEmail(Payload):
    """Confirm an address with the link mailed to it (the edge has checked its signature)."""

    COMMAND: ClassVar[str] = "user.verify_email"
    ACTOR: ClassVar[str] = "accounts"

    token_id: TokenId


class RequestPasswordReset(Payload):
    """Mail a reset link to this account (asked for by someone who may not be signed in)."""

    COMMAND: ClassVar[str] = "user.request_password_reset"
    ACTOR: ClassVar[str] = "accounts"

    user_id: EntityId


class PasswordChanged(Payload):
    """The edge stored a new password hash (the hash stays there): end the sessions it ends, use
    up the reset link, and tell the person."""

    COMMAND: ClassVar[str] = "user.password_changed"
    ACTOR: ClassVar[str] = "accounts"

    how: Literal["reset", "change"]
    token_id: TokenId | None = Field(None, description="The reset link used (how=reset).")
    keep_session_id: str | None = Field(
        None, max_length=64, description="The session that changed it (how=change) stays."
    )


class RequestEmailChange(Payload):
    """Move the account to a new address once a link mailed there is used (the edge has asked
    the current password and checked that no account has the address)."""

    COMMAND: ClassVar[str] = "user.request_email_change"
    ACTOR: ClassVar[str] = "accounts"

    new_email: Email


class NoteNewDevice(Payload):
    """The edge saw a sign-in from a device the account never used (its sessions say so)."""

    COMMAND: ClassVar[str] = "user.note_new_device"
    ACTOR: ClassVar[str] = "accounts"

    session_id: str = Field(max_length=64)
    device_id: str = Field(min_length=1, max_length=64)


class DeleteAccount(Payload):
    """Delete the caller's account (the edge has asked the current password): its sign-in and
    sessions end, and every actor erases what it keeps of the person (``user.deleted``)."""

    COMMAND: ClassVar[str] = "user.delete"
    ACTOR: ClassVar[str] = "accounts"


class EndOtherSessions(Payload):
    """Sign out every device of the caller's but the one asking (a lost phone, a shared
    computer): each ended session's sockets close, and the person is told."""

    COMMAND: ClassVar[str] = "user.end_other_sessions"
    ACTOR: ClassVar[str] = "accounts"

    keep_session_id: str = Field(max_length=64)
