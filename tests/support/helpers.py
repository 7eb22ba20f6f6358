"""Test helpers: an HTTP client for the running stack and polling without fixed sleeps."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiohttp
import jwt

from bus.settings import Settings
from bus.tokens import issue_access_token

T = TypeVar("T")
PASSWORD = "correct horse battery staple"


async def eventually(
    probe: Callable[[], Awaitable[T | None]], timeout_s: float = 30.0, every_s: float = 0.05
) -> T:
    """Poll ``probe`` until it returns something truthy; fail after ``timeout_s``."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    last: T | None = None
    while asyncio.get_running_loop().time() < deadline:
        last = await probe()
        if last:
            return last
        await asyncio.sleep(every_s)
    raise AssertionError(f"condition not met within {timeout_s}s (last value: {last!r})")


@dataclass
class Account:
    user: dict[str, Any]
    email: str
    access_token: str
    refresh_token: str

    @property
    def id(self) -> str:
        return str(self.user["id"])

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


@dataclass
class Stack:
    """The running stack as a client sees it."""

    settings: Settings
    base_url: str
    http: aiohttp.ClientSession = field(init=False)

    async def open(self) -> None:
        self.http = aiohttp.ClientSession(self.base_url)

    async def close(self) -> None:
        await self.http.close()

    async def signup(
        self, name: str = "Ada", currency: str = "EUR", tz: str = "Europe/Paris"
    ) -> Account:
        """Register a fresh account and log in."""
        email = f"{name.lower()}.{uuid.uuid4().hex[:10]}@example.com"
        body = {
            "email": email,
            "password": PASSWORD,
            "name": name,
            "home_currency": currency,
            "timezone": tz,
        }
        async with self.http.post("/v1/auth/register", json=body) as resp:
            assert resp.status == 201, await resp.text()
        return await self.login(email)

    async def login(self, email: str, password: str = PASSWORD) -> Account:
        async with self.http.post(
            "/v1/auth/login", json={"email": email, "password": password}
        ) as resp:
            assert resp.status == 200, await resp.text()
            data = await resp.json()
        return Account(data["user"], email, data["access_token"], data["refresh_token"])

    async def head(self, account: Account) -> int:
        """The last `seq` of ``account``'s own scope."""
        async with self.http.get("/v1/sync/heads", headers=account.headers) as resp:
            assert resp.status == 200, await resp.text()
            heads = await resp.json()
        return int(heads["scopes"][f"user:{account.id}"])

    async def call(
        self, method: str, path: str, account: Account | None = None, **kwargs: Any
    ) -> tuple[int, Any]:
        headers = dict(kwargs.pop("headers", {}))
        if account is not None:
            headers.setdefault("Authorization", f"Bearer {account.access_token}")
        async with self.http.request(method, path, headers=headers, **kwargs) as resp:
            text = await resp.text()
            try:
                import json

                return resp.status, json.loads(text) if text else None
            except ValueError:
                return resp.status, text


def short_token(stack: Stack, account: Account, ttl_s: int) -> str:
    """An access token for ``account``'s login session that lives ``ttl_s`` seconds."""
    session_id = jwt.decode(account.access_token, options={"verify_signature": False})["sid"]
    secret = stack.settings.jwt_secret
    assert secret is not None
    token, _ = issue_access_token(
        account.id,
        session_id,
        secret=secret.get_secret_value(),
        issuer=stack.settings.jwt_issuer,
        ttl_s=ttl_s,
    )
    return token
