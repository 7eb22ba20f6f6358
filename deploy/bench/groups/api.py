"""The HTTP calls of ``ledgerbus bench groups``: writes that must succeed, the group, and timed
series of reads."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from deploy.bench.groups.bills import CURRENCY
from deploy.bench.http import RequestFailedError, call, session
from deploy.bench.users import BenchUser

REQUEST_TIMEOUT_S = 60.0
PENDING_WAIT_S = 600.0

ApiObject = dict[str, Any]
"""An entity or answer of the API, as it came: JSON, which the benchmark reads but does not
type (its figures are typed)."""


async def await_command(
    http: aiohttp.ClientSession, command_id: str, timeout_s: float = PENDING_WAIT_S
) -> ApiObject:
    """Poll ``/v1/commands/{id}`` (as its issuer) until it is no longer pending."""
    deadline = time.perf_counter() + timeout_s
    while True:
        status, data = await call(http, "GET", f"/v1/commands/{command_id}")
        if status == 200 and isinstance(data, dict) and data.get("status") != "pending":
            return data
        if status not in (200, 202):
            raise RequestFailedError(f"GET /v1/commands/{command_id} answered {status}: {data}")
        if time.perf_counter() > deadline:
            raise RequestFailedError(f"command {command_id} still pending after {timeout_s:g} s")
        await asyncio.sleep(0.2)


async def _write(http: aiohttp.ClientSession, path: str, body: object, wanted: int) -> ApiObject:
    """A write that must succeed: its entity (waiting out a 202)."""
    status, data = await call(http, "POST", path, body)
    if status == 202 and isinstance(data, dict):
        done = await await_command(http, str(data["command_id"]))
        outcome = done.get("outcome") or {}
        if done.get("status") == "accepted" and isinstance(outcome.get("entity"), dict):
            return dict(outcome["entity"])
        raise RequestFailedError(f"POST {path} {json.dumps(body)} ended {done}")
    if status != wanted or not isinstance(data, dict):
        raise RequestFailedError(f"POST {path} {json.dumps(body)} answered {status}: {data}")
    return data


async def make_group(base_url: str, users: list[BenchUser]) -> str:
    """A group owned by the first user with every other one added by email; its id."""
    owner = users[0]
    async with session(base_url, owner.token, REQUEST_TIMEOUT_S) as http:
        group = await _write(http, "/v1/groups", {"name": "Bench group", "currency": CURRENCY}, 201)
        group_id = str(group["id"])
        for user in users[1:]:
            email = await _email_of(base_url, user)
            await _write(http, f"/v1/groups/{group_id}/members", {"email": email}, 200)
    return group_id


async def _email_of(base_url: str, user: BenchUser) -> str:
    async with session(base_url, user.token, REQUEST_TIMEOUT_S) as http:
        status, data = await call(http, "GET", "/v1/me")
        if status != 200 or not isinstance(data, dict):
            raise RequestFailedError(f"GET /v1/me answered {status}: {data}")
        return str(data["email"])


@dataclass
class Gets:
    """A series of GETs: latencies of the 200s, their bodies (first and last kept), errors, the
    first error and the size of a 200 answer."""

    latencies: list[float] = field(default_factory=list)
    kept: list[ApiObject] = field(default_factory=list)
    errors: int = 0
    first_error: str | None = None
    size: int = 0


async def timed_gets(
    http: aiohttp.ClientSession, path: str, count: int, stop_on_error: bool = False
) -> Gets:
    """``count`` GETs one after another. With ``stop_on_error``, the first error ends the series
    (a timed-out fold may still be running on the server, and asking again would only queue
    more behind it)."""
    gets = Gets()
    for i in range(count):
        t0 = time.perf_counter()
        async with http.get(path) as resp:
            raw = await resp.read()
            status = resp.status
        elapsed = time.perf_counter() - t0
        if status == 200:
            gets.latencies.append(elapsed)
            gets.size = len(raw)
            if i in (0, count - 1):
                gets.kept.append(json.loads(raw))
        else:
            gets.errors += 1
            gets.first_error = gets.first_error or (
                f"{status} {raw.decode(errors='replace')[:500]}"
            )
            if stop_on_error:
                break
    return gets
