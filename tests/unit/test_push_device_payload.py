"""Registering a push device: each provider takes its own field, the tokens' schema patterns
say what the token models check, and APNs tokens are kept in lower case."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from bus.push_devices import APNS_TOKEN_PATTERN, FCM_TOKEN_PATTERN, RegisterPushDevice
from bus.push_subscription import ApnsDeviceToken, FcmDeviceToken

FCM = "dXyz0123abcd:APA91bF8h0mE-fQjXoRZ5c1c3l6b4bX8KqT0zYl9Q2o7pVt_w"
APNS = "740F4707BEBCF74F9B7C25D48E3358945F6AA01DA5DDB387462C7EAF61BB78AD"
SUBSCRIPTION = {
    "endpoint": "https://push.example.com/p/1",
    "keys": {
        "p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
        "auth": "tBHItJI5svbpez7KI4CCXg",
    },
}


def test_each_provider_takes_its_own_field() -> None:
    assert (
        RegisterPushDevice(provider="web_push", subscription=SUBSCRIPTION).address()
        == (SUBSCRIPTION["endpoint"])
    )
    assert RegisterPushDevice(provider="fcm", token=FCM).address() == FCM
    assert RegisterPushDevice(provider="apns", token=APNS).token == APNS.lower()
    for wrong in (
        {"provider": "web_push", "token": FCM},
        {"provider": "web_push", "subscription": SUBSCRIPTION, "token": FCM},
        {"provider": "fcm", "subscription": SUBSCRIPTION},
        {"provider": "apns"},
    ):
        with pytest.raises(ValidationError):
            RegisterPushDevice.model_validate(wrong)


@pytest.mark.parametrize(
    "token",
    [FCM, "a" * 31, "a" * 32, "a" * 4096, "a" * 4097, "bad token with spaces x" * 2, "a:b-c_d" * 6],
)
def test_the_fcm_pattern_is_what_the_model_checks(token: str) -> None:
    try:
        FcmDeviceToken(token=token)
        accepted = True
    except ValidationError:
        accepted = False
    assert accepted == bool(re.match(FCM_TOKEN_PATTERN, token))


@pytest.mark.parametrize(
    "token", [APNS, "ab" * 32, "ab" * 31 + "a", "ab" * 100, "ab" * 101, "zz" * 32, "a" * 65]
)
def test_the_apns_pattern_is_what_the_model_checks(token: str) -> None:
    try:
        ApnsDeviceToken(token=token)
        accepted = True
    except ValidationError:
        accepted = False
    assert accepted == bool(re.match(APNS_TOKEN_PATTERN, token))
