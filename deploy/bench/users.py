"""Sign-up and sign-in of the benchmark's users over HTTP, a few at a time."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from typing import Any

import aiohttp

SIGN_IN_WAIT_S = 30.0


@dataclass(frozen=True)
class BenchUser:
    """A signed-in user: id and access token."""

    id: str
    token: str


async def _post(http: aiohttp.ClientSession, path: str, body: dict[str, Any]) -> tuple[int, Any]:
    async with http.post(path, json=body) as resp:
        data = await resp.json(content_type=None)
        return resp.status, data


async def sign_up(http: aiohttp.ClientSession, index: int, run_tag: str) -> BenchUser:
    """Register one user (201, or 202 while the accounts actor catches up) and sign in."""
    email = f"bench.{run_tag}.{index}@example.com"
    password = secrets.token_urlsafe(16)
    status, data = await _post(
        http,
        "/v1/auth/register",
        {
            "email": email,
            "password": password,
            "name": f"Bench {index}",
            "home_currency": "EUR",
            "timezone": "Europe/Paris",
        },
    )
    if status not in (201, 202):
        raise RuntimeError(f"register answered {status}: {data}")
    deadline = asyncio.get_running_loop().time() + SIGN_IN_WAIT_S
    while True:
        status, data = await _post(http, "/v1/auth/login", {"email": email, "password": password})
        if status == 200:
            return BenchUser(str(data["user"]["id"]), str(data["access_token"]))
        if status != 401 or asyncio.get_running_loop().time() > deadline:
            raise RuntimeError(f"login answered {status}: {data}")
        await asyncio.sleep(0.2)  # 401 while the sign-up is still being applied


async def sign_up_many(base_url: str, count: int, concurrency: int = 4) -> list[BenchUser]:
    """``count`` fresh users; password hashing is slow on purpose, so only a few at a time."""
    run_tag = secrets.token_hex(4)
    limit = asyncio.Semaphore(concurrency)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(base_url, timeout=timeout) as http:

        async def one(index: int) -> BenchUser:
            async with limit:
                return await sign_up(http, index, run_tag)

        return list(await asyncio.gather(*(one(i) for i in range(count))))
