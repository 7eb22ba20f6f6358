"""The edge's check of push registrations: what a browser or phone sends is accepted, and each
kind of bad input is refused with an error naming its field."""

from __future__ import annotations

import base64
import os
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from bus.push_subscription import (
    ENDPOINT_MAX_CHARS,
    LOOPBACK_ENDPOINT_PATTERN,
    PUBLIC_ENDPOINT_PATTERN,
    ApnsDeviceToken,
    FcmDeviceToken,
    WebPushSubscription,
    check_endpoint,
    parse_web_push_subscription,
)

FCM_ENDPOINT = "https://fcm.googleapis.com/fcm/send/dpH5lCsTSSM:APA91bHqjZxM0VImWWqDRN7U0a3AycjUf"


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def browser_point() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


def browser_subscription(**changes: Any) -> dict[str, Any]:
    """A subscription shaped as ``PushSubscription.toJSON()`` gives it."""
    data: dict[str, Any] = {
        "endpoint": FCM_ENDPOINT,
        "expirationTime": None,
        "keys": {"p256dh": b64url(browser_point()), "auth": b64url(os.urandom(16))},
    }
    data.update(changes)
    return data


def refusal(
    data: object, *, allow_http_loopback: bool = False
) -> list[tuple[tuple[Any, ...], str]]:
    with pytest.raises(ValidationError) as caught:
        parse_web_push_subscription(data, allow_http_loopback=allow_http_loopback)
    return [(tuple(error["loc"]), error["msg"]) for error in caught.value.errors()]


def test_browser_shaped_subscription_is_accepted_with_its_keys_decoded() -> None:
    data = browser_subscription(expirationTime=1767225600000)

    subscription = parse_web_push_subscription(data, allow_http_loopback=False)

    assert subscription.endpoint == FCM_ENDPOINT
    assert len(subscription.keys.p256dh_bytes) == 65
    assert len(subscription.keys.auth_bytes) == 16
    assert subscription.origin == "https://fcm.googleapis.com"
    assert data == subscription.model_dump()


def test_padded_base64url_keys_are_accepted() -> None:
    data = browser_subscription()
    data["keys"] = {"p256dh": data["keys"]["p256dh"] + "=", "auth": data["keys"]["auth"] + "=="}

    assert parse_web_push_subscription(data, allow_http_loopback=False).keys.auth_bytes


@pytest.mark.parametrize(
    "endpoint",
    ["http://push.example.com/abc", "ftp://push.example.com/abc", "push.example.com/abc"],
)
def test_endpoint_other_than_https_is_refused(endpoint: str) -> None:
    assert refusal(browser_subscription(endpoint=endpoint)) == [
        (("endpoint",), "Value error, must be an https URL")
    ]


def test_http_loopback_endpoint_needs_the_setting() -> None:
    data = browser_subscription(endpoint="http://127.0.0.1:8099/push/1")

    assert refusal(data)[0][0] == ("endpoint",)
    accepted = parse_web_push_subscription(data, allow_http_loopback=True)
    assert accepted.origin == "http://127.0.0.1:8099"


def test_http_endpoint_off_loopback_is_refused_even_with_the_setting() -> None:
    data = browser_subscription(endpoint="http://push.example.com/abc")

    assert refusal(data, allow_http_loopback=True) == [
        (("endpoint",), "Value error, must be an https URL")
    ]


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://localhost/push",
        "https://10.1.2.3/push",
        "https://[::1]/push",
        "https://169.254.169.254/",
    ],
)
def test_endpoint_on_a_local_or_private_address_is_refused(endpoint: str) -> None:
    assert refusal(browser_subscription(endpoint=endpoint)) == [
        (("endpoint",), "Value error, must be on a public host, not a local or private address")
    ]


def test_endpoint_with_credentials_is_refused() -> None:
    data = browser_subscription(endpoint="https://user:secret@push.example.com/abc")

    assert refusal(data) == [(("endpoint",), "Value error, must not carry credentials")]


def test_overlong_endpoint_is_refused() -> None:
    endpoint = "https://push.example.com/" + "a" * 2048

    assert refusal(browser_subscription(endpoint=endpoint)) == [
        (("endpoint",), "String should have at most 2048 characters")
    ]


def test_endpoint_of_exactly_2048_characters_is_accepted() -> None:
    endpoint = "https://push.example.com/" + "a" * (2048 - len("https://push.example.com/"))

    assert (
        len(
            parse_web_push_subscription(
                browser_subscription(endpoint=endpoint), allow_http_loopback=False
            ).endpoint
        )
        == 2048
    )


def test_p256dh_that_is_not_on_the_curve_is_refused() -> None:
    point = bytearray(browser_point())
    point[-1] ^= 0x01  # same X, another Y: off the curve
    data = browser_subscription()
    data["keys"]["p256dh"] = b64url(bytes(point))

    assert refusal(data) == [(("keys", "p256dh"), "Value error, is not a point on the P-256 curve")]


def test_compressed_p256dh_is_refused_with_its_length() -> None:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    compressed = key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
    )
    data = browser_subscription()
    data["keys"]["p256dh"] = b64url(compressed)

    [(location, message)] = refusal(data)
    assert location == ("keys", "p256dh")
    assert "uncompressed P-256 public key" in message
    assert "got 33 bytes" in message


@pytest.mark.parametrize("size", [15, 17, 24])
def test_auth_secret_of_another_length_is_refused(size: int) -> None:
    data = browser_subscription()
    data["keys"]["auth"] = b64url(os.urandom(size))

    assert [(("keys", "auth"), f"Value error, must be 16 bytes, got {size}")] == refusal(data)


@pytest.mark.parametrize("field", ["p256dh", "auth"])
@pytest.mark.parametrize("text", ["tBHItJI5svbpez7KI4CC+g", "not base64!", "a"])
def test_key_that_is_not_base64url_is_refused(field: str, text: str) -> None:
    data = browser_subscription()
    data["keys"][field] = text

    [(location, message)] = refusal(data)
    assert ("keys", field) == location
    assert "base64url" in message


def test_unknown_field_is_refused_where_it_is() -> None:
    data = browser_subscription(channel="beta")
    data["keys"]["extra"] = "x"

    assert refusal(data) == [
        (("keys", "extra"), "Extra inputs are not permitted"),
        (("channel",), "Extra inputs are not permitted"),
    ]


def test_missing_auth_and_wrongly_typed_expiration_are_named() -> None:
    data = browser_subscription(expirationTime="tomorrow")
    del data["keys"]["auth"]

    assert {("keys", "auth"), ("expirationTime",)} == {location for location, _ in refusal(data)}


def test_without_the_policy_an_endpoint_is_checked_as_if_loopback_were_allowed() -> None:
    """A payload decoded by the actor: the edge applied the policy, the sender applies it
    again; the URL itself is still checked."""
    loopback = browser_subscription(endpoint="http://127.0.0.1:8099/push/1")
    assert WebPushSubscription.model_validate(loopback).endpoint == loopback["endpoint"]
    for bad in ("ftp://push.example.com/1", "https://user:pw@push.example.com/1", "https:///1"):
        with pytest.raises(ValidationError):
            WebPushSubscription.model_validate(browser_subscription(endpoint=bad))
    with pytest.raises(ValidationError):  # the policy, given: no loopback without the setting
        parse_web_push_subscription(loopback, allow_http_loopback=False)


def test_fcm_token_is_accepted() -> None:
    token = "dXyz0123abcd:APA91bF8h0mE-fQjXoRZ5c1c3l6b4bX8KqT0zYl9Q2o7pVt_w"

    assert token == FcmDeviceToken.model_validate({"token": token}).token


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("short", "String should have at least 32 characters"),
        ("x" * 4097, "String should have at most 4096 characters"),
        (
            "dXyz0123abcd APA91bF8h0mE/fQjXoRZ5c1c3l6b4bX8Kq",
            "Value error, may hold only letters, digits, '-', '_' and ':'",
        ),
    ],
)
def test_bad_fcm_token_is_refused(token: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        FcmDeviceToken.model_validate({"token": token})

    assert [(("token",), message)] == [(e["loc"], e["msg"]) for e in caught.value.errors()]


def test_apns_token_is_accepted_in_lower_case() -> None:
    token = "740F4707BEBCF74F9B7C25D48E3358945F6AA01DA5DDB387462C7EAF61BB78AD"

    assert token.lower() == ApnsDeviceToken.model_validate({"token": token}).token


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("740f4707", "String should have at least 64 characters"),
        ("g" * 64, "Value error, must be hexadecimal, an even number of digits"),
        ("a" * 65, "Value error, must be hexadecimal, an even number of digits"),
        ("a" * 202, "String should have at most 200 characters"),
    ],
)
def test_bad_apns_token_is_refused(token: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ApnsDeviceToken.model_validate({"token": token})

    assert [(("token",), message)] == [(e["loc"], e["msg"]) for e in caught.value.errors()]


def test_device_token_models_refuse_unknown_fields() -> None:
    with pytest.raises(ValidationError) as caught:
        FcmDeviceToken.model_validate({"token": "a" * 40, "platform": "android"})

    assert [e["loc"] for e in caught.value.errors()] == [("platform",)]


@settings(max_examples=300, deadline=None)
@given(st.from_regex(PUBLIC_ENDPOINT_PATTERN, fullmatch=True))
def test_every_endpoint_the_public_pattern_states_is_accepted(endpoint: str) -> None:
    if len(endpoint) <= ENDPOINT_MAX_CHARS:
        assert check_endpoint(endpoint, allow_http_loopback=False) == endpoint


@settings(max_examples=200, deadline=None)
@given(st.from_regex(LOOPBACK_ENDPOINT_PATTERN, fullmatch=True))
def test_every_loopback_endpoint_the_pattern_states_needs_the_setting(endpoint: str) -> None:
    if len(endpoint) <= ENDPOINT_MAX_CHARS:
        assert check_endpoint(endpoint, allow_http_loopback=True) == endpoint
        with pytest.raises(ValueError, match=r"https|public host"):
            check_endpoint(endpoint, allow_http_loopback=False)
