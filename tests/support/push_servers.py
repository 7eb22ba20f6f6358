"""A local Web Push service that checks each push as a real one does (VAPID token, then the
payload decrypted with the subscriber's keys), and what the local push services share.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import http_ece  # type: ignore[import-untyped]
import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import ec


@asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[str]:
    """Runs ``app`` on a free loopback port; yields its base URL."""
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Answer:
    """What a service answers next: a status, headers and a JSON body (None: empty)."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None

    def response(self) -> web.Response:
        text = None if self.body is None else json.dumps(self.body)
        return web.Response(status=self.status, headers=self.headers, text=text)


@dataclass
class Subscriber:
    """A browser's side of a subscription: its ECDH key pair and auth secret."""

    private_key: ec.EllipticCurvePrivateKey
    auth: bytes


@dataclass
class Received:
    """A push the Web Push service accepted: its headers and decrypted payload."""

    headers: dict[str, str]
    payload: bytes
    claims: dict[str, Any]


@dataclass
class WebPushService:
    """A push service for subscriptions made with ``vapid_public_key``: it refuses (401/403)
    a push whose VAPID token is missing, badly signed, for another audience, expiring over 24
    hours ahead, without ``sub``, or made with another key, then decrypts the body."""

    vapid_public_key: bytes
    subscribers: dict[str, Subscriber] = field(default_factory=dict)
    answer: Answer | None = None
    received: list[Received] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    requests: int = 0
    delay_s: float = 0.0

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/push/{id}", self.push)
        return app

    async def push(self, request: web.Request) -> web.Response:
        self.requests += 1
        await asyncio.sleep(self.delay_s)
        origin = f"{request.scheme}://{request.host}"
        try:
            claims = self.check_vapid(request.headers.get("Authorization", ""), origin)
        except (ValueError, jwt.PyJWTError) as error:
            self.refusals.append(str(error))
            return web.Response(status=403, text=str(error))
        if self.answer is not None:
            return self.answer.response()
        subscriber = self.subscribers[request.match_info["id"]]
        body = await request.read()
        payload = b""
        if body:
            if request.headers.get("Content-Encoding") != "aes128gcm":
                return web.Response(status=415, text="aes128gcm only")
            payload = http_ece.decrypt(
                body,
                private_key=subscriber.private_key,
                auth_secret=subscriber.auth,
                version="aes128gcm",
            )
        self.received.append(Received(dict(request.headers), payload, claims))
        return web.Response(status=201, headers={"Location": f"/message/{len(self.received)}"})

    def check_vapid(self, authorization: str, origin: str) -> dict[str, Any]:
        match = re.fullmatch(r"vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)", authorization)
        if match is None:
            raise ValueError("Authorization is not 'vapid t=..., k=...'")
        token, key_text = match.groups()
        key = b64url_decode(key_text)
        if key != self.vapid_public_key:
            raise ValueError("k is not the key this subscription was made with")
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), key)
        claims: dict[str, Any] = jwt.decode(
            token,
            public,
            algorithms=["ES256"],
            audience=origin,
            options={"require": ["exp", "aud", "sub"]},
        )
        if claims["exp"] > time.time() + 24 * 3600:
            raise ValueError("exp is more than 24 hours ahead")
        if not str(claims["sub"]).startswith(("mailto:", "https:")):
            raise ValueError("sub is neither mailto: nor https:")
        return claims
