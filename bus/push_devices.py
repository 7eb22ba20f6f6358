"""Push devices (the notifications actor's): where a person's pushes go. A browser registers its
Web Push subscription, a phone its FCM or APNs token; each is one device, and an item a person
wants by push goes to each of theirs. A service's answer that a device is gone (404/410,
UNREGISTERED) removes it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal, Self, get_args

from pydantic import ConfigDict, Field, model_validator

from bus.entities import Entity
from bus.payload import DeleteById, Payload, schema_rules
from bus.push_subscription import ApnsDeviceToken, FcmDeviceToken, WebPushSubscription

PushProvider = Literal["web_push", "fcm", "apns"]
PUSH_PROVIDERS: tuple[str, ...] = get_args(PushProvider)
MAX_PUSH_DEVICES = 20
"""Devices one person may register; the 21st is refused (409 limit_reached)."""
LABEL_MAX = 100


FCM_TOKEN_PATTERN = r"^[A-Za-z0-9_:-]{32,4096}$"
APNS_TOKEN_PATTERN = r"^([0-9A-Fa-f]{2}){32,100}$"


def _one_provider(schema: dict[str, Any]) -> None:
    """State in the schema what the validator checks: the fields each provider takes."""
    nothing = {"type": "null"}
    schema["oneOf"] = [
        {
            "required": ["subscription"],
            "properties": {
                "provider": {"const": "web_push"},
                "subscription": {"type": "object"},
                "token": nothing,
            },
        },
        {
            "required": ["token"],
            "properties": {
                "provider": {"const": "fcm"},
                "token": {"type": "string", "pattern": FCM_TOKEN_PATTERN},
                "subscription": nothing,
            },
        },
        {
            "required": ["token"],
            "properties": {
                "provider": {"const": "apns"},
                "token": {"type": "string", "pattern": APNS_TOKEN_PATTERN},
                "subscription": nothing,
            },
        },
    ]


class RegisterPushDevice(Payload):
    """Register a device for pushes: ``web_push`` with the browser's subscription, or ``fcm`` /
    ``apns`` with the device's token. Registering the same one again changes nothing."""

    COMMAND: ClassVar[str] = "push_device.register"
    ACTOR: ClassVar[str] = "notifications"

    model_config = ConfigDict(
        frozen=True, extra="forbid", json_schema_extra=schema_rules(_one_provider)
    )

    provider: PushProvider
    subscription: WebPushSubscription | None = Field(
        None, description="With `web_push`: the browser's `PushSubscription.toJSON()`."
    )
    token: str | None = Field(
        None,
        max_length=4096,
        description="With `fcm`: the registration token; with `apns`: the device token (hex).",
    )
    label: str | None = Field(
        None, min_length=1, max_length=LABEL_MAX, description="A name to tell devices apart."
    )

    @model_validator(mode="after")
    def _matches_provider(self) -> Self:
        if self.provider == "web_push":
            if self.subscription is None or self.token is not None:
                raise ValueError("web_push takes a subscription and no token")
            return self
        if self.token is None or self.subscription is not None:
            raise ValueError(f"{self.provider} takes a token and no subscription")
        checked = (FcmDeviceToken if self.provider == "fcm" else ApnsDeviceToken)(token=self.token)
        object.__setattr__(self, "token", checked.token)  # APNs tokens kept in lower case
        return self

    def address(self) -> str:
        """What identifies the device at its push service (the endpoint, or the token)."""
        if self.subscription is not None:
            return self.subscription.endpoint
        return self.token or ""


class RemovePushDevice(DeleteById):
    """Stop pushes to one device (signing out of it, or turning pushes off there)."""

    COMMAND: ClassVar[str] = "push_device.remove"
    ACTOR: ClassVar[str] = "notifications"


class PushDevice(Entity):
    id: str
    provider: PushProvider
    label: str | None = None
    endpoint_origin: str | None = Field(
        None, description="With `web_push`: the push service's origin (never the whole URL)."
    )
    created_at: datetime
    version: int
