"""Per-user write limits: a token bucket per person and node (unit), and 429 over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from bus.ratelimit import RateLimiter
from bus.settings import Settings
from deploy.embedded import find_free_port
from deploy.serve import build_web_app
from storage.database import Database
from tests.support.helpers import Stack


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_bucket_allows_a_burst_then_refills_at_the_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(rate=2.0, burst=3, clock=clock)
    assert [limiter.take("ada") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("ada") == pytest.approx(0.5)
    clock.now += 0.5
    assert limiter.take("ada") == 0.0
    assert limiter.take("bob") == 0.0  # every person has a bucket of their own


def test_bucket_forgets_the_idlest_keys_when_full() -> None:
    clock = Clock()
    limiter = RateLimiter(rate=0.01, burst=1, max_keys=4, clock=clock)
    for n in range(4):
        clock.now += 1
        limiter.take(f"user{n}")
    clock.now += 1
    assert limiter.take("newcomer") == 0.0
    assert limiter.take("user3") > 0  # recently used: still remembered and empty
    assert limiter.take("user0") == 0.0  # idlest: forgotten, starts full again


@pytest.fixture
async def strict_edge(settings: Settings, database: Database, stack: Stack) -> AsyncIterator[str]:
    """A second edge node on the same servers that allows 3 writes, then one per 100 s."""
    strict = settings.model_copy(
        update={"writes_burst": 3, "writes_per_user_s": 0.01, "http_port": find_free_port()}
    )
    runner = web.AppRunner(build_web_app(strict, realtime=False, database=database))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", strict.http_port).start()
    yield f"http://127.0.0.1:{strict.http_port}"
    await runner.cleanup()


@pytest.mark.integration
async def test_writes_over_the_limit_are_429_with_retry_after(
    stack: Stack, strict_edge: str
) -> None:
    import aiohttp

    ada = await stack.signup()
    body = {"amount": "1.00", "currency": "EUR", "date": "2026-11-20"}
    async with aiohttp.ClientSession(strict_edge, headers=ada.headers) as http:
        statuses = []
        for _ in range(4):
            async with http.post("/v1/expenses", json=body) as resp:
                statuses.append(resp.status)
                last = (await resp.json(content_type=None), resp.headers.get("Retry-After"))
        async with http.get("/v1/expenses") as resp:
            assert resp.status == 200  # reads are not limited
    assert statuses == [201, 201, 201, 429]
    assert last[0]["code"] == "too_many_writes"
    assert int(last[1] or 0) >= 1
