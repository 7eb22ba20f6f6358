"""Web Push against a local push service that checks the VAPID token and decrypts the payload
with the subscriber's keys, as a browser's push service and the browser would."""

from __future__ import annotations

import base64
import os
import stat
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from actors.notifications.delivery_result import (
    DeliveryResult,
    Expired,
    PermanentFailure,
    Sent,
    TemporaryFailure,
)
from actors.notifications.webpush import MAX_PAYLOAD_BYTES, send_web_push, topic_for
from bus.push_subscription import (
    WebPushSubscription,
    parse_web_push_subscription,
)
from bus.settings import Settings
from bus.vapid import VapidKey, create_once, load_vapid_key, vapid_key_path
from deploy.embedded import find_free_port
from tests.support.push_servers import Answer, Subscriber, WebPushService, serving


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass
class Harness:
    service: WebPushService
    url: str
    settings: Settings
    vapid: VapidKey
    session: aiohttp.ClientSession

    def subscribe(self, name: str = "phone") -> WebPushSubscription:
        """What a browser does: make its key pair and secret, register with the service."""
        private_key = ec.generate_private_key(ec.SECP256R1())
        auth = os.urandom(16)
        self.service.subscribers[name] = Subscriber(private_key, auth)
        public = private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        browser_json = {
            "endpoint": f"{self.url}/push/{name}",
            "expirationTime": None,
            "keys": {"p256dh": b64url(public), "auth": b64url(auth)},
        }
        return parse_web_push_subscription(browser_json, allow_http_loopback=True)

    async def send(
        self, subscription: WebPushSubscription, payload: bytes, *, vapid: VapidKey | None = None
    ) -> DeliveryResult:
        return await send_web_push(
            subscription,
            payload,
            ttl_s=3600,
            urgency="high",
            topic=topic_for("expense-123:user-9:push"),
            settings=self.settings,
            vapid=vapid or self.vapid,
            session=self.session,
        )


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    settings = Settings(data_dir=tmp_path, push_allow_http_loopback=True, push_timeout_s=2.0)
    vapid = load_vapid_key(settings)
    raw = vapid.private_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    service = WebPushService(vapid_public_key=raw)
    async with serving(service.app()) as url, aiohttp.ClientSession() as session:
        yield Harness(service, url, settings, vapid, session)


async def test_push_is_decrypted_by_the_subscriber_and_carries_a_valid_vapid_token(
    harness: Harness,
) -> None:
    subscription = harness.subscribe()
    payload = '{"title": "Dinner split", "body": "You owe Ana €12.50"}'.encode()

    result = await harness.send(subscription, payload)

    assert result == Sent(status=201, message_id="/message/1")
    [received] = harness.service.received
    assert received.payload == payload
    assert received.claims["aud"] == harness.url
    assert received.claims["sub"] == "mailto:ops@ledgerbus.localhost"
    assert time.time() < received.claims["exp"] <= time.time() + 24 * 3600
    assert received.headers["TTL"] == "3600"
    assert received.headers["Urgency"] == "high"
    assert received.headers["Topic"] == topic_for("expense-123:user-9:push")


async def test_largest_payload_arrives_whole(harness: Harness) -> None:
    subscription = harness.subscribe()
    payload = os.urandom(MAX_PAYLOAD_BYTES)

    assert isinstance(await harness.send(subscription, payload), Sent)
    assert harness.service.received[0].payload == payload


async def test_push_without_data_is_sent_without_a_body(harness: Harness) -> None:
    subscription = harness.subscribe()

    assert isinstance(await harness.send(subscription, b""), Sent)
    [received] = harness.service.received
    assert received.payload == b""
    assert "Content-Encoding" not in received.headers


async def test_push_signed_with_another_key_is_refused_by_the_service(harness: Harness) -> None:
    subscription = harness.subscribe()
    other = VapidKey(ec.generate_private_key(ec.SECP256R1()))

    result = await harness.send(subscription, b"hello", vapid=other)

    assert isinstance(result, PermanentFailure)
    assert result.status == 403
    assert harness.service.refusals == ["k is not the key this subscription was made with"]
    assert harness.service.received == []


@pytest.mark.parametrize("status", [404, 410])
async def test_gone_subscription_is_expired(harness: Harness, status: int) -> None:
    harness.service.answer = Answer(status)

    result = await harness.send(harness.subscribe(), b"hello")

    assert isinstance(result, Expired)
    assert result.status == status


async def test_too_many_requests_is_temporary_with_its_retry_after(harness: Harness) -> None:
    harness.service.answer = Answer(429, headers={"Retry-After": "120"})

    result = await harness.send(harness.subscribe(), b"hello")

    assert result == TemporaryFailure(
        reason="push service answered 429:", status=429, retry_after_s=120.0
    )


async def test_service_failure_is_temporary(harness: Harness) -> None:
    harness.service.answer = Answer(503)

    result = await harness.send(harness.subscribe(), b"hello")

    assert isinstance(result, TemporaryFailure)
    assert result.status == 503
    assert result.retry_after_s is None


async def test_bad_request_is_permanent(harness: Harness) -> None:
    harness.service.answer = Answer(400, body={"error": "bad"})

    result = await harness.send(harness.subscribe(), b"hello")

    assert result == PermanentFailure(
        reason='push service answered 400: {"error": "bad"}', status=400
    )


async def test_unreachable_service_is_temporary(harness: Harness) -> None:
    subscription = parse_web_push_subscription(
        {
            "endpoint": f"http://127.0.0.1:{find_free_port()}/push/gone",
            "keys": harness.subscribe().keys.model_dump(),
        },
        allow_http_loopback=True,
    )

    result = await harness.send(subscription, b"hello")

    assert isinstance(result, TemporaryFailure)
    assert result.status is None


async def test_service_slower_than_the_timeout_is_temporary(harness: Harness) -> None:
    harness.service.delay_s = 1.0
    harness.settings = harness.settings.model_copy(update={"push_timeout_s": 0.2})

    result = await harness.send(harness.subscribe(), b"hello")

    assert isinstance(result, TemporaryFailure)
    assert result.status is None
    assert "TimeoutError" in result.reason


async def test_malformed_topic_is_the_callers_mistake(harness: Harness) -> None:
    with pytest.raises(ValueError, match="topic"):
        await send_web_push(
            harness.subscribe(),
            b"hello",
            ttl_s=60,
            urgency="normal",
            topic="not a topic!",
            settings=harness.settings,
            vapid=harness.vapid,
            session=harness.session,
        )
    assert harness.service.requests == 0


async def test_payload_over_the_limit_is_permanent_and_not_sent(harness: Harness) -> None:
    result = await harness.send(harness.subscribe(), os.urandom(MAX_PAYLOAD_BYTES + 1))

    assert isinstance(result, PermanentFailure)
    assert harness.service.requests == 0


async def test_http_endpoint_is_not_sent_to_without_the_setting(harness: Harness) -> None:
    subscription = harness.subscribe()
    harness.settings = Settings(data_dir=harness.settings.data_dir)

    result = await harness.send(subscription, b"hello")

    assert result == PermanentFailure(reason="endpoint refused: must be an https URL")
    assert harness.service.requests == 0


def test_topic_is_the_same_for_a_delivery_and_differs_between_deliveries() -> None:
    first = topic_for("expense-123:user-9:push")

    assert first == topic_for("expense-123:user-9:push")
    assert first != topic_for("expense-123:user-10:push")
    assert len(first) == 32


def test_vapid_key_is_made_once_in_the_data_dir_readable_by_its_owner_alone(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path)

    made = load_vapid_key(settings)
    again = load_vapid_key(settings)

    path = vapid_key_path(settings)
    assert path == tmp_path / "vapid_private.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert again.public_key_b64url == made.public_key_b64url
    assert len(base64.urlsafe_b64decode(made.public_key_b64url + "=")) == 65
    assert [p.name for p in tmp_path.iterdir()] == ["vapid_private.pem"]


def test_configured_vapid_key_file_that_is_missing_is_an_error(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, vapid_private_key_file=tmp_path / "absent.pem")

    with pytest.raises(FileNotFoundError):
        load_vapid_key(settings)
    assert list(tmp_path.iterdir()) == []


def test_vapid_key_made_by_another_process_first_is_kept(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    theirs = load_vapid_key(settings)
    mine = VapidKey(ec.generate_private_key(ec.SECP256R1()))
    pem = mine.private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()

    create_once(vapid_key_path(settings), pem)

    assert load_vapid_key(settings).public_key_b64url == theirs.public_key_b64url
    assert [p.name for p in tmp_path.iterdir()] == ["vapid_private.pem"]
