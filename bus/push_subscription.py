"""What a device registers to receive pushes: a Web Push subscription as a browser's
``PushSubscription.toJSON()`` gives it, or an FCM or APNs device token.

These models are the edge's check of that input: anything they accept can be pushed to (the key
lies on P-256, the secret has the length RFC 8291 requires, the endpoint is a URL a push service
could have made), and anything they refuse comes back as a 422 naming the field.

Where an endpoint may point is a deployment's policy (https on a public host; http on loopback
too when ``push_allow_http_loopback`` is set): :func:`parse_web_push_subscription` applies it,
as the edge does on registration and the sender before each push. Validated without that
context (a command's payload decoded by the actor), an endpoint is checked as if loopback were
allowed.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

ENDPOINT_MAX_CHARS = 2048
P256_POINT_BYTES = 65  # 0x04 || X || Y, the uncompressed form browsers give
AUTH_SECRET_BYTES = 16  # RFC 8291 section 3.2
ALLOW_HTTP_LOOPBACK = "allow_http_loopback"
"""Validation context key: when true, an ``http`` endpoint on a loopback host is accepted (local
push servers in tests and on the embedded stack)."""

_PATH = r"""(/[!"$-~]*)?"""  # printable ASCII but space and '#' (no fragment)
_PORT = r"(:[1-9][0-9]{0,3})?"
PUBLIC_ENDPOINT_PATTERN = (
    rf"^https://([A-Za-z0-9]([A-Za-z0-9-]{{0,61}}[A-Za-z0-9])?\.)+[A-Za-z]{{2,8}}{_PORT}{_PATH}$"
)
"""Endpoints every deployment takes, as the schema states them: https on a DNS name (no address
literal, no ``.localhost``)."""
LOOPBACK_ENDPOINT_PATTERN = rf"^https?://(127\.0\.0\.1|localhost|\[::1\]){_PORT}{_PATH}$"
"""What a deployment with ``push_allow_http_loopback`` takes as well."""
P256DH_PATTERN = r"^B[A-Za-z0-9_-]{86}=?$"
AUTH_PATTERN = r"^[A-Za-z0-9_-]{22}(==)?$"


def endpoint_pattern(*, allow_http_loopback: bool) -> str:
    """The endpoints a deployment takes, as one pattern."""
    if allow_http_loopback:
        return f"{PUBLIC_ENDPOINT_PATTERN}|{LOOPBACK_ENDPOINT_PATTERN}"
    return PUBLIC_ENDPOINT_PATTERN


_BASE64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")
_FCM_TOKEN = re.compile(r"^[A-Za-z0-9_:-]+$")
_HEX = re.compile(r"^[0-9A-Fa-f]+$")


def b64url_decode(value: str) -> bytes:
    """Bytes of unpadded (or padded) base64url text; ValueError names what is wrong."""
    if not _BASE64URL.match(value):
        raise ValueError("must be base64url text (A-Z, a-z, 0-9, '-' and '_')")
    try:
        return base64.urlsafe_b64decode(value.rstrip("=") + "=" * (-len(value.rstrip("=")) % 4))
    except (binascii.Error, ValueError) as error:
        raise ValueError("must be valid base64url text") from error


def _has_policy(info: ValidationInfo) -> bool:
    context: Any = info.context
    return isinstance(context, dict) and ALLOW_HTTP_LOOPBACK in context


def _allows_loopback(info: ValidationInfo) -> bool:
    context: Any = info.context
    return isinstance(context, dict) and bool(context.get(ALLOW_HTTP_LOOPBACK))


def _is_internal_host(host: str) -> bool:
    """A host no public push service lives on: localhost, or a loopback, private, link-local or
    unspecified address written as such."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_unspecified
        or address.is_multicast
        or address.is_reserved
    )


def _is_loopback_host(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_endpoint(value: str, *, allow_http_loopback: bool) -> str:
    """``value`` if it is a push endpoint we will send to: an absolute https URL with a host, no
    credentials, fragment or whitespace, on a public host; http and loopback hosts only when
    ``allow_http_loopback``."""
    if any(char.isspace() or ord(char) < 0x20 for char in value):
        raise ValueError("must not contain whitespace or control characters")
    try:
        parts = urlsplit(value)
        _ = parts.port
    except ValueError as error:
        raise ValueError(f"is not a valid URL ({error})") from error
    scheme, host = parts.scheme.lower(), (parts.hostname or "")
    if scheme not in ("https", "http"):
        raise ValueError("must be an https URL")
    if not host:
        raise ValueError("must name a host")
    if parts.username is not None or parts.password is not None:
        raise ValueError("must not carry credentials")
    if parts.fragment:
        raise ValueError("must not have a fragment")
    if scheme == "http" and not (allow_http_loopback and _is_loopback_host(host)):
        raise ValueError("must be an https URL")
    if _is_internal_host(host) and not (allow_http_loopback and _is_loopback_host(host)):
        raise ValueError("must be on a public host, not a local or private address")
    return value


class WebPushKeys(BaseModel):
    """The subscriber's keys (RFC 8291): its ECDH public key and its authentication secret."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    p256dh: str = Field(
        max_length=128,
        json_schema_extra={"pattern": P256DH_PATTERN},
        description="The browser's P-256 public key, uncompressed (65 bytes), base64url.",
        examples=[
            "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM"
        ],
    )
    auth: str = Field(
        max_length=32,
        json_schema_extra={"pattern": AUTH_PATTERN},
        description="The browser's authentication secret (16 bytes), base64url.",
        examples=["tBHItJI5svbpez7KI4CCXg"],
    )

    @field_validator("p256dh")
    @classmethod
    def _point_on_curve(cls, value: str) -> str:
        raw = b64url_decode(value)
        if len(raw) != P256_POINT_BYTES or raw[0] != 0x04:
            raise ValueError(
                f"must be an uncompressed P-256 public key ({P256_POINT_BYTES} bytes starting "
                f"0x04), got {len(raw)} bytes"
            )
        try:
            ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
        except ValueError as error:
            raise ValueError("is not a point on the P-256 curve") from error
        return value

    @field_validator("auth")
    @classmethod
    def _secret_length(cls, value: str) -> str:
        raw = b64url_decode(value)
        if len(raw) != AUTH_SECRET_BYTES:
            raise ValueError(f"must be {AUTH_SECRET_BYTES} bytes, got {len(raw)}")
        return value

    @property
    def p256dh_bytes(self) -> bytes:
        """The subscriber's public key, 65 bytes."""
        return b64url_decode(self.p256dh)

    @property
    def auth_bytes(self) -> bytes:
        """The subscriber's authentication secret, 16 bytes."""
        return b64url_decode(self.auth)


class WebPushSubscription(BaseModel):
    """One browser's Web Push subscription (RFC 8030 endpoint, RFC 8291 keys).

    Validate with ``model_validate(data, context={ALLOW_HTTP_LOOPBACK: flag})`` (or
    :func:`parse_web_push_subscription`); without the flag only https on public hosts passes.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, serialize_by_alias=True)

    endpoint: str = Field(
        max_length=ENDPOINT_MAX_CHARS,
        json_schema_extra={"pattern": PUBLIC_ENDPOINT_PATTERN},
        description="The push service's URL for this subscription: https on a public host "
        "(the pattern states it; a deployment that allows loopback http says so in its own).",
        examples=["https://fcm.googleapis.com/fcm/send/dpH5lCsTSSM:APA91bH..."],
    )
    keys: WebPushKeys = Field(description="The keys the payload is encrypted for.")
    expiration_time: float | None = Field(
        None,
        alias="expirationTime",
        ge=0,
        strict=True,
        description="When the subscription ends, milliseconds since the epoch; null: unknown.",
    )

    @field_validator("endpoint")
    @classmethod
    def _endpoint(cls, value: str, info: ValidationInfo) -> str:
        if _has_policy(info):
            return check_endpoint(value, allow_http_loopback=_allows_loopback(info))
        # No policy given: the edge applied it and the sender will again (they know the setting).
        return check_endpoint(value, allow_http_loopback=True)

    @property
    def origin(self) -> str:
        """Scheme, host and port of the endpoint: the ``aud`` of its VAPID token."""
        parts = urlsplit(self.endpoint)
        return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def parse_web_push_subscription(data: object, *, allow_http_loopback: bool) -> WebPushSubscription:
    """A subscription from decoded JSON; raises pydantic's ValidationError (a 422) otherwise."""
    return WebPushSubscription.model_validate(
        data, context={ALLOW_HTTP_LOOPBACK: allow_http_loopback}
    )


class FcmDeviceToken(BaseModel):
    """An FCM registration token, as the Firebase SDK gives it on a device."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    token: str = Field(
        min_length=32,
        max_length=4096,
        description="The device's FCM registration token.",
        examples=["dXyz0123abcd:APA91bF8h0mE-fQjXoRZ5c1c3l6b4bX8KqT0zYl9Q2o7pVt"],
    )

    @field_validator("token")
    @classmethod
    def _alphabet(cls, value: str) -> str:
        if not _FCM_TOKEN.match(value):
            raise ValueError("may hold only letters, digits, '-', '_' and ':'")
        return value


class ApnsDeviceToken(BaseModel):
    """An APNs device token, hex as the app sends it (32 bytes today; Apple allows longer)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    token: str = Field(
        min_length=64,
        max_length=200,
        description="The device's APNs token in hexadecimal (stored lower case).",
        examples=["740f4707bebcf74f9b7c25d48e3358945f6aa01da5ddb387462c7eaf61bb78ad"],
    )

    @field_validator("token")
    @classmethod
    def _hex(cls, value: str) -> str:
        if not _HEX.match(value) or len(value) % 2:
            raise ValueError("must be hexadecimal, an even number of digits")
        return value.lower()
