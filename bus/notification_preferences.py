"""What a person wants to hear of, and where: for each kind of notification, by email and by
push (the inbox always has every item), and whether its mail goes at once or gathered into a
daily or weekly digest (:mod:`bus.digests`). Defaults suit most people (an overrun, a goal, a
bill or payment that involves you and a flagged expense by email, at once; everything by push);
security notices always go by email at once, whatever the preferences say. Quiet hours
(:mod:`bus.quiet_hours`) hold mail and pushes for later.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
from typing import Annotated, Any, ClassVar, Literal, Self, get_args

from pydantic import ConfigDict, Field, StrictBool, model_validator

from bus.digests import DigestChoice
from bus.entities import Entity
from bus.notifications import NotificationKind
from bus.payload import Payload, schema_rules
from bus.quiet_hours import QuietHours

Channel = Literal["email", "push"]
KINDS: tuple[str, ...] = get_args(NotificationKind)
EMAIL_BY_DEFAULT = frozenset(
    {
        "budget_exceeded",
        "goal_achieved",
        "group_bill",
        "group_membership",
        "payment_reminder",
        "expense_flagged",
        "security",
    }
)
"""Kinds mailed unless turned off: thresholds on the way, receipts read, recurring expenses
made, someone joining by your invite and debts simplified stay in the app (expected, and a
mail each would be noise)."""
ALWAYS: frozenset[tuple[str, Channel]] = frozenset({("security", "email")})
"""What cannot be turned off: a sign-in or a password change is told by email, always."""
NEVER_DIGESTED = frozenset({"security"})
"""Kinds whose mail always goes at once."""


class ChannelChoice(Entity):
    email: bool
    push: bool
    digest: DigestChoice = Field(
        "off",
        description="off: each item is mailed at once; daily or weekly: the items of this kind "
        "are mailed together once the day or week (in your timezone) has ended.",
    )


class ChannelSwitch(Payload):
    """A change to one kind: the channels named are turned on (true) or off (false), and its
    mail gathered into a digest or not."""

    email: StrictBool | None = None
    push: StrictBool | None = None
    digest: DigestChoice | None = None


class NotificationPreferences(Entity):
    kinds: dict[NotificationKind, ChannelChoice] = Field(
        description="Every kind, with the channels it goes to (defaults where unchanged)."
    )
    quiet_hours: QuietHours | None = Field(
        None, description="When mail and pushes wait, in your timezone (none: never)."
    )
    version: int = Field(description="0 until the person first changes something.")


def _always_on(schema: dict[str, Any]) -> None:
    """State in the schema what the validator refuses: ``false`` for what is always on, and a
    change that names nothing."""
    schema["minProperties"] = 1
    kinds = schema["properties"]["kinds"]
    kinds["properties"] = {
        kind: {
            "allOf": [copy.deepcopy(kinds["additionalProperties"])],
            "properties": {
                **{channel: {"not": {"const": False}} for k, channel in ALWAYS if k == kind},
                **(
                    {"digest": {"not": {"enum": ["daily", "weekly"]}}}
                    if kind in NEVER_DIGESTED
                    else {}
                ),
            },
        }
        for kind in sorted({k for k, _ in ALWAYS} | NEVER_DIGESTED)
    }


class SetNotificationPreferences(Payload):
    """Turn channels on or off for some kinds; kinds and channels not named keep theirs."""

    COMMAND: ClassVar[str] = "notification.preferences.set"
    ACTOR: ClassVar[str] = "notifications"

    model_config = ConfigDict(
        frozen=True, extra="forbid", json_schema_extra=schema_rules(_always_on)
    )

    kinds: Annotated[
        dict[NotificationKind, ChannelSwitch], Field(min_length=1, max_length=len(KINDS))
    ] = Field(
        default_factory=dict,
        description="Kind -> {email, push, digest}. Turning off the email of `security`, or "
        "gathering it into a digest, is refused (422).",
    )
    quiet_hours: QuietHours | None = Field(
        None,
        description="When mail and pushes wait (held, then sent when it ends; the inbox gets "
        "every item at once; security notices are never held). null: no quiet hours.",
    )

    @model_validator(mode="after")
    def _changes_something(self) -> Self:
        if not self.model_fields_set & {"kinds", "quiet_hours"}:
            raise ValueError("name kinds, quiet_hours or both")
        return self

    @model_validator(mode="after")
    def _keeps_what_is_always_on(self) -> Self:
        for kind, switch in self.kinds.items():
            for channel in ("email", "push"):
                if getattr(switch, channel) is False and (kind, channel) in ALWAYS:
                    raise ValueError(f"{channel} for {kind} cannot be turned off")
            if switch.digest not in (None, "off") and kind in NEVER_DIGESTED:
                raise ValueError(f"the mail of {kind} always goes at once")
        return self


def default_choice(kind: str) -> dict[str, bool | str]:
    return {"email": kind in EMAIL_BY_DEFAULT, "push": True, "digest": "off"}


def effective(stored: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every kind's choices: the stored ones over the defaults, what is always on kept on."""
    chosen: dict[str, dict[str, Any]] = {}
    for kind in KINDS:
        mine = default_choice(kind)
        for channel in ("email", "push"):
            value = stored.get(kind, {}).get(channel)
            if isinstance(value, bool):
                mine[channel] = value
        if stored.get(kind, {}).get("digest") in ("daily", "weekly"):
            mine["digest"] = stored[kind]["digest"]
        for always_kind, channel in ALWAYS:
            if always_kind == kind:
                mine[channel] = True
        if kind in NEVER_DIGESTED:
            mine["digest"] = "off"
        chosen[kind] = mine
    return chosen


def digest_periods(stored: dict[str, dict[str, Any]]) -> list[str]:
    """The digests a person's choices need (kinds mailed, gathered daily or weekly)."""
    chosen = effective(stored).values()
    return sorted({str(c["digest"]) for c in chosen if c["email"] and c["digest"] != "off"})


def unsubscribe_token(key: str, user_id: str, kind: str) -> str:
    """The proof, in a mail's one-click unsubscribe link, that the link was made for this person
    and kind: an HMAC-SHA256 under the person's own unsubscribe key (kept with their
    preferences), so neither the edge nor the actor needs a secret of the other's."""
    digest = hmac.new(key.encode(), f"{user_id}:{kind}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_matches(key: str, user_id: str, kind: str, token: str) -> bool:
    return hmac.compare_digest(unsubscribe_token(key, user_id, kind), token)
