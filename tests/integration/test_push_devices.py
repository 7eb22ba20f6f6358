"""Push devices on the stack: a browser subscribes with the served VAPID key and registers; an
overrun reaches it as a Web Push the local service decrypts with the browser's keys (one push,
keyed by its delivery); a subscription its service calls gone (410) is removed; bad
subscriptions and tokens are 422, someone else's device is 404."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from actors.notifications.delivery_rules import delivery_id
from actors.notifications.webpush import topic_for
from tests.support.budget_helpers import make_budget, spend, today
from tests.support.helpers import Account, Stack, eventually
from tests.support.push_servers import Answer, Subscriber, WebPushService, b64url_decode, serving

pytestmark = pytest.mark.integration


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.fixture
async def push_service(stack: Stack) -> AsyncIterator[tuple[WebPushService, str]]:
    status, key = await stack.call("GET", "/v1/push-devices/vapid-key", await stack.signup())
    assert status == 200, key
    service = WebPushService(vapid_public_key=b64url_decode(key["public_key"]))
    async with serving(service.app()) as url:
        yield service, url


def _browser(service: WebPushService, url: str, name: str) -> dict[str, Any]:
    """What a browser does: its key pair and secret, and ``PushSubscription.toJSON()``."""
    private_key = ec.generate_private_key(ec.SECP256R1())
    auth = os.urandom(16)
    service.subscribers[name] = Subscriber(private_key, auth)
    public = private_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return {
        "endpoint": f"{url}/push/{name}",
        "expirationTime": None,
        "keys": {"p256dh": _b64url(public), "auth": _b64url(auth)},
    }


async def _register(stack: Stack, who: Account, body: dict[str, Any]) -> tuple[int, Any]:
    return await stack.call("POST", "/v1/push-devices", who, json=body)


async def _devices(stack: Stack, who: Account) -> list[dict[str, Any]]:
    status, page = await stack.call("GET", "/v1/push-devices", who)
    assert status == 200, page
    return page["items"]  # type: ignore[no-any-return]


async def _overrun_item(stack: Stack, who: Account, status: str) -> dict[str, Any] | None:
    code, page = await stack.call("GET", "/v1/notifications", who)
    assert code == 200, page
    for item in page["items"]:
        pushes = [d for d in item["deliveries"] if d["channel"] == "web_push"]
        if item["kind"] == "budget_exceeded" and pushes and pushes[0]["status"] == status:
            return item  # type: ignore[no-any-return]
    return None


async def test_a_browser_registers_and_gets_an_overrun_as_a_push_it_can_decrypt(
    stack: Stack, push_service: tuple[WebPushService, str]
) -> None:
    service, url = push_service
    ada = await stack.signup("Ada")
    subscription = _browser(service, url, "ada-firefox")
    body = {"provider": "web_push", "subscription": subscription, "label": "Firefox"}
    status, device = await _register(stack, ada, body)
    assert status == 201, device
    assert (device["provider"], device["label"], device["endpoint_origin"]) == (
        "web_push",
        "Firefox",
        url,
    )
    again_status, again = await _register(stack, ada, body)  # the same browser again
    assert (again_status, again["id"]) == (201, device["id"])
    assert [d["id"] for d in await _devices(stack, ada)] == [device["id"]]

    await make_budget(stack, ada, "100.00", thresholds=[100])
    await spend(stack, ada, "120.00")
    item = await eventually(lambda: _overrun_item(stack, ada, "sent"))
    push = next(d for d in item["deliveries"] if d["channel"] == "web_push")
    assert (push["device_id"], push["attempts"]) == (device["id"], 1)

    [received] = service.received
    payload = json.loads(received.payload)
    assert (payload["id"], payload["title"], payload["kind"]) == (
        item["id"],
        item["title"],
        "budget_exceeded",
    )
    assert received.headers["Topic"] == topic_for(delivery_id(item["id"], "web_push", device["id"]))
    assert received.headers["TTL"] == "86400"


async def test_a_subscription_its_service_calls_gone_is_removed(
    stack: Stack, push_service: tuple[WebPushService, str]
) -> None:
    service, url = push_service
    bob = await stack.signup("Bob")
    body = {"provider": "web_push", "subscription": _browser(service, url, "bob-chrome")}
    status, device = await _register(stack, bob, body)
    assert status == 201, device
    service.answer = Answer(410)  # the browser unsubscribed
    await make_budget(stack, bob, "100.00", thresholds=[100])
    await spend(stack, bob, "120.00")
    item = await eventually(lambda: _overrun_item(stack, bob, "failed"))
    push = next(d for d in item["deliveries"] if d["channel"] == "web_push")
    assert push["attempts"] == 1  # not retried
    assert await _devices(stack, bob) == []


async def test_bad_registrations_are_422_and_another_persons_device_is_404(
    stack: Stack, push_service: tuple[WebPushService, str]
) -> None:
    service, url = push_service
    ada, eve = await stack.signup("Ada"), await stack.signup("Eve")
    good = _browser(service, url, "ada-safari")
    bad_bodies: list[tuple[dict[str, Any], str]] = [
        (
            {"provider": "web_push", "subscription": {**good, "endpoint": "https://10.0.0.7/p"}},
            "endpoint",
        ),
        (
            {
                "provider": "web_push",
                "subscription": {**good, "endpoint": "ftp://push.example.com/p"},
            },
            "endpoint",
        ),
        (
            {
                "provider": "web_push",
                "subscription": {
                    **good,
                    "keys": {**good["keys"], "p256dh": _b64url(b"\x04" + b"\x01" * 64)},
                },
            },
            "p256dh",
        ),
        (
            {
                "provider": "web_push",
                "subscription": {**good, "keys": {**good["keys"], "auth": "c2hvcnQ"}},
            },
            "auth",
        ),
        ({"provider": "web_push"}, "subscription"),
        ({"provider": "fcm"}, "token"),
        (
            {
                "provider": "apns",
                "token": "z" * 64,
            },
            "hexadecimal",
        ),
        ({"provider": "pigeon", "token": "x"}, "provider"),
        ({"provider": "fcm", "token": "a" * 40, "extra": 1}, "extra"),
    ]
    for body, word in bad_bodies:
        status, problem = await _register(stack, ada, body)
        assert status == 422, (body, problem)
        assert word in json.dumps(problem), (word, problem)
    assert await _devices(stack, ada) == []

    status, device = await _register(
        stack, ada, {"provider": "apns", "token": "AB" * 32, "label": "iPhone"}
    )
    assert status == 201, device
    status, problem = await stack.call("DELETE", f"/v1/push-devices/{device['id']}", eve)
    assert status == 404, problem
    status, removed = await stack.call("DELETE", f"/v1/push-devices/{device['id']}", ada)
    assert status == 200, removed
    assert await _devices(stack, ada) == []


async def test_the_device_that_caused_an_alert_gets_no_push_and_the_others_do(
    stack: Stack, push_service: tuple[WebPushService, str]
) -> None:
    service, url = push_service
    ada = await stack.signup("Ada")
    devices = {}
    for name in ("phone", "laptop"):
        body = {"provider": "web_push", "subscription": _browser(service, url, f"ada-{name}")}
        status, device = await stack.call(
            "POST", "/v1/push-devices", ada, json=body, headers={"X-Device-Id": name}
        )
        assert status == 201, device
        devices[name] = device["id"]
    await make_budget(stack, ada, "100.00", thresholds=[100])
    status, expense = await stack.call(  # spent on the phone: the budgets actor's alert follows
        "POST",
        "/v1/expenses",
        ada,
        json={"amount": "120.00", "currency": "EUR", "date": today().isoformat()},
        headers={"X-Device-Id": "phone"},
    )
    assert status == 201, expense
    item = await eventually(lambda: _overrun_item(stack, ada, "sent"))
    pushed = [d["device_id"] for d in item["deliveries"] if d["channel"] == "web_push"]
    assert pushed == [devices["laptop"]]  # the phone's delivery was never written
    assert len(service.received) == 1
