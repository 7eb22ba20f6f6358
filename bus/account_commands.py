"""The accounts actor's command payloads: registering a person, their profile, ending a session."""

from __future__ import annotations

from typing import ClassVar, Literal

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
