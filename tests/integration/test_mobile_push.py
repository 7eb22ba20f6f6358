"""FCM HTTP v1 and APNs against local servers that check each request as the real services
do: FCM's OAuth2 JWT grant and message JSON, APNs's provider token and headers."""

from __future__ import annotations

import json
import ssl
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from actors.notifications.apns import ApnsSender
from actors.notifications.delivery_result import (
    Expired,
    PermanentFailure,
    Sent,
    TemporaryFailure,
)
from actors.notifications.mobile_push import FcmSender, MobileMessage
from bus.push_subscription import ApnsDeviceToken, FcmDeviceToken
from bus.settings import Settings
from deploy.embedded import find_free_port
from tests.support.mobile_push_servers import ApnsService, FcmService, serving_h2
from tests.support.pki import make_pki
from tests.support.push_servers import Answer, serving

MESSAGE = MobileMessage(
    title="Dinner split", body="You owe Ana €12.50", data={"expense_id": "e-123", "kind": "owed"}
)
FCM_TOKEN = FcmDeviceToken(token="dXyz0123abcd:APA91bF8h0mE-fQjXoRZ5c1c3l6b4bX8KqT0zYl9Q2o7pVt")
APNS_TOKEN = ApnsDeviceToken(
    token="740f4707bebcf74f9b7c25d48e3358945f6aa01da5ddb387462c7eaf61bb78ad"
)


def pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@dataclass
class Fcm:
    service: FcmService
    sender: FcmSender


async def fcm_harness(
    tmp_path: Path, *, signing_key: rsa.RSAPrivateKey | None = None
) -> AsyncIterator[Fcm]:
    """A local FCM for a service account this test makes, and a sender configured (by settings)
    with that account; ``signing_key`` replaces the account's key in the file given to it."""
    account_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    service = FcmService(
        project_id="ledgerbus-test",
        client_email="push@ledgerbus-test.iam.gserviceaccount.com",
        key_id="k-1",
        public_key=account_key.public_key(),
    )
    async with serving(service.app()) as url, aiohttp.ClientSession() as session:
        service.base_url = url
        account = {
            "type": "service_account",
            "project_id": "ledgerbus-test",
            "private_key_id": "k-1",
            "private_key": pem(signing_key or account_key),
            "client_email": "push@ledgerbus-test.iam.gserviceaccount.com",
            "token_uri": f"{url}/token",
        }
        account_file = tmp_path / "service-account.json"
        account_file.write_text(json.dumps(account))
        settings = Settings(
            data_dir=tmp_path, fcm_service_account_file=account_file, fcm_base_url=url
        )
        sender = FcmSender.from_settings(settings, session)
        assert sender is not None
        yield Fcm(service, sender)


@pytest.fixture
async def fcm(tmp_path: Path) -> AsyncIterator[Fcm]:
    async for harness in fcm_harness(tmp_path):
        yield harness


async def send_fcm(fcm: Fcm) -> Any:
    return await fcm.sender.send(FCM_TOKEN, MESSAGE, collapse_key="c0ll4pse", ttl_s=3600)


async def test_fcm_message_is_sent_with_a_granted_token(fcm: Fcm) -> None:
    result = await send_fcm(fcm)

    assert result == Sent(status=200, message_id="projects/ledgerbus-test/messages/0:1")
    assert fcm.service.grants == 1
    assert fcm.service.messages == [
        {
            "token": FCM_TOKEN.token,
            "notification": {"title": "Dinner split", "body": "You owe Ana €12.50"},
            "data": {"expense_id": "e-123", "kind": "owed"},
            "android": {"ttl": "3600s", "collapse_key": "c0ll4pse"},
            "apns": {"headers": {"apns-collapse-id": "c0ll4pse"}},
        }
    ]


async def test_fcm_token_is_granted_once_for_many_sends(fcm: Fcm) -> None:
    for _ in range(3):
        assert isinstance(await send_fcm(fcm), Sent)

    assert fcm.service.grants == 1
    assert len(fcm.service.messages) == 3


async def test_fcm_unregistered_token_is_expired(fcm: Fcm) -> None:
    fcm.service.unregistered.add(FCM_TOKEN.token)

    result = await send_fcm(fcm)

    assert isinstance(result, Expired)
    assert result.status == 404
    assert "UNREGISTERED" in result.reason


async def test_fcm_quota_exceeded_is_temporary_with_its_retry_after(fcm: Fcm) -> None:
    fcm.service.answer = Answer(
        429,
        headers={"Retry-After": "30"},
        body={"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "details": []}},
    )

    result = await send_fcm(fcm)

    assert isinstance(result, TemporaryFailure)
    assert (result.status, result.retry_after_s) == (429, 30.0)


async def test_fcm_not_found_without_unregistered_is_permanent_not_expired(fcm: Fcm) -> None:
    fcm.service.answer = Answer(404, body={"error": {"code": 404, "status": "NOT_FOUND"}})

    result = await send_fcm(fcm)

    assert isinstance(result, PermanentFailure)
    assert result.status == 404


async def test_fcm_invalid_argument_is_permanent(fcm: Fcm) -> None:
    message = MobileMessage(title="t", body="b", data={"expense_id": 5})  # type: ignore[dict-item]

    result = await fcm.sender.send(FCM_TOKEN, message, collapse_key="c", ttl_s=60)

    assert isinstance(result, PermanentFailure)
    assert result.status == 400
    assert "data values must be strings" in result.reason


async def test_fcm_refused_access_token_is_temporary_and_granted_again(fcm: Fcm) -> None:
    assert isinstance(await send_fcm(fcm), Sent)
    fcm.service.issued.clear()  # the token is revoked

    refused = await send_fcm(fcm)
    again = await send_fcm(fcm)

    assert isinstance(refused, TemporaryFailure)
    assert refused.status == 401
    assert isinstance(again, Sent)
    assert fcm.service.grants == 2


async def test_fcm_grant_signed_with_another_key_is_permanent(tmp_path: Path) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    async for fcm in fcm_harness(tmp_path, signing_key=stranger):
        result = await send_fcm(fcm)

        assert isinstance(result, PermanentFailure)
        assert result.status == 400
        assert "invalid_grant" in result.reason
        assert fcm.service.messages == []


@dataclass
class Apns:
    service: ApnsService
    sender: ApnsSender
    settings: Settings
    url: str
    ca: Path
    now: list[float]


@pytest.fixture
async def apns(tmp_path: Path) -> AsyncIterator[Apns]:
    """A local APNs for a team key this test makes, and a sender configured (by settings) with
    that key and a clock the test moves."""
    team_key = ec.generate_private_key(ec.SECP256R1())
    key_file = tmp_path / "AuthKey_ABC123DEFG.p8"
    key_file.write_text(pem(team_key))
    service = ApnsService(
        team_id="TEAM123456",
        key_id="ABC123DEFG",
        public_key=team_key.public_key(),
        topic="com.ledgerbus.app",
    )
    now = [time.time() - 600]  # the sender's clock; moved on by tests, never past APNs's
    pki = make_pki(tmp_path)
    async with serving_h2(service, pki) as url:
        settings = Settings(
            data_dir=tmp_path,
            apns_team_id="TEAM123456",
            apns_key_id="ABC123DEFG",
            apns_key_file=key_file,
            apns_topic="com.ledgerbus.app",
            apns_base_url=url,
            apns_ca_file=pki.ca,
        )
        sender = ApnsSender.from_settings(settings, clock=lambda: now[0])
        assert sender is not None
        try:
            yield Apns(service, sender, settings, url, pki.ca, now)
        finally:
            await sender.close()


async def test_apns_alert_is_delivered_with_its_headers_and_payload(apns: Apns) -> None:
    result = await apns.sender.send(APNS_TOKEN, MESSAGE, collapse_id="c0ll4pse", ttl_s=3600)

    assert result == Sent(status=200, message_id="local-1")
    [(headers, payload)] = apns.service.delivered
    assert payload == {
        "aps": {"alert": {"title": "Dinner split", "body": "You owe Ana €12.50"}},
        "expense_id": "e-123",
        "kind": "owed",
    }
    assert headers["apns-push-type"] == "alert"
    assert headers["apns-priority"] == "10"
    assert headers["apns-collapse-id"] == "c0ll4pse"
    assert headers["apns-expiration"] == str(int(apns.now[0]) + 3600)
    token = headers["authorization"].removeprefix("bearer ")
    assert jwt.get_unverified_header(token) == {"alg": "ES256", "kid": "ABC123DEFG", "typ": "JWT"}


async def test_apns_pushes_share_one_http2_connection_which_alone_it_serves(apns: Apns) -> None:
    sent = [
        await apns.sender.send(APNS_TOKEN, MESSAGE, collapse_id=f"c{n}", ttl_s=60)
        for n in range(5)
    ]
    assert all(isinstance(r, Sent) for r in sent)
    assert len(apns.service.connections) == 1  # one connection, a stream per push
    trust = ssl.create_default_context(cafile=str(apns.ca))
    async with aiohttp.ClientSession() as http1:  # speaks HTTP/1.1 only, which APNs refuses
        headers = apns.sender.request_headers(collapse_id="c", ttl_s=60, push_type="alert")
        url = f"{apns.url}/3/device/{APNS_TOKEN.token}"
        async with http1.post(url, json={"aps": {}}, headers=headers, ssl=trust) as answer:
            assert answer.status == 405
    assert len(apns.service.delivered) == 5


async def test_apns_unreachable_is_temporary(tmp_path: Path, apns: Apns) -> None:
    gone = apns.settings.model_copy(update={"apns_base_url": f"https://127.0.0.1:{find_free_port()}"})
    sender = ApnsSender.from_settings(gone)
    assert sender is not None
    result = await sender.send(APNS_TOKEN, MESSAGE, collapse_id="c", ttl_s=60)
    await sender.close()
    assert isinstance(result, TemporaryFailure)
    assert result.reason.startswith("APNs unreachable: ConnectError")


async def test_apns_background_push_has_low_priority_and_no_alert(apns: Apns) -> None:
    result = await apns.sender.send(
        APNS_TOKEN, MESSAGE, collapse_id="c", ttl_s=0, push_type="background"
    )

    assert isinstance(result, Sent)
    [(headers, payload)] = apns.service.delivered
    assert (headers["apns-push-type"], headers["apns-priority"]) == ("background", "5")
    assert headers["apns-expiration"] == "0"
    assert payload["aps"] == {"content-available": 1}


async def test_apns_unregistered_device_is_expired(apns: Apns) -> None:
    apns.service.unregistered.add(APNS_TOKEN.token)

    result = await apns.sender.send(APNS_TOKEN, MESSAGE, collapse_id="c", ttl_s=60)

    assert result == Expired(status=410, reason="APNs answered 410 Unregistered")


async def test_apns_token_from_another_key_is_permanent(apns: Apns) -> None:
    stranger = ApnsSender(
        team_id="TEAM123456",
        key_id="ABC123DEFG",
        signing_key=ec.generate_private_key(ec.SECP256R1()),
        topic="com.ledgerbus.app",
        settings=apns.settings,
    )

    result = await stranger.send(APNS_TOKEN, MESSAGE, collapse_id="c", ttl_s=60)
    await stranger.close()

    assert result == PermanentFailure(reason="APNs answered 403 InvalidProviderToken", status=403)
    assert apns.service.delivered == []


async def test_apns_expired_provider_token_is_temporary_and_renewed(apns: Apns) -> None:
    assert isinstance(await apns.sender.send(APNS_TOKEN, MESSAGE, collapse_id="c", ttl_s=60), Sent)
    apns.service.tokens_expire_before = apns.now[0] + 1
    apns.now[0] += 10  # not yet 50 minutes: the sender would keep its token

    refused = await apns.sender.send(APNS_TOKEN, MESSAGE, collapse_id="c", ttl_s=60)
    again = await apns.sender.send(APNS_TOKEN, MESSAGE, collapse_id="c", ttl_s=60)

    assert refused == TemporaryFailure(reason="APNs answered 403 ExpiredProviderToken", status=403)
    assert isinstance(again, Sent)
    assert len(apns.service.delivered) == 2


async def test_apns_provider_token_is_kept_under_50_minutes_and_renewed_after(apns: Apns) -> None:
    first = apns.sender.provider_token()
    apns.now[0] += 49 * 60
    kept = apns.sender.provider_token()
    apns.now[0] += 2 * 60

    assert kept == first
    assert apns.sender.provider_token() != first


async def test_apns_too_many_requests_is_temporary(apns: Apns) -> None:
    apns.service.answer = Answer(429, body={"reason": "TooManyRequests"})

    result = await apns.sender.send(APNS_TOKEN, MESSAGE, collapse_id="c", ttl_s=60)

    assert result == TemporaryFailure(reason="APNs answered 429 TooManyRequests", status=429)


async def test_apns_bad_device_token_is_permanent(apns: Apns) -> None:
    apns.service.answer = Answer(400, body={"reason": "BadDeviceToken"})

    result = await apns.sender.send(APNS_TOKEN, MESSAGE, collapse_id="c", ttl_s=60)

    assert result == PermanentFailure(reason="APNs answered 400 BadDeviceToken", status=400)


def test_senders_are_not_built_without_their_settings(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, apns_team_id="TEAM123456")

    assert FcmSender.from_settings(settings, session=None) is None  # type: ignore[arg-type]
    assert ApnsSender.from_settings(settings) is None
